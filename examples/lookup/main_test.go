package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/addrinfo"
)

// TestRun resolves numeric addresses and localhost and checks every
// printed line: the C program's lines, then the Go-side ones.
func TestRun(t *testing.T) {
	rev := func(a string) string {
		h, _, err := addrinfo.NameInfo(context.Background(), mustAddrPort(t, a), 0)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"ipv4", []string{"127.0.0.1"}, []string{"Resolving hostname '127.0.0.1'", "Remote address is:", "\t127.0.0.1",
			"\t\t(posixkit) reverse name " + rev("127.0.0.1:0")}},
		{"ipv6 with service", []string{"::1", "8080"}, []string{"Resolving hostname '::1'", "Remote address is:", "\t::1",
			"\t\t(posixkit) port 8080", "\t\t(posixkit) reverse name " + rev("[::1]:0")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), tt.args, nil, &out, &out); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected output (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("localhost", func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), nil, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		infos, err := addrinfo.Lookup(context.Background(), "localhost", "", &addrinfo.Hints{Flags: addrinfo.AI_ALL, SockType: 1})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"Resolving hostname 'localhost'", "Remote address is:"}
		for _, i := range infos {
			want = append(want, "\t"+i.Addr.Addr().String(), "\t\t(posixkit) reverse name "+rev(i.Addr.String()))
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("unexpected output (-want +got):\n%s", diff)
		}
	})
	t.Run("failure", func(t *testing.T) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"no such host"}, nil, &out, &out)
		if !errors.Is(err, addrinfo.EAI_NONAME) {
			t.Fatalf("error = %v, want EAI_NONAME", err)
		}
		if want := "Resolving hostname 'no such host'\ngetaddrinfo() failed. (-2)\n"; out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
	})
}

func mustAddrPort(t *testing.T, s string) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// TestUsage checks -h and bad command lines: usage on stdout and exit 0,
// exit 2 and no look-up for bad ones.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, nil, &out, &out); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%v: error = %v, want flag.ErrHelp", args, err)
		}
		if !strings.HasPrefix(out.String(), usage+"\n") {
			t.Errorf("%v: output %q does not start with the usage line", args, out.String())
		}
	}
	for _, args := range [][]string{{"a", "b", "c"}, {"-timeout", "0", "x"}, {"-nosuchflag"}} {
		var out bytes.Buffer
		err := run(context.Background(), args, nil, &out, &out)
		if !errors.As(err, new(usageError)) {
			t.Errorf("%v: error = %v, want a usage error", args, err)
		}
		if out.Len() != 0 {
			t.Errorf("%v: printed %q", args, out.String())
		}
	}
}

// TestExitStatus runs the built program: -h exits 0, a usage error 2.
func TestExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := filepath.Join(t.TempDir(), "lookup")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{{[]string{"-h"}, 0}, {[]string{"--help"}, 0}, {[]string{"a", "b", "c"}, 2}, {[]string{"-bad"}, 2}} {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = t.TempDir()
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code {
			t.Errorf("lookup %v: exit %d, want %d", c.args, code, c.code)
		}
		if ents, _ := os.ReadDir(cmd.Dir); len(ents) != 0 {
			t.Errorf("lookup %v created files", c.args)
		}
	}
}
