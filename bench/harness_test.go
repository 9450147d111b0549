package peerbench_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	peerbench "github.com/posixkit/posixkit/bench"
)

// TestMain lets the test binary be the harness's server processes too:
// the harness re-runs it with "-serve NAME".
func TestMain(m *testing.M) {
	if peerbench.IsServe(os.Args[1:]) {
		os.Exit(peerbench.ServeMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestRunEveryServer runs the harness for real, briefly: every server in
// its own process, 1 and 4 clients, one round. Each must have echoed every
// request (the clients check each response) and served every client.
func TestRunEveryServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	names := slices.DeleteFunc(peerbench.Servers(), func(s string) bool { return s == "test-corrupt" })
	clients := []int{1, 4}
	results, err := peerbench.Run(ctx, peerbench.Config{
		Servers: names, Clients: clients, Sizes: []int{64, 4096},
		Rounds: 1, Dur: 200 * time.Millisecond, Warmup: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(results), len(names)*len(clients)*2; got != want {
		t.Fatalf("Run returned %d results, want %d (servers × clients × sizes)", got, want)
	}
	for _, r := range results {
		t.Logf("%s, %d clients, %d B: %.0f req/s, %v CPU/req, RSS %d -> %d bytes",
			r.Server, r.Clients, r.Size, r.RPS(), r.CPUPerRequest(), r.RSSIdle, r.RSSLoaded)
		switch {
		case r.Skipped != "":
			t.Errorf("%s, %d clients: skipped: %s", r.Server, r.Clients, r.Skipped)
		case r.Err != nil:
			t.Errorf("%s, %d clients, %d B: %v", r.Server, r.Clients, r.Size, r.Err)
		case r.Requests <= 0 || r.MinPerClient <= 0:
			t.Errorf("%s, %d clients, %d B: %d requests answered in the window, %d by the slowest client; want both > 0",
				r.Server, r.Clients, r.Size, r.Requests, r.MinPerClient)
		case r.RSSIdle <= 0 || r.RSSLoaded <= 0 || r.CPU < 0:
			t.Errorf("%s, %d clients: RSS %d -> %d, CPU %v: not read from /proc", r.Server, r.Clients, r.RSSIdle, r.RSSLoaded, r.CPU)
		}
	}
	var b strings.Builder
	if err := peerbench.Table(&b, results); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !strings.Contains(b.String(), "| "+name+" |") {
			t.Errorf("the table has no row for %s:\n%s", name, b.String())
		}
	}
}

// TestRunCatchesBadEcho checks that the harness reports a server whose
// responses are not the requests.
func TestRunCatchesBadEcho(t *testing.T) {
	results, err := peerbench.Run(context.Background(), peerbench.Config{
		Servers: []string{"test-corrupt"}, Clients: []int{2},
		Rounds: 1, Dur: 100 * time.Millisecond, Warmup: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Err == nil || !strings.Contains(results[0].Err.Error(), "not its echo") {
		t.Fatalf("Run of a corrupting server = %+v, want one result with a \"not its echo\" error", results)
	}
}

func TestRunBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  peerbench.Config
		want string
	}{
		{"unknown server", peerbench.Config{Servers: []string{"nope"}}, `unknown server "nope"`},
		{"no clients", peerbench.Config{Clients: []int{0}}, "client count 0"},
		{"size below 8", peerbench.Config{Sizes: []int{4}}, "size 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := peerbench.Run(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	r := func(server string, round int, reqs int64, cpu time.Duration) peerbench.Result {
		return peerbench.Result{Server: server, Clients: 10, Size: 64, Round: round, Requests: reqs,
			Elapsed: time.Second, CPU: cpu, RSSIdle: 1 << 20, RSSLoaded: 1<<20 + 10*2048, MinPerClient: 1}
	}
	results := []peerbench.Result{
		r("net", 0, 1000, 10*time.Millisecond), r("gnet", 0, 2000, 10*time.Millisecond), r("posixkit-epoll", 0, 3000, 3*time.Millisecond),
		r("net", 1, 3000, 30*time.Millisecond), r("gnet", 1, 2000, 10*time.Millisecond), r("posixkit-epoll", 1, 4000, 4*time.Millisecond),
		{Server: "posixkit-select", Clients: 10, Size: 64, Skipped: "serves at most 992 clients"},
	}
	var b strings.Builder
	if err := peerbench.Table(&b, results); err != nil {
		t.Fatal(err)
	}
	want := `| size | clients | server | req/s (median) | min – max | × net | × best peer | server CPU µs/req | server RSS KiB/conn |
|---:|---:|---|---:|---:|---:|---:|---:|---:|
| 64 B | 10 | net | 2.0k | 1.0k – 3.0k | 1.00× | 1.00× | 10.00 | 2.0 |
| 64 B | 10 | gnet | 2.0k | 2.0k – 2.0k | 1.00× | 1.00× | 5.00 | 2.0 |
| 64 B | 10 | posixkit-epoll | 3.5k | 3.0k – 4.0k | 1.75× | 1.75× | 1.00 | 2.0 |
| 64 B | 10 | posixkit-select | — | skipped: serves at most 992 clients | | | | |
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("unexpected table (-want +got):\n%s", diff)
	}
}
