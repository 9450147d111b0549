//go:build !race

package diag_test

// raceEnabled is true under the race detector.
const raceEnabled = false
