// Command peerbench measures posixkit's Poller event loops against net,
// gnet and nbio, each server in its own process, with a closed-loop echo
// load from this process, and prints a markdown table.
//
//	go run ./cmd/peerbench -rounds 3 -dur 1s -clients 1,16,100,1000 -size 64
//
// Progress goes to standard error, the table to standard output. Each
// server process is this program re-run as "peerbench -serve NAME".
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/posixkit/posixkit/bench"
	"golang.org/x/sys/unix"
)

func main() {
	if peerbench.IsServe(os.Args[1:]) {
		os.Exit(peerbench.ServeMain(os.Args[1:]))
	}
	var cfg peerbench.Config
	clients := flag.String("clients", "1,16,100,1000", "comma-separated client counts")
	sizes := flag.String("size", "64", "comma-separated request/response sizes in bytes")
	servers := flag.String("servers", "", "comma-separated servers (default all: "+strings.Join(peerbench.Servers(), ",")+")")
	flag.IntVar(&cfg.Rounds, "rounds", 3, "interleaved rounds")
	flag.DurationVar(&cfg.Dur, "dur", time.Second, "duration of one measurement")
	flag.DurationVar(&cfg.Warmup, "warmup", 0, "warm-up before each measurement (default dur/4, within [50ms, 1s])")
	flag.IntVar(&cfg.Loops, "loops", 0, "event loops of the sharded (reuseport) server (default GOMAXPROCS)")
	flag.StringVar(&cfg.CPUProfileDir, "cpuprofile", "", "directory where each server process writes its CPU profile")
	quiet := flag.Bool("q", false, "no progress lines")
	flag.Parse()
	var err error
	if cfg.Clients, err = ints(*clients); err != nil {
		fatalf("-clients: %v", err)
	}
	if cfg.Sizes, err = ints(*sizes); err != nil {
		fatalf("-size: %v", err)
	}
	if *servers != "" {
		cfg.Servers = strings.Split(*servers, ",")
	}
	if !*quiet {
		cfg.Log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	load0 := loadavg()
	start := time.Now()
	results, err := peerbench.Run(ctx, cfg)
	if err != nil && len(results) == 0 {
		fatalf("%v", err)
	}
	if err := peerbench.Table(os.Stdout, results); err != nil {
		fatalf("%v", err)
	}
	fmt.Printf("\n%s; %s; %d CPUs, GOMAXPROCS %d; %d round(s) of %v after a %v warm-up; load average %s at the start, %s at the end; %v in all.\n",
		runtime.Version(), kernel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), cfg.Rounds, cfg.Dur, warmupOf(cfg),
		load0, loadavg(), time.Since(start).Round(time.Second))
	if err != nil {
		fatalf("%v", err)
	}
}

func warmupOf(cfg peerbench.Config) time.Duration {
	if cfg.Warmup > 0 {
		return cfg.Warmup
	}
	return min(max(cfg.Dur/4, 50*time.Millisecond), time.Second)
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// loadavg returns the 1-minute load average, or "?".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// kernel returns the system's name and release: uname(2).
func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "?"
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "peerbench: "+format+"\n", a...)
	os.Exit(1)
}
