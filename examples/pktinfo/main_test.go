//go:build linux

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}

// TestPktinfo: the plain reply is lost, the IP_PKTINFO one arrives, and
// the server saw the destination address the client wrote to.
func TestPktinfo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-to", "127.0.0.2"}, nil, &out, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"sent to 127.0.0.2 (IP_PKTINFO, interface 1)",
		"server: reply by sendmsg without IP_PKTINFO, source chosen by the kernel\nclient: recv: no reply",
		"server: reply by sendmsg with IP_PKTINFO source 127.0.0.2\nclient: recv = 4 bytes \"pong\" from 127.0.0.2:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if err := run(context.Background(), []string{"-to", "10.0.0.1"}, nil, &out, &out); err == nil {
		t.Error("-to 10.0.0.1 accepted")
	}
}
