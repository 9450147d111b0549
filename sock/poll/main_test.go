package poll_test

import (
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestMain fails the package's run if its tests leave descriptors or
// goroutines behind. The os/signal delivery goroutine, started on the first
// signal.Notify (the Select tests' signal storm) and permanent from then on,
// is started here first so that it is not counted as a leak.
func TestMain(m *testing.M) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)
	testkit.Main(m)
}
