package main

import (
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestMain runs the program itself when a process test asks for it, and
// otherwise fails the run if the tests leave descriptors or goroutines
// behind, as in every posixkit package.
func TestMain(m *testing.M) {
	testkit.RunMainIfAsked(main)
	testkit.Main(m)
}
