package netif_test

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/netif"
	"github.com/posixkit/posixkit/sock"
)

// TestChangingTables reads the tables while ip adds and deletes addresses
// in the namespace as fast as it can: every call must return either a
// consistent list, or the last list read with ErrDumpInterrupted, never a
// malformed-reply error or an address of an unknown interface.
func TestChangingTables(t *testing.T) {
	ns := richNetns(t, 1000) // dumps long enough to span datagrams
	var batch strings.Builder
	for round := range 40 {
		for i := range 50 {
			fmt.Fprintf(&batch, "addr add 10.77.%d.%d/24 dev v1\n", round%4, i+1)
		}
		for i := 50; i > 0; i-- { // secondaries first: deleting a primary deletes them all
			fmt.Fprintf(&batch, "addr del 10.77.%d.%d/24 dev v1\n", round%4, i)
		}
	}
	cmd := exec.Command("ip", "-n", ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	finished := make(chan error, 1)
	go func() { finished <- cmd.Wait() }()
	retriesBefore := netif.DumpRetries()
	calls, interrupted := 0, 0
	testkit.InNetns(t, ns, func() {
		for running := true; running && calls < 2000; calls++ {
			select {
			case err := <-finished:
				if err != nil {
					t.Errorf("ip -batch: %v: %s", err, stderr.String())
				}
				running = false
			default:
			}
			ifas, err := netif.IfAddrs()
			if errors.Is(err, netif.ErrDumpInterrupted) {
				interrupted++
			} else if err != nil {
				t.Fatalf("IfAddrs: %v", err)
			}
			if len(ifas) == 0 {
				t.Fatalf("IfAddrs returned no entries (error %v)", err)
			}
			links := map[int]bool{}
			for _, e := range ifas {
				if e.Family == sock.AF_PACKET {
					links[e.Index] = true
				} else if !links[e.Index] {
					t.Fatalf("address %v of unknown index %d", e.Addr, e.Index)
				}
			}
		}
	})
	if calls >= 2000 {
		<-finished
	}
	t.Logf("%d calls while the tables changed: %d dumps read again, %d calls gave up after %d attempts",
		calls, netif.DumpRetries()-retriesBefore, interrupted, netif.MaxAttempts)
}
