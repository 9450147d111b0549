package peerbench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"
)

// A server is one echo server the harness can start: it listens on
// 127.0.0.1 (port chosen by the kernel), sends back every byte it receives
// on every connection, and stops (closing its connections) when stop is
// called.
type server struct {
	name string
	// maxConns is the largest number of clients it can serve, 0 for no
	// limit of its own (select: descriptors below FD_SETSIZE).
	maxConns int
	start    func(o serveOptions) (addr netip.AddrPort, stop func() error, err error)
}

// serveOptions are the server process's flags that a server may use.
type serveOptions struct {
	loops int // event loops of a sharded server; 0 for GOMAXPROCS
}

// servers lists every server, in the table's order; the posixkit ones
// come from server_posixkit.go.
var servers = slices.Concat([]server{
	{name: "net", start: startNet},
	{name: "gnet", start: func(serveOptions) (netip.AddrPort, func() error, error) { return startGnet(false) }},
	{name: "gnet-multicore", start: func(serveOptions) (netip.AddrPort, func() error, error) { return startGnet(true) }},
	{name: "nbio", start: startNbio},
}, posixkitServers)

// Servers returns the names of the servers [Run] knows, in the table's
// order.
func Servers() []string {
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.name
	}
	return names
}

func lookup(name string) (server, bool) {
	for _, s := range servers {
		if s.name == name {
			return s, true
		}
	}
	return server{}, false
}

// IsServe reports whether args (os.Args[1:]) ask this process to be a
// server, as the harness starts them: "-serve NAME [flags]".
func IsServe(args []string) bool {
	return len(args) > 0 && (args[0] == "-serve" || args[0] == "--serve")
}

// ServeMain is the main function of a server process, for args (os.Args[1:])
// "-serve NAME [-cpuprofile FILE] [-loops N]". It starts the server, writes
// "listening ADDR" on a line of standard output, serves until its standard
// input reaches end of file (the harness closes it, or exits), then stops
// the server, writes the CPU profile and returns the exit code.
func ServeMain(args []string) int {
	fs := flag.NewFlagSet("peerbench -serve", flag.ContinueOnError)
	name := fs.String("serve", "", "the server to run: one of "+fmt.Sprint(Servers()))
	cpuprofile := fs.String("cpuprofile", "", "write the server's CPU profile to this file")
	loops := fs.Int("loops", 0, "event loops of a sharded server (0: GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	srv, ok := lookup(*name)
	if !ok {
		fmt.Fprintf(os.Stderr, "peerbench: unknown server %q (known: %v)\n", *name, Servers())
		return 2
	}
	if err := serve(srv, serveOptions{loops: *loops}, *cpuprofile); err != nil {
		fmt.Fprintf(os.Stderr, "peerbench: serve %s: %v\n", *name, err)
		return 1
	}
	return 0
}

func serve(srv server, o serveOptions, cpuprofile string) error {
	if o.loops <= 0 {
		o.loops = runtime.GOMAXPROCS(0)
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	addr, stop, err := srv.start(o)
	if err != nil {
		return err
	}
	if _, err := fmt.Printf("listening %s\n", addr); err != nil {
		_ = stop()
		return err
	}
	// The harness closes our standard input to stop us; if it dies, the
	// pipe closes too.
	_, _ = io.Copy(io.Discard, os.Stdin)
	pprof.StopCPUProfile()
	done := make(chan error, 1)
	go func() { done <- stop() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("stop did not return within 5s")
	}
}
