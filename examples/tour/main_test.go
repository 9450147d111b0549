package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

func TestEverySection(t *testing.T) {
	before := testkit.Count()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), nil, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	out := stdout.String()
	last := -1
	for _, h := range headings {
		i := strings.Index(out, "\n== "+h+" ==\n")
		if i < 0 {
			t.Errorf("no heading %q", h)
			continue
		}
		if i < last {
			t.Errorf("heading %q out of order", h)
		}
		last = i
	}
	// What each section must have shown: the calls' results, checked.
	for _, want := range []string{
		"same protocol, local IP, remote IP and remote port: true",
		"errors.Is(err, fs.ErrNotExist) = true",
		"returned that 0 bytes were read.",
		`called write(`,
		`"hello geeks\n", 12). It returned 12`,
		"Those bytes are as follows: hello geek\n",
		"closed the fd.",
		"errors.Is(err, fs.ErrClosed) = true",
		"AF_INET   127.0.0.1/8",
		"ai_family=AF_INET ai_socktype=SOCK_STREAM ai_protocol=IPPROTO_TCP ai_addr=127.0.0.1:8080",
		`getnameinfo(127.0.0.1:22, NI_NUMERICHOST|NI_NUMERICSERV) = host "127.0.0.1", service "22"`,
		"SO_TYPE SOCK_STREAM, SO_PROTOCOL IPPROTO_TCP",
		"SO_TYPE SOCK_DGRAM, SO_PROTOCOL IPPROTO_UDP",
		`client: recv() = 5: "HELLO"`,
		"server: recv() = 0, EOF",
		`client: recvfrom() = 5: "HELLO" from 127.0.0.1:`,
		"recvfrom() = 0, <nil> (not EOF)",
		"errors.Is(err, sock.ErrTruncated) = true",
		"= 0: nobody has sent anything",
		"= 1: FD_ISSET(",
		"is Readable",
		`client: still reads "reply to request" after its half-close`,
		"SO_REUSEADDR   0 -> 1",
		"TCP_NODELAY    0 -> 1",
		"posixkit mode  blocking -> nonblocking",
		"Done: every section ran.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	testkit.CheckReleased(t, before)
}

func TestArgs(t *testing.T) {
	if err := run(context.Background(), []string{"-h"}, strings.NewReader(""), io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if err := run(context.Background(), []string{"x"}, strings.NewReader(""), io.Discard, io.Discard); !errors.As(err, new(usageError)) {
		t.Errorf("extra argument: %v", err)
	}
}

// A cancelled context stops the tour with the context's error.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, nil, strings.NewReader(""), io.Discard, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("run with a cancelled context = %v, want context.Canceled", err)
	}
}
