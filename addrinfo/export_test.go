package addrinfo

// Internals the external tests fuzz.
var (
	ParseInetAton  = parseInetAton
	ParseInetPton6 = parseInetPton6
	ParseHosts     = func(b []byte) int { return len(parseHosts(b).entries) }
	ParseServices  = func(b []byte) int { return len(parseServices(b).entries) }
)
