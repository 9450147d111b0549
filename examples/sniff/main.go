// Command sniff captures the Ethernet frames of one interface with an
// AF_PACKET socket and prints their Ethernet and IP headers, as tcpdump -e
// does: socket(AF_PACKET, SOCK_RAW, 0), bind(2) to the interface's index
// and htons(ETH_P_ALL) with a struct sockaddr_ll (protocol 0 until then, so
// that no frame of another interface is queued first), and one recvfrom(2) per
// frame, whose sockaddr_ll says on which interface it came and whether it
// was for this host, another, or sent by it (PACKET_OUTGOING). With -type
// a classic BPF program (SO_ATTACH_FILTER) makes the kernel drop every
// frame of another EtherType before it reaches the socket.
//
// Run it as root (packet sockets need CAP_NET_RAW):
//
//	go run ./examples/sniff -i lo -c 4 & ping -c 2 127.0.0.1
//	go run ./examples/sniff -i eth0 -type ip -x
//
// Each frame is printed on two lines: the Ethernet header, then the IPv4
// or IPv6 header (with the TCP or UDP ports, or the ICMP type) or the ARP
// message; -x adds the frame's bytes in hex. On lo the "Ethernet" header
// has zero addresses: the loopback device keeps the header's shape. A VLAN
// tag that the driver takes out on receive (veth and most NICs do) is not
// in the frame: the kernel passes it beside it (PACKET_AUXDATA), which
// this program does not ask for. It
// stops after -c frames, or when nothing has come for -wait (0: never).
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

func main() { cli.Main("sniff", run) }

const usage = "usage: sniff [-i IFACE] [-c COUNT] [-type ip|ip6|arp|0xNNNN] [-wait DURATION] [-x]"

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("sniff", usage)
	ifname := fs.String("i", "lo", "the interface to capture on")
	count := fs.Int("c", 0, "stop after this many frames (0: no limit)")
	typ := fs.String("type", "", "capture only this EtherType: ip, ip6, arp or a number such as 0x88b5")
	wait := fs.Duration("wait", 0, "stop when no frame has come for this long (0: never)")
	hexdump := fs.Bool("x", false, "print each frame's bytes in hex")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	if *count < 0 || *wait < 0 {
		return fs.Errorf("-c and -wait must not be negative")
	}
	var etherType uint16
	if *typ != "" {
		var err error
		if etherType, err = parseEtherType(*typ); err != nil {
			return fs.Errorf("-type %q: %v", *typ, err)
		}
	}
	ifindex, err := netif.NameToIndex(*ifname)
	if err != nil {
		return err
	}

	s, err := open(ifindex, etherType, *ifname, stdout)
	if err != nil {
		return err
	}
	defer s.Close()

	stop := context.AfterFunc(ctx, func() { s.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 65536+64)
	for n := 1; *count == 0 || n <= *count; n++ {
		if *wait > 0 {
			if err := s.SetReadDeadline(time.Now().Add(*wait)); err != nil {
				return err
			}
		}
		size, from, err := s.RecvFromLink(buf, 0)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if ctx.Err() == nil {
				fmt.Fprintf(stdout, "nothing for %v: %d frames\n", *wait, n-1)
			}
			return nil
		}
		truncated := errors.Is(err, sock.ErrTruncated)
		if err != nil && !truncated {
			return err
		}
		f := parseFrame(buf[:size])
		lines := f.Lines()
		fmt.Fprintf(stdout, "#%d %s %s\n", n, direction(from.Pkttype), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(stdout, "   %s\n", l)
		}
		if truncated {
			fmt.Fprintf(stdout, "   (frame cut to %d bytes)\n", size)
		}
		if *hexdump {
			fmt.Fprintf(stdout, "   %s\n", hex.EncodeToString(buf[:size]))
		}
	}
	return nil
}

func parseEtherType(s string) (uint16, error) {
	switch strings.ToLower(s) {
	case "ip":
		return etherIPv4, nil
	case "ip6":
		return etherIPv6, nil
	case "arp":
		return etherARP, nil
	}
	v, err := strconv.ParseUint(s, 0, 16)
	if err != nil || v < 0x0600 {
		return 0, errors.New("want ip, ip6, arp or an EtherType in [0x0600, 0xffff]")
	}
	return uint16(v), nil
}
