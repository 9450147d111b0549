// Command ss lists the sockets of the machine as ss(8) does: every TCP and
// UDP socket in every state with numeric addresses, the table `ss -tuna`
// prints, in the same columns (Netid, State, Recv-Q, Send-Q, Local
// Address:Port, Peer Address:Port, Process). It is section 1 of the notes
// seen from outside: each row is a socket's 5-tuple as the kernel keeps it.
// Where a C program parses /proc/net/tcp, tcp6, udp, udp6 and unix line by
// line (netstat's way), or sends sock_diag netlink requests and decodes
// their replies (ss's way), this program calls diag.List, which sends
// those requests, and prints the rows.
//
// The flags are ss's, one at a time (the flag package does not bundle
// -tuna): -t, -u and -x pick TCP, UDP and unix sockets (none of them: -t
// -u); -l keeps the listening ones (LISTEN, and the unconnected datagram
// sockets, UNCONN); -4 and -6 keep one IP family (unix sockets stay with
// -x); -p adds the processes holding each socket (all of them only as
// root: the descriptors of another user's processes cannot be read); -H
// leaves the header out; -sport and -dport keep the IP sockets with that
// local or remote port, as ss's "sport = :PORT" and "dport = :PORT"
// filters do. -a and -n are accepted and change nothing: every state is
// listed, every address is numeric. As ss does, the Netid column is left
// out when only TCP or only UDP sockets are listed. The sockets are those
// of the network namespace the program runs in.
//
// Run it:
//
//	go run ./examples/ss                  (ss -tuna)
//	sudo go run ./examples/ss -l -p       (ss -tulnp)
//	go run ./examples/ss -x               (ss -xa)
//	go run ./examples/ss -t -sport 22     (ss -tna sport = :22)
package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/diag"
)

func main() { cli.Main("ss", run) }

const usage = "usage: ss [-t] [-u] [-x] [-l] [-4|-6] [-p] [-H] [-sport PORT] [-dport PORT]"

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("ss", usage)
	tcp := fs.Bool("t", false, "TCP sockets")
	udp := fs.Bool("u", false, "UDP sockets")
	unixSocks := fs.Bool("x", false, "unix sockets")
	listening := fs.Bool("l", false, "only listening sockets: LISTEN, and unconnected datagram sockets (UNCONN)")
	v4 := fs.Bool("4", false, "only IPv4 sockets")
	v6 := fs.Bool("6", false, "only IPv6 sockets")
	procs := fs.Bool("p", false, "show the processes holding each socket")
	noHeader := fs.Bool("H", false, "no header line")
	fs.Bool("a", false, "accepted as ss takes it: every state is always listed")
	fs.Bool("n", false, "accepted as ss takes it: addresses and ports are always numeric")
	sport := fs.String("sport", "", "only IP sockets with this local port")
	dport := fs.String("dport", "", "only IP sockets with this remote port")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	f := diag.Filter{Processes: *procs}
	var err error
	if *sport != "" {
		if f.LocalPort, err = fs.Port("-sport", *sport); err != nil {
			return err
		}
	}
	if *dport != "" {
		if f.RemotePort, err = fs.Port("-dport", *dport); err != nil {
			return err
		}
	}
	if !*tcp && !*udp && !*unixSocks {
		*tcp, *udp = true, true
	}
	if *tcp {
		f.Protocols = append(f.Protocols, sock.IPPROTO_TCP)
	}
	if *udp {
		f.Protocols = append(f.Protocols, sock.IPPROTO_UDP)
	}
	if *tcp || *udp {
		if *v4 || !*v6 {
			f.Families = append(f.Families, sock.AF_INET)
		}
		if *v6 || !*v4 {
			f.Families = append(f.Families, sock.AF_INET6)
		}
	}
	if *unixSocks {
		f.Families = append(f.Families, sock.AF_UNIX)
	}
	if *listening {
		f.States = []diag.State{diag.TCP_LISTEN, diag.TCP_CLOSE}
	}

	// The C way: a sock_diag request per family and protocol on a
	// NETLINK_SOCK_DIAG socket, and a loop over the replies.
	socks, err := diag.List(ctx, f)
	if err != nil {
		return err
	}
	// ss leaves the Netid column out when it reads a single table (-t
	// or -u alone); unix sockets come from three (stream, datagram,
	// seqpacket).
	t := table{names: map[int]string{}, netid: *unixSocks || *tcp && *udp}
	if !*noHeader {
		t.rows = append(t.rows, row{"Netid", "State", "Recv-Q", "Send-Q", "Local Address", "Port", "Peer Address", "Port", "Process"})
	}
	for i := range socks {
		t.add(&socks[i], *procs)
	}
	return t.print(stdout)
}

// row is one line of the table, its addresses split from their ports, as
// ss aligns them.
type row [9]string

type table struct {
	rows  []row
	names map[int]string // interface names by index
	netid bool           // print the Netid column
}

func (t *table) add(s *diag.Socket, procs bool) {
	r := row{s.Netid(), s.State.String(), strconv.FormatUint(uint64(s.RecvQ), 10), strconv.FormatUint(uint64(s.SendQ), 10)}
	if s.Family == sock.AF_UNIX {
		// A unix socket's "port" is its inode, its peer's the peer's.
		r[4], r[5] = s.Name(), strconv.FormatUint(uint64(s.Inode), 10)
		r[6], r[7] = "*", strconv.FormatUint(uint64(s.Peer), 10)
	} else {
		r[4], r[5] = host(s, s.Local.Addr()), port(s.Local)
		if s.Interface != 0 {
			r[4] += "%" + t.ifname(s.Interface)
		}
		r[6], r[7] = host(s, s.Remote.Addr()), port(s.Remote)
	}
	if procs && len(s.Processes) > 0 {
		var b strings.Builder
		b.WriteString("users:(")
		for i, p := range s.Processes {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(\"%s\",pid=%d,fd=%d)", p.Command, p.PID, p.FD) // the name unescaped, as ss prints it
		}
		b.WriteByte(')')
		r[8] = b.String()
	}
	t.rows = append(t.rows, r)
}

// host prints an address as ss does: IPv6 in brackets, and the IPv6
// wildcard of a socket that also takes IPv4 (not V6ONLY) as "*".
func host(s *diag.Socket, a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	if a.IsUnspecified() && !s.V6Only {
		return "*"
	}
	return "[" + a.WithZone("").String() + "]"
}

// port prints a port, "*" for none.
func port(ap netip.AddrPort) string {
	if ap.Port() == 0 {
		return "*"
	}
	return strconv.Itoa(int(ap.Port()))
}

// ifname names the interface a socket is bound to, or gives its index.
func (t *table) ifname(index int) string {
	if n, ok := t.names[index]; ok {
		return n
	}
	n, err := netif.IndexToName(index)
	if err != nil {
		n = strconv.Itoa(index)
	}
	t.names[index] = n
	return n
}

// print writes the rows in columns: the addresses right-aligned against
// their ports, the other columns left-aligned, as ss lays them out.
func (t *table) print(w io.Writer) error {
	var width [9]int
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		b.Reset()
		for i := range 4 {
			if i > 0 || t.netid {
				fmt.Fprintf(&b, "%-*s ", width[i], r[i])
			}
		}
		sep := ":"
		if strings.HasPrefix(r[0], "u_") {
			sep = " "
		}
		if r[0] == "Netid" {
			sep = ":"
		}
		fmt.Fprintf(&b, "%*s%s%-*s %*s%s%-*s %s", width[4], r[4], sep, width[5], r[5], width[6], r[6], sep, width[7], r[7], r[8])
		if _, err := fmt.Fprintln(w, strings.TrimRight(b.String(), " ")); err != nil {
			return err
		}
	}
	return nil
}
