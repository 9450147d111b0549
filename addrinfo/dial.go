package addrinfo

import (
	"context"
	"errors"
	"time"

	"github.com/posixkit/posixkit/sock"
)

// ConnectionAttemptDelay is RFC 8305's delay between the starts of two
// connection attempts of [Dial].
const ConnectionAttemptDelay = 250 * time.Millisecond

// Dial resolves host and service as [Lookup] does (SOCK_STREAM unless hints
// say otherwise) and connects to the first address that answers, with
// Happy Eyeballs v2 (RFC 8305): families alternate from getaddrinfo's
// first, and a new attempt starts every 250 ms or when one fails. The
// other attempts are cancelled; with none left, the error joins each
// attempt's, which names its address.
func Dial(ctx context.Context, host, service string, hints *Hints) (*sock.Socket, error) {
	return defaultResolver.Dial(ctx, host, service, hints)
}

// Dial is [Dial] with this resolver's sources.
func (r *Resolver) Dial(ctx context.Context, host, service string, hints *Hints) (*sock.Socket, error) {
	h := defaultHints
	if hints != nil {
		h = *hints
	}
	if h.SockType == 0 {
		h.SockType = sock.SOCK_STREAM
	}
	infos, err := r.Lookup(ctx, host, service, &h)
	if err != nil {
		return nil, err
	}
	return dialParallel(ctx, interleave(infos), ConnectionAttemptDelay)
}

// interleave orders addresses as RFC 8305 section 4 does: the family of
// the first, then the other, alternating, each family in its own order.
func interleave(infos []Info) []Info {
	if len(infos) == 0 {
		return infos
	}
	first := infos[0].Family
	var a, b []Info
	for _, in := range infos {
		if in.Family == first {
			a = append(a, in)
		} else {
			b = append(b, in)
		}
	}
	out := make([]Info, 0, len(infos))
	for len(a) > 0 || len(b) > 0 {
		if len(a) > 0 {
			out, a = append(out, a[0]), a[1:]
		}
		if len(b) > 0 {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

type dialResult struct {
	s   *sock.Socket
	err error
}

// dialParallel runs the attempts and waits for every one it started, so
// that none outlives it; a connection that loses the race is closed.
func dialParallel(ctx context.Context, infos []Info, delay time.Duration) (*sock.Socket, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan dialResult, len(infos))
	attempt := func(in Info) {
		s, err := in.Socket()
		if err == nil {
			if err = s.ConnectContext(ctx, sock.InetAddr(in.Addr)); err != nil {
				s.Close()
				s = nil
			}
		}
		results <- dialResult{s, err}
	}
	next, running := 0, 0
	start := func() {
		go attempt(infos[next])
		next++
		running++
	}
	start()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	var winner *sock.Socket
	var errs []error
	for running > 0 {
		select {
		case r := <-results:
			running--
			switch {
			case r.err == nil && winner == nil:
				winner = r.s
				cancel()
			case r.err == nil:
				r.s.Close()
			default:
				errs = append(errs, r.err)
				if winner == nil && next < len(infos) && ctx.Err() == nil {
					start()
					timer.Reset(delay)
				}
			}
		case <-timer.C:
			if winner == nil && next < len(infos) {
				start()
				timer.Reset(delay)
			}
		}
	}
	if winner != nil {
		return winner, nil
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errors.Join(errs...)
}
