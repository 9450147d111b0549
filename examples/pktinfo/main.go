//go:build linux

// Command pktinfo shows the multi-homed UDP server bug and its cure. A UDP
// server bound to the wildcard address (0.0.0.0) receives datagrams sent
// to any of the host's addresses; when it answers with a plain sendto(2),
// the kernel picks the reply's source address from the route back, which
// need not be the address the client wrote to, and the client's
// connected socket (or its firewall) drops the reply. With IP_PKTINFO the
// server learns each datagram's destination address from recvmsg(2) and
// answers from it with sendmsg(2).
//
// On loopback, 127.0.0.1 and 127.0.0.2 are both the host's: the client
// writes to 127.0.0.2 and the plain reply comes from 127.0.0.1.
//
//	go run ./examples/pktinfo
//	go run ./examples/pktinfo -to 127.0.0.3
package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/sock"
)

func main() { cli.Main("pktinfo", run) }

const usage = "usage: pktinfo [-to IPV4]  (a loopback address other than 127.0.0.1)"

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("pktinfo", usage)
	toFlag := fs.String("to", "127.0.0.2", "the server address the client writes to")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	dst, err := netip.ParseAddr(*toFlag)
	if err != nil || !dst.Is4() || !dst.IsLoopback() {
		return fs.Errorf("-to %q: not an IPv4 loopback address", *toFlag)
	}

	srv, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.SetsockoptInt(sock.IPPROTO_IP, sock.IP_PKTINFO, 1); err != nil {
		return err
	}
	if err := srv.Bind(sock.InetAddr(netip.MustParseAddrPort("0.0.0.0:0"))); err != nil {
		return err
	}
	la, err := srv.LocalAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "server: bind %s, setsockopt(IP_PKTINFO, 1)\n", la)
	to := sock.InetAddr(netip.AddrPortFrom(dst, la.AddrPort().Port()))

	buf := make([]byte, 512)
	oob := make([]byte, sock.CmsgSpace(12))
	var msgs []sock.Cmsg
	for _, usePktinfo := range []bool{false, true} {
		cli, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		defer cli.Close()
		// A connected UDP socket takes datagrams from its peer only.
		if err := cli.Connect(to); err != nil {
			return err
		}
		if _, err := cli.Send([]byte("ping"), 0); err != nil {
			return err
		}
		n, oobn, _, from, err := srv.RecvMsg([][]byte{buf}, oob, 0)
		if err != nil {
			return err
		}
		if msgs, err = sock.ParseControl(oob[:oobn], msgs[:0]); err != nil {
			return err
		}
		var pi sock.PktInfo
		for _, m := range msgs {
			if p, ok := m.PktInfo(); ok {
				pi = p
			}
		}
		fmt.Fprintf(stdout, "server: recvmsg = %d bytes from %s, sent to %s (IP_PKTINFO, interface %d)\n", n, from, pi.Addr, pi.Ifindex)
		var reply []byte
		how := "sendmsg without IP_PKTINFO, source chosen by the kernel"
		if usePktinfo {
			reply = sock.AppendPktInfo(nil, sock.PktInfo{Addr: pi.Addr})
			how = "sendmsg with IP_PKTINFO source " + pi.Addr.String()
		}
		if _, err := srv.SendMsg([][]byte{[]byte("pong")}, reply, from, 0); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server: reply by %s\n", how)
		// Loopback delivers at once; the deadline only bounds the wait
		// for a reply that will not come.
		cli.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, err := cli.Recv(buf, 0); err != nil {
			fmt.Fprintf(stdout, "client: recv: no reply (%v): it came from another address, and the connected socket dropped it\n", err)
		} else {
			fmt.Fprintf(stdout, "client: recv = %d bytes %q from %s, the address it wrote to\n", n, buf[:n], to)
		}
	}
	return nil
}
