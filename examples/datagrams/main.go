// Command datagrams makes section 8 of the notes visible: a connectionless
// socket (UDP) treats each datagram on its own, so datagrams can be lost,
// duplicated or reordered and nobody is told, while a connection-oriented
// one (TCP) delivers its bytes in order, once each.
//
// A sender sends -n numbered datagrams with sendto(2) to a receiver, both
// UDP sockets on loopback. Loopback itself loses, duplicates and reorders
// nothing, and this machine may have no netem queueing discipline (tc
// qdisc ... netem) to make it, so the path between them is simulated: a
// relay socket in the middle drops a datagram with probability -loss,
// sends one twice with probability -dup, and holds one back behind the
// next with probability -reorder (all decided by -seed, so runs repeat).
// The relay's doings are printed as "(Go: simulated path: ...)" lines; the
// receiver's recvfrom lines are what the kernel delivered, and its summary
// is worked out from them alone, as a real receiver would have to.
//
// Then the same messages go over one TCP connection on loopback: they
// arrive in order, once each. (On a lossy path TCP would retransmit and
// reorder in the kernel; the simulation acts on datagrams only.)
//
//	go run ./examples/datagrams
//	go run ./examples/datagrams -n 20 -loss 0.2 -dup 0.1 -reorder 0.2 -seed 7
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/sock"
)

func main() { cli.Main("datagrams", run) }

const usage = "usage: datagrams [-n COUNT] [-loss P] [-dup P] [-reorder P] [-seed N]  (COUNT in [1, 1000], P in [0, 1])"

var loopback = netip.MustParseAddr("127.0.0.1")

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("datagrams", usage)
	n := fs.Int("n", 10, "how many datagrams to send")
	loss := fs.Float64("loss", 0.2, "probability that the simulated path drops a datagram")
	dup := fs.Float64("dup", 0.1, "probability that it sends a datagram twice")
	reorder := fs.Float64("reorder", 0.2, "probability that it holds a datagram back behind the next")
	seed := fs.Uint64("seed", 1, "seed of the simulated path's choices")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	if *n < 1 || *n > 1000 {
		return fs.Errorf("-n %d outside [1, 1000]", *n)
	}
	for name, p := range map[string]float64{"-loss": *loss, "-dup": *dup, "-reorder": *reorder} {
		if !(p >= 0 && p <= 1) {
			return fs.Errorf("%s %v outside [0, 1]", name, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	open := func() (*sock.Socket, netip.AddrPort, error) {
		s, err := sock.New(sock.AF_INET, sock.SOCK_DGRAM, 0)
		if err != nil {
			return nil, netip.AddrPort{}, err
		}
		if err := s.Bind(sock.InetAddr(netip.AddrPortFrom(loopback, 0))); err != nil {
			s.Close()
			return nil, netip.AddrPort{}, err
		}
		a, err := s.LocalAddr()
		if err != nil {
			s.Close()
		}
		return s, a.AddrPort(), err
	}
	recv, recvAddr, err := open()
	if err != nil {
		return err
	}
	defer recv.Close()
	relay, relayAddr, err := open()
	if err != nil {
		return err
	}
	defer relay.Close()
	send, _, err := open()
	if err != nil {
		return err
	}
	defer send.Close()
	fmt.Fprintf(stdout, "UDP: sender fd %d -> simulated path %s -> receiver fd %d at %s\n", send.Fd(), relayAddr, recv.Fd(), recvAddr)
	fmt.Fprintln(stdout, "(Go: recvfrom is posixkit's RecvFrom: recvmsg(2), whose flags report truncation)")

	for i := 1; i <= *n; i++ {
		msg := "datagram " + strconv.Itoa(i)
		k, err := send.SendTo([]byte(msg), 0, sock.InetAddr(relayAddr))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sendto(%d, %q, %d) = %d\n", send.Fd(), msg, len(msg), k)
	}

	// The simulated path: what reached the relay goes on, or not.
	rng := rand.New(rand.NewPCG(*seed, 0))
	buf := make([]byte, 2048)
	var held []byte
	forward := func(p []byte) error {
		_, err := relay.SendTo(p, 0, sock.InetAddr(recvAddr))
		return err
	}
	relay.SetReadDeadline(time.Now().Add(time.Second))
	for i := 0; i < *n; i++ {
		k, _, err := relay.RecvFrom(buf, 0)
		if err != nil {
			return fmt.Errorf("simulated path: %w", err)
		}
		p := slices.Clone(buf[:k])
		switch {
		case rng.Float64() < *loss:
			fmt.Fprintf(stdout, "(Go: simulated path: %q dropped)\n", p)
			continue
		case held == nil && rng.Float64() < *reorder:
			fmt.Fprintf(stdout, "(Go: simulated path: %q held back behind the next)\n", p)
			held = p
			continue
		}
		copies := 1
		if rng.Float64() < *dup {
			copies = 2
			fmt.Fprintf(stdout, "(Go: simulated path: %q sent twice)\n", p)
		}
		for range copies {
			if err := forward(p); err != nil {
				return err
			}
		}
		if held != nil {
			if err := forward(held); err != nil {
				return err
			}
			held = nil
		}
	}
	if held != nil {
		if err := forward(held); err != nil {
			return err
		}
	}

	// The receiver: what the kernel hands over, until nothing comes for
	// 200 ms. Nothing tells it of a loss.
	var got []int
	for {
		recv.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		k, from, err := recv.RecvFrom(buf, 0)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "recvfrom(%d) = %d from %s: %q\n", recv.Fd(), k, from, buf[:k])
		num, _ := strconv.Atoi(strings.TrimPrefix(string(buf[:k]), "datagram "))
		got = append(got, num)
	}
	fmt.Fprintln(stdout, summary("UDP", *n, got), "(no call reported any of it)")

	return tcp(ctx, *n, stdout)
}

// summary says what the receiver can tell from the numbers it got: which
// never came, which came twice, which came after a later one.
func summary(kind string, n int, got []int) string {
	seen := make(map[int]int)
	var late []string
	highest := 0
	for _, g := range got {
		seen[g]++
		if g < highest && seen[g] == 1 {
			late = append(late, strconv.Itoa(g))
		}
		highest = max(highest, g)
	}
	var lost, twice []string
	for i := 1; i <= n; i++ {
		switch {
		case seen[i] == 0:
			lost = append(lost, strconv.Itoa(i))
		case seen[i] > 1:
			twice = append(twice, strconv.Itoa(i))
		}
	}
	list := func(l []string) string {
		if len(l) == 0 {
			return "none"
		}
		return strings.Join(l, " ")
	}
	return fmt.Sprintf("%s: %d received for %d sent; never came: %s; came twice: %s; came after a later one: %s",
		kind, len(got), n, list(lost), list(twice), list(late))
}

// tcp sends the same n messages over one TCP connection on loopback and
// reads them back on the other side: in order, once each.
func tcp(ctx context.Context, n int, stdout io.Writer) error {
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer ln.Close()
	if err := ln.Bind(sock.InetAddr(netip.AddrPortFrom(loopback, 0))); err != nil {
		return err
	}
	if err := ln.Listen(1); err != nil {
		return err
	}
	addr, err := ln.LocalAddr()
	if err != nil {
		return err
	}
	c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Connect(addr); err != nil {
		return err
	}
	a, _, err := ln.Accept()
	if err != nil {
		return err
	}
	defer a.Close()
	var sent strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sent, "message %d\n", i)
	}
	if _, err := c.Write([]byte(sent.String())); err != nil {
		return err
	}
	if err := c.Shutdown(sock.SHUT_WR); err != nil {
		return err
	}
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(a)
	if err != nil {
		return err
	}
	var got []int
	for line := range strings.Lines(string(b)) {
		k, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "message ")))
		got = append(got, k)
	}
	fmt.Fprintf(stdout, "TCP: %d bytes sent on fd %d, %d read on fd %d\n", sent.Len(), c.Fd(), len(b), a.Fd())
	fmt.Fprintln(stdout, summary("TCP", n, got))
	return ctx.Err()
}
