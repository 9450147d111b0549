//go:build !race

package addrinfo_test

// raceEnabled is true under the race detector.
const raceEnabled = false
