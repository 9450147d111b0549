// Command ping sends ICMP echo requests to a host and prints each reply
// with its round-trip time, as ping(8) does. It first asks for an
// unprivileged ICMP datagram socket, socket(AF_INET, SOCK_DGRAM,
// IPPROTO_ICMP) (IPPROTO_ICMPV6 for an IPv6 host): Linux grants it to a
// process whose group is in net.ipv4.ping_group_range (which covers IPv6
// too), and then sets the echo identifier (the socket's "port") and the
// checksum itself, and hands the socket only the replies to its own
// requests. Where the kernel refuses (EACCES: the group is out of range),
// it falls back to a raw socket, SOCK_RAW, which needs CAP_NET_RAW: the
// program then picks the identifier (its process id), computes the IPv4
// checksum, skips the packets that are not its replies (on a raw socket
// every ICMP packet arrives, its own requests on lo too), and reads the TTL
// from the IPv4 header the kernel puts before each one. On every other
// socket it asks for the TTL (IPv6: hop limit) of each reply as a control
// message, IP_RECVTTL or IPV6_RECVHOPLIMIT, and reads it with recvmsg(2),
// as ping(8) does.
//
// Run it:
//
//	go run ./examples/ping -c 3 127.0.0.1
//	go run ./examples/ping -c 3 ::1
//	sysctl net.ipv4.ping_group_range   # "1 0": nobody may; "0 2147483647": everybody
//
// A destination has no port: SendTo takes 127.0.0.1:0. Each request
// carries the time it was sent (8 bytes, nanoseconds) and a fixed pattern;
// the round-trip time is the arrival time minus the time in the reply, as
// ping(8) computes it, and a reply whose data differs from what was sent
// is reported. Lines starting "(Go: " are this program's own; the others
// follow ping(8).
// The exit status is 1 when no reply came, as ping(8)'s.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func main() { cli.Main("ping", run) }

const usage = "usage: ping [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] [-raw] HOST"

// ICMP message types of an echo request and reply.
const (
	echoRequest4, echoReply4 = 8, 0
	echoRequest6, echoReply6 = 128, 129
)

// pinger is one echo session: the socket and what a reply must match.
type pinger struct {
	s       *sock.Socket
	to      netip.AddrPort
	raw     bool // SOCK_RAW: the program filters, sets the id and checksum
	ipHdr   bool // raw IPv4: each packet arrives with its IP header
	request byte
	reply   byte
	id      uint16
	size    int
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("ping", usage)
	count := fs.Int("c", 4, "number of echo requests to send")
	interval := fs.Duration("i", time.Second, "time between requests")
	timeout := fs.Duration("W", time.Second, "how long to wait for each reply")
	size := fs.Int("s", 56, "data bytes per request, at least 8 (the send time)")
	forceRaw := fs.Bool("raw", false, "use a raw socket (CAP_NET_RAW) without trying the ICMP datagram socket")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(1, 1); err != nil {
		return err
	}
	switch {
	case *count < 1:
		return fs.Errorf("-c %d: want at least 1", *count)
	case *interval < 0 || *timeout <= 0:
		return fs.Errorf("-i and -W must be positive")
	case *size < 8 || *size > 65000:
		return fs.Errorf("-s %d outside [8, 65000]", *size)
	}
	host := fs.Arg(0)

	infos, err := addrinfo.Lookup(ctx, host, "", &addrinfo.Hints{SockType: sock.SOCK_DGRAM})
	if err != nil {
		return err
	}
	dst := infos[0].Addr.Addr()
	p, note, err := open(dst, *forceRaw)
	if err != nil {
		return err
	}
	defer p.s.Close()
	if !p.ipHdr {
		if err := p.s.SetRecvHopLimit(true); err != nil {
			return err
		}
	}
	p.size = *size
	hdr := 20
	if dst.Is6() {
		hdr = 40
	}
	fmt.Fprintf(stdout, "PING %s (%s) %d(%d) bytes of data.\n", host, dst, *size, *size+8+hdr)
	fmt.Fprintln(stdout, note)

	// Cancellation ends a wait for a reply at once.
	stop := context.AfterFunc(ctx, func() { p.s.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	start := time.Now()
	var rtts []time.Duration
	sent := 0
	for seq := 1; seq <= *count && ctx.Err() == nil; seq++ {
		next := time.Now().Add(*interval)
		if err := p.send(uint16(seq)); err != nil {
			return err
		}
		sent++
		rtt, line, err := p.await(uint16(seq), *timeout)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return err
		}
		if line != "" {
			fmt.Fprintln(stdout, line)
			rtts = append(rtts, rtt)
		}
		if seq < *count {
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(next)):
			}
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "\n--- %s ping statistics ---\n", host)
	fmt.Fprintf(stdout, "%d packets transmitted, %d received, %d%% packet loss, time %dms\n",
		sent, len(rtts), 100*(sent-len(rtts))/max(sent, 1), elapsed.Milliseconds())
	if len(rtts) == 0 {
		return errors.New("no reply")
	}
	fmt.Fprintln(stdout, stats(rtts))
	return nil
}

// open makes the ICMP datagram socket, or the raw one where the kernel
// refuses it (or -raw), and says in a "(Go: ...)" line which it got.
func open(dst netip.Addr, forceRaw bool) (*pinger, string, error) {
	fam, proto := sock.AF_INET, sock.IPPROTO_ICMP
	p := &pinger{request: echoRequest4, reply: echoReply4}
	if dst.Is6() {
		fam, proto = sock.AF_INET6, sock.IPPROTO_ICMPV6
		p.request, p.reply = echoRequest6, echoReply6
	}
	p.to = netip.AddrPortFrom(dst, 0)
	call := fmt.Sprintf("socket(%v, SOCK_DGRAM, %v)", fam, proto)
	var refused error
	if !forceRaw {
		s, err := sock.New(fam, sock.SOCK_DGRAM, proto)
		if err == nil {
			// The kernel picks the identifier when the socket is bound:
			// bind to port 0 and read it back, as ping(8) does.
			if err := s.Bind(sock.InetAddr(netip.AddrPortFrom(unspecified(dst), 0))); err != nil {
				s.Close()
				return nil, "", err
			}
			la, err := s.LocalAddr()
			if err != nil {
				s.Close()
				return nil, "", err
			}
			p.s, p.id = s, la.AddrPort().Port()
			return p, fmt.Sprintf("(Go: %s: an unprivileged ICMP socket; the kernel chose echo id %d and fills in the checksum)", call, p.id), nil
		}
		if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) {
			return nil, "", err
		}
		refused = err
	}
	s, err := sock.New(fam, sock.SOCK_RAW, proto)
	if err != nil {
		if refused != nil {
			return nil, "", fmt.Errorf("%w (and %v: net.ipv4.ping_group_range excludes this group)", err, refused)
		}
		return nil, "", err
	}
	p.s, p.raw, p.ipHdr = s, true, !dst.Is6()
	p.id = uint16(os.Getpid())
	why := "-raw"
	if refused != nil {
		why = call + " refused (" + refused.Error() + ": net.ipv4.ping_group_range excludes this group)"
	}
	return p, fmt.Sprintf("(Go: %s; socket(%v, SOCK_RAW, %v) instead: echo id %d is this process's id)", why, fam, proto, p.id), nil
}

func unspecified(a netip.Addr) netip.Addr {
	if a.Is6() {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

// send sends the echo request seq: type, code, checksum, id, seq, then the
// send time and a pattern.
func (p *pinger) send(seq uint16) error {
	b := make([]byte, 8+p.size)
	b[0] = p.request
	binary.BigEndian.PutUint16(b[4:], p.id)
	binary.BigEndian.PutUint16(b[6:], seq)
	binary.BigEndian.PutUint64(b[8:], uint64(time.Now().UnixNano()))
	for i := 16; i < len(b); i++ {
		b[i] = byte(i)
	}
	if p.raw && p.ipHdr {
		// A raw ICMPv4 socket sends the message as given; ICMPv6's
		// checksum covers a pseudo-header, and the kernel fills it in.
		binary.BigEndian.PutUint16(b[2:], checksum(b))
	}
	_, err := p.s.SendTo(b, 0, sock.InetAddr(p.to))
	return err
}

// await waits up to timeout for the reply to seq and returns its line.
// No reply in time is an empty line and no error, as ping(8) says nothing.
func (p *pinger) await(seq uint16, timeout time.Duration) (time.Duration, string, error) {
	buf := make([]byte, 60+8+p.size+64)
	oob := make([]byte, sock.CmsgSpace(4))
	var cmsgs []sock.Cmsg
	if err := p.s.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, "", err
	}
	for {
		n, oobn, _, from, err := p.s.RecvMsg([][]byte{buf}, oob, 0)
		now := time.Now()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, "", nil
		}
		if err != nil {
			return 0, "", err
		}
		msg, ttl := buf[:n], -1
		if cmsgs, err = sock.ParseControl(oob[:oobn], cmsgs[:0]); err != nil {
			return 0, "", err
		}
		for _, c := range cmsgs {
			v, ok := c.Int()
			if ok && (c.Level == unix.IPPROTO_IP && c.Type == sock.IP_TTL ||
				c.Level == unix.IPPROTO_IPV6 && c.Type == sock.IPV6_HOPLIMIT) {
				ttl = v
			}
		}
		if p.ipHdr {
			ihl := int(msg[0]&0x0f) * 4
			if ihl < 20 || len(msg) < ihl {
				continue
			}
			ttl, msg = int(msg[8]), msg[ihl:]
		}
		if len(msg) < 16 || msg[0] != p.reply || binary.BigEndian.Uint16(msg[6:]) != seq {
			continue // not ours: another process's, an old one, our request
		}
		if p.raw && binary.BigEndian.Uint16(msg[4:]) != p.id {
			continue
		}
		rtt := now.Sub(time.Unix(0, int64(binary.BigEndian.Uint64(msg[8:]))))
		var b strings.Builder
		fmt.Fprintf(&b, "%d bytes from %s: icmp_seq=%d", len(msg), from.AddrPort().Addr(), seq)
		if ttl >= 0 {
			fmt.Fprintf(&b, " ttl=%d", ttl)
		}
		fmt.Fprintf(&b, " time=%s ms", ms(rtt))
		for i := 16; i < len(msg); i++ {
			if msg[i] != byte(i) {
				fmt.Fprintf(&b, "\nwrong data byte #%d should be 0x%x but was 0x%x", i-8, byte(i), msg[i])
				break
			}
		}
		return rtt, b.String(), nil
	}
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// ms formats d in milliseconds as ping(8): three decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/1e6) }

// stats is ping(8)'s summary line: min, average, max and mean deviation.
func stats(rtts []time.Duration) string {
	lo, hi := rtts[0], rtts[0]
	var sum, sum2 float64
	for _, r := range rtts {
		lo, hi = min(lo, r), max(hi, r)
		f := float64(r)
		sum += f
		sum2 += f * f
	}
	n := float64(len(rtts))
	avg := sum / n
	mdev := math.Sqrt(max(sum2/n-avg*avg, 0))
	return fmt.Sprintf("rtt min/avg/max/mdev = %s/%s/%s/%s ms", ms(lo), ms(time.Duration(avg)), ms(hi), ms(time.Duration(mdev)))
}
