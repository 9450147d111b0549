package peerbench

import (
	"fmt"
	"net/netip"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
)

// startNbio starts nbio with its defaults (one poller per CPU,
// level-triggered, reading in the poller goroutine), writing back each
// chunk of data it is given.
func startNbio(serveOptions) (netip.AddrPort, func() error, error) {
	logging.SetLevel(logging.LevelError) // its info lines would go to standard output
	g := nbio.NewEngine(nbio.Config{Network: "tcp", Addrs: []string{"127.0.0.1:0"}})
	g.OnData(func(c *nbio.Conn, data []byte) { _, _ = c.Write(data) })
	if err := g.Start(); err != nil {
		return netip.AddrPort{}, nil, err
	}
	// Start puts the address the kernel chose back into Addrs.
	addr, err := netip.ParseAddrPort(g.Addrs[0])
	if err != nil {
		g.Stop()
		return netip.AddrPort{}, nil, fmt.Errorf("nbio listener address: %w", err)
	}
	return addr, func() error { g.Stop(); return nil }, nil
}
