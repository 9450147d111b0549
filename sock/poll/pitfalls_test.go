package poll_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// Pitfall "amd64 rejects Usec >= 1e6 with EINVAL": timeouts of more than a
// second, with a fraction, and beyond what the kernel takes, are converted
// correctly. A ready descriptor makes each Select return at once, so an
// EINVAL from a badly built timeval or timespec would show, and no test
// waits.
func TestSelectLongTimeouts(t *testing.T) {
	a, b := testkit.Socketpair(t, unix.SOCK_STREAM)
	testkit.Write(t, b, "x")
	for _, timeout := range []time.Duration{
		999_999 * time.Microsecond, time.Second, 1500 * time.Millisecond,
		time.Hour + time.Nanosecond, 1 << 62, math.MaxInt64,
	} {
		t.Run(fmt.Sprint(timeout), func(t *testing.T) {
			r := setOf(t, a)
			n, err := poll.Select(a+1, r, nil, nil, timeout)
			if n != 1 || err != nil || !r.IsSet(a) {
				t.Fatalf("Select with a ready descriptor and timeout %v = %d, %v; want 1, nil", timeout, n, err)
			}
		})
	}
}
