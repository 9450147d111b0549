package poll

// Waiting reports whether a Wait is in progress on p, so that tests can
// act while it is blocked.
func Waiting(p *Poller) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}
