package peerbench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// peers are the event-loop libraries the "× best peer" column compares
// with.
var peers = []string{"gnet", "gnet-multicore", "nbio"}

// Summary is the rounds of one server at one client count and size.
type Summary struct {
	Server        string
	Clients, Size int
	Rounds        int     // measurements without error
	Median        float64 // requests per second
	Min, Max      float64
	CPUPerReqUs   float64 // median over rounds, µs
	RSSPerConnKiB float64 // median over rounds
	Skipped       string
	Err           error // the first error, if a round failed
}

// Summarize groups results by size, client count and server, in the order
// they first appear ([Run] gives them grouped by size and client count).
func Summarize(results []Result) []Summary {
	type key struct {
		size, clients int
		server        string
	}
	var order []key
	groups := make(map[key][]Result)
	for _, r := range results {
		k := key{r.Size, r.Clients, r.Server}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []Summary
	for _, k := range order {
		s := Summary{Server: k.server, Clients: k.clients, Size: k.size}
		var rps, cpu, rss []float64
		for _, r := range groups[k] {
			switch {
			case r.Skipped != "":
				s.Skipped = r.Skipped
			case r.Err != nil:
				if s.Err == nil {
					s.Err = r.Err
				}
			default:
				rps = append(rps, r.RPS())
				cpu = append(cpu, float64(r.CPUPerRequest())/1e3)
				rss = append(rss, r.RSSPerConn()/1024)
			}
		}
		s.Rounds = len(rps)
		if len(rps) > 0 {
			s.Median, s.Min, s.Max = median(rps), slices.Min(rps), slices.Max(rps)
			s.CPUPerReqUs, s.RSSPerConnKiB = median(cpu), median(rss)
		}
		out = append(out, s)
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Table writes the results as a markdown table: one row per size, client
// count and server, with the median requests per second over the rounds,
// their range, the ratio of the median to net's and to the best of the
// event-loop peers (gnet, gnet-multicore, nbio) at the same client count
// and size, the median server CPU time per request and resident memory
// per connection.
func Table(w io.Writer, results []Result) error {
	sums := Summarize(results)
	var b strings.Builder
	b.WriteString("| size | clients | server | req/s (median) | min – max | × net | × best peer | server CPU µs/req | server RSS KiB/conn |\n")
	b.WriteString("|---:|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "| %d B | %d | %s | ", s.Size, s.Clients, s.Server)
		switch {
		case s.Rounds == 0 && s.Skipped != "":
			fmt.Fprintf(&b, "— | skipped: %s | | | | |\n", s.Skipped)
			continue
		case s.Rounds == 0:
			fmt.Fprintf(&b, "— | error: %s | | | | |\n", oneLine(s.Err))
			continue
		}
		netMedian, bestPeer := 0.0, 0.0
		for _, o := range sums {
			if o.Size != s.Size || o.Clients != s.Clients || o.Rounds == 0 {
				continue
			}
			if o.Server == "net" {
				netMedian = o.Median
			}
			if slices.Contains(peers, o.Server) {
				bestPeer = max(bestPeer, o.Median)
			}
		}
		fmt.Fprintf(&b, "%s | %s – %s | %s | %s | %.2f | %.1f |", kilo(s.Median), kilo(s.Min), kilo(s.Max),
			ratio(s.Median, netMedian), ratio(s.Median, bestPeer), s.CPUPerReqUs, s.RSSPerConnKiB)
		if s.Err != nil {
			fmt.Fprintf(&b, " (a round failed: %s)", oneLine(s.Err))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func kilo(v float64) string { return fmt.Sprintf("%.1fk", v/1e3) }

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
