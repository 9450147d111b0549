package peerbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Config is what [Run] measures. Zero fields take the defaults shown.
type Config struct {
	// Exe is the executable started as "Exe -serve NAME" for each server
	// (its main must call [ServeMain] then; see [IsServe]). Default: this
	// process's own executable.
	Exe string
	// Servers to measure, by name ([Servers]; default: all of them).
	Servers []string
	// Clients are the client counts (default 1, 16, 100, 1000).
	Clients []int
	// Sizes are the request (and response) sizes in bytes, at least 8
	// (default 64).
	Sizes []int
	// Rounds of every server at every client count and size (default 3).
	Rounds int
	// Dur is how long one measurement lasts (default 1s), after a warm-up
	// of Warmup (default Dur/4, within [50ms, 1s]) with the clients
	// already running.
	Dur, Warmup time.Duration
	// Loops is the number of event loops of a sharded server (default
	// the server's GOMAXPROCS).
	Loops int
	// CPUProfileDir, if set, is where each server process writes its CPU
	// profile, as NAME-cCLIENTS-sSIZE-rROUND.pprof.
	CPUProfileDir string
	// Log, if not nil, gets one line per measurement as it ends.
	Log io.Writer
}

// Result is one measurement: one server process, one client count and
// size, one round.
type Result struct {
	Server  string
	Clients int
	Size    int
	Round   int
	// Skipped, if not empty, says why this server was not run.
	Skipped string
	// Err is the first error of the run (server, client or echo check).
	Err error
	// Requests answered during Elapsed, after the warm-up.
	Requests int64
	Elapsed  time.Duration
	// CPU is the server process's utime+stime during Elapsed.
	CPU time.Duration
	// RSSIdle is the server's VmRSS before the clients connect, RSSLoaded
	// at the end of Elapsed.
	RSSIdle, RSSLoaded int64
	// MinPerClient is the fewest requests one client had answered when
	// the clients stopped (warm-up included): 0 means a client starved.
	MinPerClient int64
}

// RPS returns the requests per second of r.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// CPUPerRequest returns the server's CPU time per request.
func (r Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// RSSPerConn returns the server's resident memory per connection in
// bytes: its growth over the idle baseline, divided by the clients.
func (r Result) RSSPerConn() float64 {
	return float64(r.RSSLoaded-r.RSSIdle) / float64(r.Clients)
}

func (c *Config) fill() error {
	if c.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		c.Exe = exe
	}
	if len(c.Servers) == 0 {
		c.Servers = Servers()
	}
	for _, name := range c.Servers {
		if _, ok := lookup(name); !ok {
			return fmt.Errorf("unknown server %q (known: %s)", name, strings.Join(Servers(), ", "))
		}
	}
	if len(c.Clients) == 0 {
		c.Clients = []int{1, 16, 100, 1000}
	}
	for _, n := range c.Clients {
		if n < 1 {
			return fmt.Errorf("client count %d: want at least 1", n)
		}
	}
	if len(c.Sizes) == 0 {
		c.Sizes = []int{64}
	}
	for _, n := range c.Sizes {
		if n < 8 {
			return fmt.Errorf("size %d: want at least 8 bytes", n)
		}
	}
	if c.Rounds <= 0 {
		c.Rounds = 3
	}
	if c.Dur <= 0 {
		c.Dur = time.Second
	}
	if c.Warmup <= 0 {
		c.Warmup = min(max(c.Dur/4, 50*time.Millisecond), time.Second)
	}
	return nil
}

// Run measures every server of cfg at every client count and size, in
// rounds: each round runs every server once, in an order rotated by one
// from the last round's, so that a slow spell of the machine does not fall
// on one server only. Each measurement starts a fresh server process and
// stops it after. The error is for cfg only; each Result carries its own.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	fdLimit := raiseFDLimit()
	if cfg.CPUProfileDir != "" {
		if err := os.MkdirAll(cfg.CPUProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	var results []Result
	for _, size := range cfg.Sizes {
		for _, clients := range cfg.Clients {
			for round := range cfg.Rounds {
				for i := range cfg.Servers {
					name := cfg.Servers[(i+round)%len(cfg.Servers)]
					if err := ctx.Err(); err != nil {
						return results, err
					}
					r := Result{Server: name, Clients: clients, Size: size, Round: round}
					srv, _ := lookup(name)
					switch {
					case srv.maxConns > 0 && clients > srv.maxConns:
						r.Skipped = fmt.Sprintf("serves at most %d clients", srv.maxConns)
					case clients+64 > fdLimit:
						r.Skipped = fmt.Sprintf("RLIMIT_NOFILE %d is too low", fdLimit)
					default:
						measure(ctx, &cfg, &r)
					}
					results = append(results, r)
					if cfg.Log != nil {
						logResult(cfg.Log, r)
					}
				}
			}
		}
	}
	return results, nil
}

func logResult(w io.Writer, r Result) {
	head := fmt.Sprintf("round %d size %d clients %d %s:", r.Round+1, r.Size, r.Clients, r.Server)
	switch {
	case r.Skipped != "":
		fmt.Fprintf(w, "%s skipped: %s\n", head, r.Skipped)
	case r.Err != nil:
		fmt.Fprintf(w, "%s error: %v\n", head, r.Err)
	default:
		fmt.Fprintf(w, "%s %.0f req/s, %.2f µs CPU/req, %.1f KiB RSS/conn\n", head,
			r.RPS(), float64(r.CPUPerRequest())/1e3, r.RSSPerConn()/1024)
	}
}

// raiseFDLimit raises the soft RLIMIT_NOFILE to the hard one (the Go
// runtime already does at start-up) and returns it.
func raiseFDLimit() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 1024
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = lim.Max
		if unix.Setrlimit(unix.RLIMIT_NOFILE, &want) == nil {
			lim = want
		}
	}
	return int(min(lim.Cur, 1<<30))
}

// measure runs one measurement into r.
func measure(ctx context.Context, cfg *Config, r *Result) {
	args := []string{"-serve", r.Server}
	if cfg.Loops > 0 {
		args = append(args, "-loops", fmt.Sprint(cfg.Loops))
	}
	if cfg.CPUProfileDir != "" {
		name := fmt.Sprintf("%s-c%d-s%d-r%d.pprof", r.Server, r.Clients, r.Size, r.Round+1)
		args = append(args, "-cpuprofile", filepath.Join(cfg.CPUProfileDir, name))
	}
	p, err := startProc(cfg.Exe, args)
	if err != nil {
		r.Err = err
		return
	}
	err = measureOn(ctx, cfg, r, p)
	if perr := p.stop(); err == nil {
		err = perr
	}
	r.Err = err
}

func measureOn(ctx context.Context, cfg *Config, r *Result, p *proc) error {
	pid := p.cmd.Process.Pid
	// Let the server's runtime settle before taking its idle size.
	if err := sleep(ctx, 100*time.Millisecond); err != nil {
		return err
	}
	idle, err := procRSS(pid)
	if err != nil {
		return err
	}
	dialCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	l, err := dialLoad(dialCtx, p.addr, r.Clients)
	cancel()
	if err != nil {
		return err
	}
	l.start(r.Size, time.Now().Add(cfg.Warmup+cfg.Dur+30*time.Second))
	err = func() error {
		if err := sleep(ctx, cfg.Warmup); err != nil {
			return err
		}
		cpu0, err := procCPU(pid)
		if err != nil {
			return err
		}
		n0, t0 := l.total(), time.Now()
		if err := sleep(ctx, cfg.Dur); err != nil {
			return err
		}
		n1, t1 := l.total(), time.Now()
		cpu1, err := procCPU(pid)
		if err != nil {
			return err
		}
		loaded, err := procRSS(pid)
		if err != nil {
			return err
		}
		r.Requests, r.Elapsed, r.CPU = n1-n0, t1.Sub(t0), cpu1-cpu0
		r.RSSIdle, r.RSSLoaded = idle, loaded
		return nil
	}()
	minPer, lerr := l.finish()
	r.MinPerClient = minPer
	if err == nil {
		err = lerr
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// proc is one server process.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  netip.AddrPort
	out   *tailBuffer // what it wrote besides the listening line
	exit  chan error
}

// startProc starts exe with args and waits (at most 10 seconds) for its
// "listening ADDR" line.
func startProc(exe string, args []string) (*proc, error) {
	cmd := exec.Command(exe, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out := &tailBuffer{}
	addrs := make(chan string, 1)
	cmd.Stdout = &lineWatcher{prefix: "listening ", found: addrs, rest: out}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, stdin: stdin, out: out, exit: make(chan error, 1)}
	go func() { p.exit <- cmd.Wait() }()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case s := <-addrs:
		p.addr, err = netip.ParseAddrPort(s)
		if err == nil {
			return p, nil
		}
		err = fmt.Errorf("server %s: bad listening line: %w", args[1], err)
	case err = <-p.exit:
		p.exit <- err
		err = fmt.Errorf("server %s exited before listening (%v): %s", args[1], err, out.String())
	case <-t.C:
		err = fmt.Errorf("server %s did not listen within 10s", args[1])
	}
	_ = p.stop()
	return nil, err
}

// stop closes the server's standard input, which stops it, and waits for
// it to exit (killing it after 10 seconds). It returns an error if the
// server did not exit with status 0.
func (p *proc) stop() error {
	p.stdin.Close()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	var err error
	select {
	case err = <-p.exit:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.exit
		err = errors.New("did not exit within 10s of its stop: killed")
	}
	if err != nil {
		return fmt.Errorf("server %s: %w: %s", p.cmd.Args[2], err, p.out.String())
	}
	return nil
}

// lineWatcher sends the rest of the first line that starts with prefix,
// and copies everything else to rest.
type lineWatcher struct {
	prefix string
	found  chan<- string
	rest   io.Writer
	line   []byte
	done   bool
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	if w.done {
		return w.rest.Write(b)
	}
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(w.line[:i])
		w.line = w.line[i+1:]
		if s, ok := strings.CutPrefix(line, w.prefix); ok {
			w.found <- s
			w.done = true
			_, _ = w.rest.Write(w.line)
			return len(b), nil
		}
		_, _ = fmt.Fprintln(w.rest, line)
	}
}

// tailBuffer keeps the last 4 KiB written to it, for error messages.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, b...)
	if over := len(t.b) - 4096; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.b))
	if s == "" {
		return "(no output)"
	}
	return s
}
