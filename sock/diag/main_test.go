package diag_test

import (
	"flag"
	"os"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Fuzzing starts a signal-handling goroutine that outlives m.Run, which
	// the leak check would count: check leaks in ordinary runs only.
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	testkit.Main(m)
}
