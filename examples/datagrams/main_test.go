package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

var (
	pathLine = regexp.MustCompile(`^\(Go: simulated path: "datagram (\d+)" (dropped|sent twice|held back behind the next)\)$`)
	recvLine = regexp.MustCompile(`^recvfrom\(\d+\) = \d+ from [0-9.:]+: "datagram (\d+)"$`)
)

// TestPath checks, for several seeds, that what the receiver got is what
// the simulated path did to the numbered datagrams, and that TCP's
// messages all came in order once.
func TestPath(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"perfect path", []string{"-loss", "0", "-dup", "0", "-reorder", "0"}},
		{"seed 1", []string{"-seed", "1"}},
		{"seed 7, rough", []string{"-n", "40", "-loss", "0.3", "-dup", "0.3", "-reorder", "0.3", "-seed", "7"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := testkit.Count()
			var out bytes.Buffer
			if err := run(context.Background(), tt.args, nil, &out, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			n := 10
			if len(tt.args) > 1 && tt.args[0] == "-n" {
				n, _ = strconv.Atoi(tt.args[1])
			}
			did := map[int]string{}
			var got []string
			for line := range strings.Lines(out.String()) {
				line = strings.TrimSuffix(line, "\n")
				if m := pathLine.FindStringSubmatch(line); m != nil {
					k, _ := strconv.Atoi(m[1])
					did[k] = m[2]
				}
				if m := recvLine.FindStringSubmatch(line); m != nil {
					got = append(got, m[1])
				}
			}
			// What must have come: each number once, twice or not at all.
			count := map[string]int{}
			for _, g := range got {
				count[g]++
			}
			for i := 1; i <= n; i++ {
				want := 1
				switch did[i] {
				case "dropped":
					want = 0
				case "sent twice":
					want = 2
				}
				if c := count[strconv.Itoa(i)]; c != want {
					t.Errorf("datagram %d received %d times; the path %q it", i, c, did[i])
				}
			}
			if len(did) == 0 && strings.Join(got, " ") != strings.Join(seq(n), " ") {
				t.Errorf("perfect path: received %v, want 1..%d in order", got, n)
			}
			if want := fmt.Sprintf("TCP: %d received for %d sent; never came: none; came twice: none; came after a later one: none\n", n, n); !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
			testkit.CheckReleased(t, before)
		})
	}
}

func seq(n int) []string {
	var s []string
	for i := 1; i <= n; i++ {
		s = append(s, strconv.Itoa(i))
	}
	return s
}

func TestCommandLine(t *testing.T) {
	testkit.CheckHelpAndUsage(t, []string{"-n", "0"}, []string{"-loss", "2"}, []string{"-dup", "NaN"}, []string{"extra"})
}

// TestStrace checks each sendto line against the traced call.
func TestStrace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the expected strace lines are Linux's")
	}
	r, tr := testkit.Strace(t, "")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	sendto := regexp.MustCompile(`^sendto\((\d+), (".*"), (\d+)\) = (\d+)$`)
	checked := 0
	for line := range strings.Lines(r.Stdout) {
		m := sendto.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			continue
		}
		c, ok := tr.Find("sendto", m[1]+", "+m[2]+", "+m[3]+", MSG_NOSIGNAL, ", m[4])
		if !ok || c.Ret != m[4] {
			t.Errorf("printed %q; strace saw no such sendto", line)
		}
		checked++
	}
	if checked != 10 {
		t.Errorf("checked %d sendto lines, want 10", checked)
	}
}
