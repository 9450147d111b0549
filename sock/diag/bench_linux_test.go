package diag_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/diag"
	"golang.org/x/sys/unix"
)

// procSocket is one line of /proc/net/{tcp,tcp6,udp,udp6,unix}, parsed as
// a user would, into the fields List gives.
type procSocket struct {
	netid         string
	state         uint8
	local, remote netip.AddrPort
	txq, rxq      uint64
	uid, inode    uint64
	typ           uint64 // unix
	path          string // unix
}

// readProcNet reads the socket tables of the calling thread's namespace
// (/proc/net follows the process's first thread, /proc/thread-self/net
// the caller's) with bufio.Scanner, strings.Fields and strconv, as a Go
// program without sock_diag would.
func readProcNet() ([]procSocket, error) {
	var out []procSocket
	for _, name := range []string{"tcp", "tcp6", "udp", "udp6", "unix"} {
		f, err := os.Open("/proc/thread-self/net/" + name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if name == "unix" {
				// Num RefCount Protocol Flags Type St Inode [Path]
				if len(fl) < 7 {
					continue
				}
				typ, err1 := strconv.ParseUint(fl[4], 16, 16)
				st, err2 := strconv.ParseUint(fl[5], 16, 8)
				ino, err3 := strconv.ParseUint(fl[6], 10, 64)
				if err := errors.Join(err1, err2, err3); err != nil {
					f.Close()
					return nil, err
				}
				p := procSocket{netid: name, typ: typ, state: uint8(st), inode: ino}
				if len(fl) > 7 {
					p.path = fl[7]
				}
				out = append(out, p)
				continue
			}
			// sl local rem st tx:rx tr:when retrnsmt uid timeout inode
			if len(fl) < 10 {
				continue
			}
			local, err1 := parseProcAddr(fl[1])
			remote, err2 := parseProcAddr(fl[2])
			st, err3 := strconv.ParseUint(fl[3], 16, 8)
			tx, rx, _ := strings.Cut(fl[4], ":")
			txq, err4 := strconv.ParseUint(tx, 16, 64)
			rxq, err5 := strconv.ParseUint(rx, 16, 64)
			uid, err6 := strconv.ParseUint(fl[7], 10, 32)
			ino, err7 := strconv.ParseUint(fl[9], 10, 64)
			if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
				f.Close()
				return nil, err
			}
			out = append(out, procSocket{netid: name, state: uint8(st), local: local, remote: remote, txq: txq, rxq: rxq, uid: uid, inode: ino})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseProcAddr parses /proc/net's "0100007F:1F90": the address as 32-bit
// words in host order, in hexadecimal, and the port.
func parseProcAddr(s string) (netip.AddrPort, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	b, err := hex.DecodeString(a)
	if err != nil {
		return netip.AddrPort{}, err
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	for i := 0; i+4 <= len(b); i += 4 {
		binary.BigEndian.PutUint32(b[i:], binary.NativeEndian.Uint32(b[i:]))
	}
	ip, ok := netip.AddrFromSlice(b)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("address %q", s)
	}
	return netip.AddrPortFrom(ip, uint16(port)), nil
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs fn b.N times and reports, besides the time, the CPU time per
// operation (the process's, the garbage collector's included, and for a
// child process its own): on a machine shared with other work it varies
// less than the elapsed time.
func loop(b *testing.B, fn func() time.Duration) {
	var child time.Duration
	start := cpuTime(b)
	for b.Loop() {
		child += fn()
	}
	b.ReportMetric(float64(cpuTime(b)-start+child)/float64(b.N), "cpu-ns/op")
}

// BenchmarkList10000 lists the namespace of 10,000 sockets with
// List, whole and filtered to one port, and with AppendList into the slice
// of its last call (as a monitor that lists again and again would), against
// reading and parsing /proc/net as a user would and against running
// ss -tunaxH; once in a
// namespace that shares the host's TCP and UDP hash tables (the default:
// 262,144 TCP buckets on a machine of 24 GiB, every one walked by every
// TCP dump, filtered or not), once in one with tables of its own of
// 16,384 buckets.
func BenchmarkList10000(b *testing.B) {
	b.Run("shared-tables", func(b *testing.B) { benchList(b, newNetns(b)) })
	b.Run("own-tables", func(b *testing.B) {
		ns := testkit.NewNetnsOwnTables(b, 16384)
		testkit.IP(b, ns, "link", "set", "lo", "up")
		benchList(b, ns)
	})
}

func benchList(b *testing.B, ns string) {
	fillNetns(b, ns, tenThousand)
	var port uint16
	testkit.InNetns(b, ns, func() {
		socks, err := diag.List(context.Background(), diag.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range socks {
			if s.Netid() == "tcp" && s.State == diag.TCP_LISTEN {
				port = s.Local.Port()
				break
			}
		}
	})
	b.Run("diag.List", func(b *testing.B) {
		testkit.InNetns(b, ns, func() {
			n := 0
			loop(b, func() time.Duration {
				socks, err := diag.List(context.Background(), diag.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				n = len(socks)
				return 0
			})
			b.ReportMetric(float64(n), "sockets")
			b.ReportMetric(testing.AllocsPerRun(3, func() { diag.List(context.Background(), diag.Filter{}) })/float64(n), "allocs/socket")
		})
	})
	b.Run("diag.AppendList-reused", func(b *testing.B) {
		testkit.InNetns(b, ns, func() {
			socks, err := diag.List(context.Background(), diag.Filter{}) // the slice, made once
			if err != nil {
				b.Fatal(err)
			}
			loop(b, func() time.Duration {
				if socks, err = diag.AppendList(context.Background(), socks[:0], diag.Filter{}); err != nil {
					b.Fatal(err)
				}
				return 0
			})
			b.ReportMetric(float64(len(socks)), "sockets")
		})
	})
	b.Run("diag.List-one-port", func(b *testing.B) {
		testkit.InNetns(b, ns, func() {
			loop(b, func() time.Duration {
				socks, err := diag.List(context.Background(), diag.Filter{LocalPort: port})
				if err != nil || len(socks) == 0 {
					b.Fatal(len(socks), err)
				}
				return 0
			})
		})
	})
	b.Run("proc-net", func(b *testing.B) {
		testkit.InNetns(b, ns, func() {
			n := 0
			loop(b, func() time.Duration {
				socks, err := readProcNet()
				if err != nil {
					b.Fatal(err)
				}
				n = len(socks)
				return 0
			})
			b.ReportMetric(float64(n), "sockets")
		})
	})
	b.Run("ss-process", func(b *testing.B) {
		loop(b, func() time.Duration {
			cmd := exec.Command("ip", "netns", "exec", ns, "ss", "-tunaxH")
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		})
	})
}
