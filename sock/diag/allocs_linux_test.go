package diag_test

import (
	"context"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/diag"
)

// TestListAllocs: List allocates per call, not per socket. Ten times the
// sockets (named unix sockets, pending connections and TCP_INFO included)
// cost only a few more allocations: the blocks the names, Pending lists
// and TCPInfo values are cut from.
func TestListAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: fills two namespaces")
	}
	small := population{
		listeners4: 5, listeners6: 5, pairs4: 20, pairs6: 10, timeWait: 10,
		udp4: 10, udp6: 10, udpConnected: 5, unixPairs: 10, unixAbstract: 10, unixPath: 5,
		unixListeners: 2, unixPending: 2, seqPairs: 2,
	}
	big := small
	for _, n := range []*int{&big.listeners4, &big.listeners6, &big.pairs4, &big.pairs6, &big.timeWait,
		&big.udp4, &big.udp6, &big.udpConnected, &big.unixPairs, &big.unixAbstract, &big.unixPath, &big.unixListeners, &big.seqPairs} {
		*n *= 10
	}
	f := diag.Filter{TCPInfo: true}
	allocs := func(p population) (float64, int) {
		ns := newNetns(t)
		fillNetns(t, ns, p)
		var a float64
		var n int
		testkit.InNetns(t, ns, func() {
			socks, err := diag.List(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			n = len(socks)
			a = testing.AllocsPerRun(10, func() { diag.List(context.Background(), f) })
		})
		return a, n
	}
	a1, n1 := allocs(small)
	a2, n2 := allocs(big)
	t.Logf("%d sockets: %.0f allocations; %d sockets: %.0f allocations", n1, a1, n2, a2)
	if n2 < 5*n1 {
		t.Fatalf("the big namespace has %d sockets, the small one %d", n2, n1)
	}
	if a2 > a1+10 {
		t.Errorf("%d sockets cost %.0f allocations, %d sockets %.0f: List allocates per socket", n1, a1, n2, a2)
	}
}
