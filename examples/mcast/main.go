// Command mcast shows UDP multicast: receivers join a group
// (IP_ADD_MEMBERSHIP; IPV6_JOIN_GROUP for an IPv6 group) on one interface,
// a sender picks the outgoing interface, TTL and loopback
// (IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP) and sends one
// datagram to the group, and every member gets a copy. It has three modes:
//
//	mcast [flags] demo   three receivers join, the third leaves again
//	                     (IP_DROP_MEMBERSHIP), one datagram is sent, and
//	                     each receiver says what it got
//	mcast [flags] recv   one receiver: print the datagrams sent to the group
//	mcast [flags] send MESSAGE...   send each MESSAGE to the group
//
// Run it (the group's traffic stays on lo, with TTL 1):
//
//	go run ./examples/mcast demo
//	go run ./examples/mcast -if eth0 -group '[ff15::1234]:5007' demo
//	go run ./examples/mcast -n 2 recv &  go run ./examples/mcast send hello there
//	go run ./examples/mcast -source 127.0.0.1 recv   # source-specific (IP_ADD_SOURCE_MEMBERSHIP)
//
// IPv6 multicast needs an interface with the MULTICAST flag: Linux's lo
// has none, so there sendto fails with ENETUNREACH (no route); on eth0 or
// a veth the datagram also goes out on that link, hop limit 1.
//
// Every receiver sets SO_REUSEADDR, so that all can bind the group's port,
// and binds the group address itself, so that it gets no other group's
// datagrams to that port. On Linux it also turns IP_MULTICAST_ALL off:
// that option, on by default, hands a socket the datagrams of every group
// that any socket of the host joined on the interface, so a receiver that
// left still gets the group's traffic while another member remains; -all
// leaves it on to show that. Option values printed are read back from the
// kernel with getsockopt, except IP_MULTICAST_IF, which Linux reads back
// only as an address (0.0.0.0 when set by index, as here).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func main() { cli.Main("mcast", run) }

const usage = "usage: mcast [-group ADDR:PORT] [-if NAME] [-ttl N] [-n N] [-wait DURATION] [-source ADDR] [-all] demo | recv | send MESSAGE..."

type config struct {
	group   netip.AddrPort
	ifname  string
	ifindex int
	ttl     int
	n       int
	wait    time.Duration
	source  netip.Addr
	all     bool
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("mcast", usage)
	group := fs.String("group", "239.1.2.3:5007", "the group and port")
	ifname := fs.String("if", "lo", "the interface to join on and send from")
	ttl := fs.Int("ttl", 1, "IP_MULTICAST_TTL (IPv6: IPV6_MULTICAST_HOPS) of the sender, in [0, 255]")
	n := fs.Int("n", 0, "recv: datagrams to wait for (default 1); demo: receivers, the last one leaves (default 3)")
	wait := fs.Duration("wait", time.Second, "how long a receiver waits for a datagram")
	source := fs.String("source", "", "recv and demo: accept only this sender (IP_ADD_SOURCE_MEMBERSHIP; IPv6: MCAST_JOIN_SOURCE_GROUP)")
	all := fs.Bool("all", false, "leave IP_MULTICAST_ALL on (Linux's default)")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return fs.Errorf("want a mode: demo, recv or send")
	}
	mode := fs.Arg(0)
	switch {
	case mode == "send" && fs.NArg() < 2:
		return fs.Errorf("send: want at least one MESSAGE")
	case mode != "send" && fs.NArg() > 1:
		return fs.Errorf("unexpected argument %q", fs.Arg(1))
	case mode != "send" && mode != "recv" && mode != "demo":
		return fs.Errorf("unknown mode %q: want demo, recv or send", mode)
	}
	c := config{ifname: *ifname, ttl: *ttl, n: *n, wait: *wait, all: *all}
	if c.n == 0 {
		c.n = 1
		if mode == "demo" {
			c.n = 3
		}
	}
	var err error
	if c.group, err = netip.ParseAddrPort(*group); err != nil || !c.group.Addr().IsMulticast() || c.group.Port() == 0 {
		return fs.Errorf("-group %q is not a multicast address and port", *group)
	}
	if *source != "" {
		if c.source, err = netip.ParseAddr(*source); err != nil {
			return fs.Errorf("-source %q: %v", *source, err)
		}
	}
	switch {
	case c.ttl < 0 || c.ttl > 255:
		return fs.Errorf("-ttl %d outside [0, 255]", c.ttl)
	case c.n < 1:
		return fs.Errorf("-n %d: want at least 1", c.n)
	case c.wait <= 0:
		return fs.Errorf("-wait must be positive")
	case mode == "demo" && c.n < 2:
		return fs.Errorf("demo: -n %d: want at least 2 receivers", c.n)
	}
	if c.ifindex, err = netif.NameToIndex(c.ifname); err != nil {
		return err
	}
	switch mode {
	case "recv":
		return recvMode(ctx, c, stdout)
	case "send":
		return sendMode(c, fs.Args()[1:], stdout)
	}
	return demo(ctx, c, stdout)
}

func family(a netip.Addr) sock.Family {
	if a.Is4() {
		return sock.AF_INET
	}
	return sock.AF_INET6
}

// sourceNames returns the C names of the source-specific join and leave.
func sourceNames(c config) (join, leave string) {
	if c.group.Addr().Is4() {
		return "IP_ADD_SOURCE_MEMBERSHIP", "IP_DROP_SOURCE_MEMBERSHIP"
	}
	return "MCAST_JOIN_SOURCE_GROUP", "MCAST_LEAVE_SOURCE_GROUP"
}

// names returns the C names of the calls for the group's family.
func names(c config) (join, leave, mcIf, mcTTL, mcLoop, mcAll string) {
	if c.group.Addr().Is4() {
		return "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IP_MULTICAST_IF", "IP_MULTICAST_TTL", "IP_MULTICAST_LOOP", "IP_MULTICAST_ALL"
	}
	return "IPV6_JOIN_GROUP", "IPV6_LEAVE_GROUP", "IPV6_MULTICAST_IF", "IPV6_MULTICAST_HOPS", "IPV6_MULTICAST_LOOP", "IPV6_MULTICAST_ALL"
}

// receiver opens a socket bound to the group's address and port and joins
// the group (from c.source only, if set), and describes what it did.
func receiver(c config) (*sock.Socket, string, error) {
	join, _, _, _, _, mcAll := names(c)
	s, err := sock.New(family(c.group.Addr()), sock.SOCK_DGRAM, 0)
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	fail := func(err error) (*sock.Socket, string, error) { s.Close(); return nil, "", err }
	if err := s.SetReuseAddr(true); err != nil {
		return fail(err)
	}
	b.WriteString("SO_REUSEADDR 1")
	if !c.all {
		if err := s.SetMulticastAll(false); err != nil && !errors.Is(err, unix.ENOPROTOOPT) {
			return fail(err)
		}
	}
	if on, err := s.MulticastAll(); err == nil {
		fmt.Fprintf(&b, ", %s %d", mcAll, b2i(on))
	}
	if err := s.Bind(sock.InetAddr(c.group)); err != nil {
		return fail(err)
	}
	fmt.Fprintf(&b, ", bind %s", c.group)
	if c.source.IsValid() {
		if err := s.JoinSourceGroup(c.ifindex, c.group.Addr(), c.source); err != nil {
			return fail(err)
		}
		sjoin, _ := sourceNames(c)
		fmt.Fprintf(&b, ", %s %s from %s on %s (index %d)", sjoin, c.group.Addr(), c.source, c.ifname, c.ifindex)
	} else {
		if err := s.JoinGroup(c.ifindex, c.group.Addr()); err != nil {
			return fail(err)
		}
		fmt.Fprintf(&b, ", %s %s on %s (index %d)", join, c.group.Addr(), c.ifname, c.ifindex)
	}
	return s, b.String(), nil
}

// sender opens the sending socket and sets its interface, TTL and loop.
func sender(c config) (*sock.Socket, string, error) {
	_, _, mcIf, mcTTL, mcLoop, _ := names(c)
	s, err := sock.New(family(c.group.Addr()), sock.SOCK_DGRAM, 0)
	if err != nil {
		return nil, "", err
	}
	fail := func(err error) (*sock.Socket, string, error) { s.Close(); return nil, "", err }
	// The source address: the interface's own (IPv4 on lo would be sent
	// from 0.0.0.0 otherwise: 127.0.0.1 is host-scoped).
	var bound string
	if a := ifaceAddr(c); a.IsValid() {
		if err := s.Bind(sock.InetAddr(netip.AddrPortFrom(a, 0))); err != nil {
			return fail(err)
		}
		la, err := s.LocalAddr()
		if err != nil {
			return fail(err)
		}
		bound = "bind " + la.String() + ", "
	}
	if err := s.SetMulticastInterface(c.ifindex); err != nil {
		return fail(err)
	}
	if err := s.SetMulticastTTL(c.ttl); err != nil {
		return fail(err)
	}
	if err := s.SetMulticastLoop(true); err != nil {
		return fail(err)
	}
	idx, addr, err := s.MulticastInterface()
	if err != nil {
		return fail(err)
	}
	ttl, err := s.MulticastTTL()
	if err != nil {
		return fail(err)
	}
	loop, err := s.MulticastLoop()
	if err != nil {
		return fail(err)
	}
	ifv := fmt.Sprint(idx)
	if addr.IsValid() {
		ifv = addr.String() + fmt.Sprintf(" (set to index %d of %s)", c.ifindex, c.ifname)
	}
	return s, fmt.Sprintf("%s%s %s, %s %d, %s %d", bound, mcIf, ifv, mcTTL, ttl, mcLoop, b2i(loop)), nil
}

// ifaceAddr returns the first address of the interface in the group's
// family (not a link-local IPv6 one), or the zero Addr.
func ifaceAddr(c config) netip.Addr {
	ifi, err := netif.ByIndex(c.ifindex)
	if err != nil {
		return netip.Addr{}
	}
	for _, a := range ifi.Addrs {
		if a.Addr.Is4() == c.group.Addr().Is4() && !a.Addr.IsLinkLocalUnicast() {
			return a.Addr
		}
	}
	return netip.Addr{}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// receive waits up to c.wait for one datagram and returns its line.
func receive(ctx context.Context, s *sock.Socket, wait time.Duration) (string, error) {
	stop := context.AfterFunc(ctx, func() { s.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return "", err
	}
	buf := make([]byte, 65536)
	n, from, err := s.RecvFrom(buf, 0)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return fmt.Sprintf("nothing within %v", wait), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("recvfrom = %d from %s: %q", n, from, buf[:n]), nil
}

func demo(ctx context.Context, c config, stdout io.Writer) error {
	_, leave, _, _, _, _ := names(c)
	rs := make([]*sock.Socket, 0, c.n)
	defer func() {
		for _, r := range rs {
			r.Close()
		}
	}()
	for i := 1; i <= c.n; i++ {
		r, what, err := receiver(c)
		if err != nil {
			return fmt.Errorf("receiver %d: %w", i, err)
		}
		rs = append(rs, r)
		fmt.Fprintf(stdout, "receiver %d: %s\n", i, what)
	}
	last := rs[len(rs)-1]
	if c.source.IsValid() {
		if err := last.LeaveSourceGroup(c.ifindex, c.group.Addr(), c.source); err != nil {
			return err
		}
		_, sleave := sourceNames(c)
		fmt.Fprintf(stdout, "receiver %d: %s %s from %s on %s\n", c.n, sleave, c.group.Addr(), c.source, c.ifname)
	} else {
		if err := last.LeaveGroup(c.ifindex, c.group.Addr()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "receiver %d: %s %s on %s\n", c.n, leave, c.group.Addr(), c.ifname)
	}
	s, what, err := sender(c)
	if err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	defer s.Close()
	fmt.Fprintf(stdout, "sender: %s\n", what)
	msg := "hello, group " + c.group.String()
	n, err := s.SendTo([]byte(msg), 0, sock.InetAddr(c.group))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sender: sendto(%s) = %d\n", c.group, n)
	for i, r := range rs {
		line, err := receive(ctx, r, c.wait)
		if err != nil {
			return fmt.Errorf("receiver %d: %w", i+1, err)
		}
		fmt.Fprintf(stdout, "receiver %d: %s\n", i+1, line)
	}
	return nil
}

func recvMode(ctx context.Context, c config, stdout io.Writer) error {
	r, what, err := receiver(c)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Fprintf(stdout, "receiver: %s\n", what)
	for range c.n {
		line, err := receive(ctx, r, c.wait)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "receiver: %s\n", line)
		if strings.HasPrefix(line, "nothing") {
			return errors.New("no datagram")
		}
	}
	return nil
}

func sendMode(c config, msgs []string, stdout io.Writer) error {
	s, what, err := sender(c)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "sender: %s\n", what)
	for _, m := range msgs {
		n, err := s.SendTo([]byte(m), 0, sock.InetAddr(c.group))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sender: sendto(%s) = %d\n", c.group, n)
	}
	return nil
}
