//go:build race

package addrinfo_test

// raceEnabled is true under the race detector, which slows the hosts-file
// parse some tenfold: the tests that bound a look-up's time skip then.
const raceEnabled = true
