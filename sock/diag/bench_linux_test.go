package diag_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/sock/diag"
)

// procSocket is one line of /proc/net/{tcp,tcp6,udp,udp6,unix}, parsed as
// a user would.
type procSocket struct {
	local, remote, state, inode string
	txq, rxq                    uint64
}

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
				if len(fl) < 7 {
					continue
				}
				p := procSocket{state: fl[5], inode: fl[6]}
				if len(fl) > 7 {
					p.local = fl[7]
				}
				out = append(out, p)
				continue
			}
			if len(fl) < 10 {
				continue
			}
			q := strings.SplitN(fl[4], ":", 2)
			tx, _ := strconv.ParseUint(q[0], 16, 64)
			rx, _ := strconv.ParseUint(q[1], 16, 64)
			out = append(out, procSocket{local: fl[1], remote: fl[2], state: fl[3], txq: tx, rxq: rx, inode: fl[9]})
		}
		f.Close()
	}
	return out, nil
}

// BenchmarkList10000 lists the namespace of 10,000 sockets with
// List, whole and filtered to one port, against reading and parsing
// /proc/net as a user would and against running ss -tunaxH.
func BenchmarkList10000(b *testing.B) {
	ns := newNetns(b)
	fillNetns(b, ns, tenThousand)
	var port uint16
	inNetns(b, ns, func() {
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
		inNetns(b, ns, func() {
			n := 0
			for b.Loop() {
				socks, err := diag.List(context.Background(), diag.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				n = len(socks)
			}
			b.ReportMetric(float64(testing.AllocsPerRun(3, func() { diag.List(context.Background(), diag.Filter{}) }))/float64(n), "allocs/socket")
		})
	})
	b.Run("diag.List-one-port", func(b *testing.B) {
		inNetns(b, ns, func() {
			for b.Loop() {
				socks, err := diag.List(context.Background(), diag.Filter{LocalPort: port})
				if err != nil || len(socks) == 0 {
					b.Fatal(len(socks), err)
				}
			}
		})
	})
	b.Run("proc-net", func(b *testing.B) {
		inNetns(b, ns, func() {
			for b.Loop() {
				if _, err := readProcNet(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("ss-process", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("ip", "netns", "exec", ns, "ss", "-tunaxH").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
