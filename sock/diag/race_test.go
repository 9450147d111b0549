//go:build race

package diag_test

// raceEnabled is true under the race detector, whose sync.Pool drops a
// share of what is put back at random, so that allocation counts vary
// from call to call: the tests that compare them skip that part then.
const raceEnabled = true
