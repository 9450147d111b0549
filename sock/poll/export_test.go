package poll

// PollerWaiting reports whether a Wait is in progress on p, so that tests
// can act while it is blocked.
func PollerWaiting(p *Poller) bool {
	if p.impl != nil {
		return p.impl.isWaiting()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}
