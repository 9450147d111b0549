package main

import (
	"testing"

	"github.com/posixkit/posixkit/examples/internal/extest"
)

func TestCommandLine(t *testing.T) {
	extest.CheckHelpAndUsage(t, []string{"-nosuch"}, []string{"extra"})
}

// TestGoldenC checks the server's lines against udp_serve_toupper's printf
// format strings (it prints nothing per datagram), then a stop.
func TestGoldenC(t *testing.T) {
	srv := extest.StartServer(t, run, "-addr", "127.0.0.1:0")
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	extest.MatchC(t, srv.Stdout.String(),
		"Configuring local address...\n",
		"Creating socket...\n",
		"Binding socket to local address...\n",
		"Waiting for connections...\n",
		"Closing listening socket...\n",
		"Finished.\n")
}
