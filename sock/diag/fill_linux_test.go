package diag_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

// population says how many sockets of each kind fillNetns makes.
type population struct {
	listeners4, listeners6 int // TCP listeners; half of each on the wildcard address
	pairs4, pairs6         int // established TCP connections: two sockets each
	timeWait               int // TCP connections closed client first: a TIME_WAIT entry each
	udp4, udp6             int // bound UDP sockets; half of the IPv6 ones V6ONLY
	udpConnected           int // UDP sockets connected to one of the bound ones
	unixPairs              int // unix stream socketpairs: two sockets each
	unixAbstract           int // unix datagram sockets bound to abstract names
	unixPath               int // unix datagram sockets bound to paths
	unixListeners          int // unix stream listeners on abstract names ...
	unixPending            int // ... with this many connections each, not accepted (the clients are listed, the server ends only as the listener's pending peers)
	seqPairs               int // unix seqpacket socketpairs: two sockets each
}

// tenThousand is the namespace: 10,000 sockets of every kind.
var tenThousand = population{
	listeners4: 100, listeners6: 100,
	pairs4: 1500, pairs6: 1000,
	timeWait: 1000,
	udp4:     900, udp6: 600, udpConnected: 250,
	unixPairs: 600, unixAbstract: 300, unixPath: 100,
	unixListeners: 50, unixPending: 4,
	seqPairs: 100,
}

func (p population) total() int {
	return p.listeners4 + p.listeners6 + 2*(p.pairs4+p.pairs6) + p.timeWait + p.udp4 + p.udp6 + p.udpConnected +
		2*p.unixPairs + p.unixAbstract + p.unixPath + p.unixListeners*(1+p.unixPending) + 2*p.seqPairs
}

// fds counts the descriptors the population holds open.
func (p population) fds() int {
	return p.listeners4 + p.listeners6 + 2*(p.pairs4+p.pairs6) + p.udp4 + p.udp6 + p.udpConnected +
		2*p.unixPairs + p.unixAbstract + p.unixPath + p.unixListeners*(1+p.unixPending) + 2*p.seqPairs
}

// raiseNoFile makes room for n more descriptors, raising RLIMIT_NOFILE (the
// hard limit too, as root) until the test ends.
func raiseNoFile(t testing.TB, n int) {
	t.Helper()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	need := uint64(n + 1024)
	if old.Cur >= need {
		return
	}
	lim := old
	lim.Cur = need
	if lim.Max < need {
		lim.Max = need
	}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("skipping: RLIMIT_NOFILE is %d and cannot be raised to %d: %v", old.Cur, need, err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_NOFILE, &old) })
}

// fillNetns creates the population's sockets in namespace ns; they are all
// closed when the test ends. Some carry unread data, some are shut down.
func fillNetns(t testing.TB, ns string, p population) {
	t.Helper()
	raiseNoFile(t, p.fds())
	var fds []int
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
	dir := t.TempDir()
	check := func(what string, err error) {
		if err != nil {
			t.Helper()
			t.Fatalf("filling the namespace: %s: %v", what, err)
		}
	}
	socket := func(family, typ int) int {
		fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
		check("socket", err)
		fds = append(fds, fd)
		return fd
	}
	var lfds []int // the listeners made last
	loop4 := [4]byte{127, 0, 0, 1}
	loop6 := [16]byte{15: 1}
	listener := func(family int, wildcard, v6only bool) unix.Sockaddr {
		fd := socket(family, unix.SOCK_STREAM)
		var sa unix.Sockaddr
		if family == unix.AF_INET {
			a := &unix.SockaddrInet4{}
			if !wildcard {
				a.Addr = loop4
			}
			sa = a
		} else {
			if v6only {
				check("IPV6_V6ONLY", unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1))
			}
			a := &unix.SockaddrInet6{}
			if !wildcard {
				a.Addr = loop6
			}
			sa = a
		}
		check("bind", unix.Bind(fd, sa))
		check("listen", unix.Listen(fd, 128))
		got, err := unix.Getsockname(fd)
		check("getsockname", err)
		switch a := got.(type) { // connect to loopback even on a wildcard listener
		case *unix.SockaddrInet4:
			a.Addr = loop4
		case *unix.SockaddrInet6:
			a.Addr = loop6
		}
		lfds = append(lfds, fd)
		return got
	}
	connect := func(family int, to unix.Sockaddr, lfd int) (client, server int) {
		client = socket(family, unix.SOCK_STREAM)
		check("connect", unix.Connect(client, to))
		server, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		check("accept4", err)
		fds = append(fds, server)
		return client, server
	}
	testkit.InNetns(t, ns, func() {
		var l4, l6 []unix.Sockaddr
		lfds = lfds[:0]
		for i := range p.listeners4 {
			l4 = append(l4, listener(unix.AF_INET, i%2 == 1, false))
		}
		lfd4 := append([]int(nil), lfds...)
		lfds = lfds[:0]
		for i := range p.listeners6 {
			l6 = append(l6, listener(unix.AF_INET6, i%2 == 1, i%4 == 1))
		}
		lfd6 := append([]int(nil), lfds...)
		data := []byte("unread data")
		for i := range p.pairs4 {
			c, s := connect(unix.AF_INET, l4[i%len(l4)], lfd4[i%len(lfd4)])
			switch i % 10 {
			case 1:
				_, err := unix.Write(c, data)
				check("write", err)
			case 2:
				check("shutdown", unix.Shutdown(s, unix.SHUT_WR))
			}
		}
		for i := range p.pairs6 {
			c, _ := connect(unix.AF_INET6, l6[i%len(l6)], lfd6[i%len(lfd6)])
			if i%10 == 1 {
				_, err := unix.Write(c, data)
				check("write", err)
			}
		}
		for i := range p.timeWait {
			c, s := connect(unix.AF_INET, l4[i%len(l4)], lfd4[i%len(lfd4)])
			fds = fds[:len(fds)-2]
			check("close", unix.Close(c)) // the active closer ends in TIME_WAIT
			check("close", unix.Close(s))
		}
		var udp []unix.Sockaddr
		for i := range p.udp4 {
			fd := socket(unix.AF_INET, unix.SOCK_DGRAM)
			a := &unix.SockaddrInet4{}
			if i%2 == 0 {
				a.Addr = loop4
			}
			check("bind", unix.Bind(fd, a))
			got, err := unix.Getsockname(fd)
			check("getsockname", err)
			got.(*unix.SockaddrInet4).Addr = loop4
			udp = append(udp, got)
		}
		for i := range p.udp6 {
			fd := socket(unix.AF_INET6, unix.SOCK_DGRAM)
			if i%2 == 1 {
				check("IPV6_V6ONLY", unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1))
			}
			a := &unix.SockaddrInet6{}
			if i%4 == 0 {
				a.Addr = loop6
			}
			check("bind", unix.Bind(fd, a))
		}
		for i := range p.udpConnected {
			fd := socket(unix.AF_INET, unix.SOCK_DGRAM)
			check("connect", unix.Connect(fd, udp[i%len(udp)]))
			if i%5 == 0 {
				_, err := unix.Write(fd, data) // queued at the bound socket
				check("write", err)
			}
		}
		for i := range p.unixPairs {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			check("socketpair", err)
			fds = append(fds, pair[0], pair[1])
			if i%7 == 3 {
				_, err := unix.Write(pair[0], data)
				check("write", err)
			}
			if i%11 == 5 {
				check("shutdown", unix.Shutdown(pair[1], unix.SHUT_RD))
			}
		}
		for i := range p.unixAbstract {
			fd := socket(unix.AF_UNIX, unix.SOCK_DGRAM)
			name := fmt.Sprintf("@pkdiag/dgram/%d", i)
			if i%50 == 7 {
				name += "\x00tail" // a NUL inside the name: ss prints it as '@'
			}
			check("bind", unix.Bind(fd, &unix.SockaddrUnix{Name: name}))
		}
		for i := range p.unixPath {
			fd := socket(unix.AF_UNIX, unix.SOCK_DGRAM)
			check("bind", unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(dir, fmt.Sprintf("u%d", i))}))
		}
		for i := range p.unixListeners {
			fd := socket(unix.AF_UNIX, unix.SOCK_STREAM)
			addr := &unix.SockaddrUnix{Name: fmt.Sprintf("@pkdiag/listen/%d", i)}
			check("bind", unix.Bind(fd, addr))
			check("listen", unix.Listen(fd, 16))
			for range p.unixPending {
				c := socket(unix.AF_UNIX, unix.SOCK_STREAM)
				check("connect", unix.Connect(c, addr))
			}
		}
		for range p.seqPairs {
			pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
			check("socketpair", err)
			fds = append(fds, pair[0], pair[1])
		}
	})
}
