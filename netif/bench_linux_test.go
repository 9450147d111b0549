package netif_test

import (
	"net"
	"syscall"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/netif/internal/cifaddrs"
	"golang.org/x/sys/unix"
)

// The candidates: this package, the standard library (per-interface
// Addrs, as a getifaddrs user would loop, and the one-call InterfaceAddrs),
// the raw syscall package's netlink helpers, and the C library.
var benchCases = []struct {
	name string
	fn   func(b *testing.B) error
}{
	{"netif.IfAddrs", func(*testing.B) error { _, err := netif.IfAddrs(); return err }},
	{"netif.Interfaces", func(*testing.B) error { _, err := netif.Interfaces(); return err }},
	{"net.Interfaces+Addrs", func(*testing.B) error {
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		for i := range ifs {
			if _, err := ifs[i].Addrs(); err != nil {
				return err
			}
		}
		return nil
	}},
	{"net.InterfaceAddrs", func(*testing.B) error { _, err := net.InterfaceAddrs(); return err }},
	{"syscall.NetlinkRIB", func(*testing.B) error {
		// The raw standard-library route: both dumps, parsed into messages
		// and attributes, nothing built.
		for _, typ := range []int{syscall.RTM_GETLINK, syscall.RTM_GETADDR} {
			tab, err := syscall.NetlinkRIB(typ, syscall.AF_UNSPEC)
			if err != nil {
				return err
			}
			msgs, err := syscall.ParseNetlinkMessage(tab)
			if err != nil {
				return err
			}
			for i := range msgs {
				if msgs[i].Header.Type == syscall.RTM_NEWLINK || msgs[i].Header.Type == syscall.RTM_NEWADDR {
					if _, err := syscall.ParseNetlinkRouteAttr(&msgs[i]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}},
	{"C.getifaddrs", func(b *testing.B) error {
		if !cifaddrs.Available {
			b.Skip("skipping: the C library needs cgo")
		}
		return cifaddrs.GetAndFree()
	}},
}

func runBench(b *testing.B, wrap func(func())) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var err error
			before := cpuTime()
			wrap(func() {
				for b.Loop() {
					if err = bc.fn(b); err != nil {
						break
					}
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			// CPU time of the whole process (user and system, every thread,
			// the garbage collector's too) per call: steadier than wall time
			// on a loaded machine.
			b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkHost(b *testing.B) {
	runBench(b, func(f func()) { f() })
}

// BenchmarkNetns1000 runs in a namespace with 1,100 addresses on one link
// (1,000 IPv4, 100 IPv6) besides the richNetns cases.
func BenchmarkNetns1000(b *testing.B) {
	ns := richNetns(b, 1000)
	runBench(b, func(f func()) { testkit.InNetns(b, ns, f) })
}
