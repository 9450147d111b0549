package addrinfo

import (
	"context"
	"net/netip"
)

// Internals the external tests fuzz.
var (
	ParseInetAton  = parseInetAton
	ParseInetPton6 = parseInetPton6
)

// HostsEntry is one parsed hosts line, for the fuzz invariants.
type HostsEntry struct {
	Addr  netip.Addr
	Names []string
}

// ParseHosts parses a hosts file and returns its entries and a look-up
// function over them.
func ParseHosts(b []byte) ([]HostsEntry, func(name string) ([]netip.Addr, string)) {
	db, _ := parseHosts(context.Background(), b)
	out := make([]HostsEntry, len(db.entries))
	for i, e := range db.entries {
		out[i] = HostsEntry{e.addr, e.names}
	}
	return out, func(name string) ([]netip.Addr, string) { return db.lookupName(name, 0) }
}

// ServEntry is one parsed services line, for the fuzz invariants.
type ServEntry struct {
	Name, Proto string
	Port        uint16
	Aliases     []string
}

// ParseServices parses a services file and returns its entries and
// getservbyname and getservbyport over them.
func ParseServices(b []byte) ([]ServEntry, func(name, proto string) (uint16, bool), func(port uint16, proto string) (string, bool)) {
	db, _ := parseServices(context.Background(), b)
	out := make([]ServEntry, len(db.entries))
	for i, e := range db.entries {
		out[i] = ServEntry{e.name, e.proto, e.port, e.aliases}
	}
	byName := func(name, proto string) (uint16, bool) { p, ok := db.byName[servKey{name, proto}]; return p, ok }
	byPort := func(port uint16, proto string) (string, bool) { n, ok := db.byPort[portKey{port, proto}]; return n, ok }
	return out, byName, byPort
}
