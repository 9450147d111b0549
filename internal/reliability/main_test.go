package reliability_test

import (
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/posixkit/posixkit/internal/leakcheck"
)

// TestMain fails the run if the tests leave descriptors or goroutines
// behind. os/signal's relay goroutine, permanent once started (the signal
// storms), is started first so that it is not counted as a leak.
func TestMain(m *testing.M) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)
	leakcheck.Main(m)
}
