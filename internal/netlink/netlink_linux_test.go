package netlink_test

import (
	"errors"
	"os"
	"testing"
	"unsafe"

	"github.com/posixkit/posixkit/internal/netlink"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

var errTestMalformed = errors.New("malformed test reply")

// A dump round trip on each protocol posixkit uses: the kernel answers
// from port id 0 with our sequence number and port id, and the dump ends
// in NLMSG_DONE.
func TestDumpRoundTrip(t *testing.T) {
	testkit.Socketpair(t, unix.SOCK_STREAM) // so that unix_diag has sockets to list
	for _, tc := range []struct {
		name  string
		proto int
		req   func(seq uint32) []byte
	}{
		{"NETLINK_ROUTE RTM_GETLINK", unix.NETLINK_ROUTE, func(seq uint32) []byte {
			return request(unix.RTM_GETLINK, seq, make([]byte, unix.SizeofIfInfomsg))
		}},
		{"NETLINK_SOCK_DIAG unix_diag", unix.NETLINK_SOCK_DIAG, func(seq uint32) []byte {
			// struct unix_diag_req: family AF_UNIX, every state.
			body := make([]byte, 24)
			body[0] = unix.AF_UNIX
			*(*uint32)(unsafe.Pointer(&body[4])) = ^uint32(0)
			return request(unix.SOCK_DIAG_BY_FAMILY, seq, body)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := netlink.Open(tc.proto)
			if err != nil {
				t.Skipf("no netlink socket here: %v", err)
			}
			defer c.Close()
			if c.PID == 0 {
				t.Fatalf("bound to port id 0, the kernel's")
			}
			const seq = 4242
			if err := c.Send(tc.req(seq)); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, netlink.RecvBufSize)
			msgs := 0
			for done := false; !done; {
				n, err := c.Receive(buf)
				if err != nil {
					t.Fatal(err)
				}
				for b := buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
					h := (*unix.NlMsghdr)(unsafe.Pointer(&b[0]))
					if h.Seq != seq || h.Pid != c.PID {
						t.Fatalf("message seq %d port id %d; want %d and %d", h.Seq, h.Pid, seq, c.PID)
					}
					if h.Type == unix.NLMSG_ERROR {
						t.Fatalf("NLMSG_ERROR: %v", unix.Errno(-*(*int32)(unsafe.Pointer(&b[unix.SizeofNlMsghdr]))))
					}
					done = h.Type == unix.NLMSG_DONE
					msgs++
					l := (int(h.Len) + 3) &^ 3
					if int(h.Len) < unix.SizeofNlMsghdr || l > len(b) {
						t.Fatalf("message of nlmsg_len %d with %d bytes left", h.Len, len(b))
					}
					b = b[l:]
				}
			}
			if msgs < 2 {
				t.Errorf("%d messages, want at least one (the loopback link, this test's socket pair) and NLMSG_DONE", msgs)
			}
		})
	}
}

func request(typ uint16, seq uint32, body []byte) []byte {
	b := make([]byte, unix.SizeofNlMsghdr+len(body))
	h := (*unix.NlMsghdr)(unsafe.Pointer(&b[0]))
	h.Len, h.Type, h.Flags, h.Seq = uint32(len(b)), typ, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, seq
	copy(b[unix.SizeofNlMsghdr:], body)
	return b
}

// Receive refuses a datagram longer than its buffer, naming both lengths,
// with an error wrapping ErrTruncated and the Conn's Malformed class (an
// AF_UNIX datagram pair stands in for the kernel: the length is checked
// before the sender).
func TestReceiveTruncated(t *testing.T) {
	a, b := testkit.Socketpair(t, unix.SOCK_DGRAM)
	if _, err := unix.Write(b, make([]byte, 300)); err != nil {
		t.Fatal(err)
	}
	c := &netlink.Conn{FD: a, Malformed: errTestMalformed}
	n, err := c.Receive(make([]byte, 200))
	if !errors.Is(err, netlink.ErrTruncated) || !errors.Is(err, errTestMalformed) {
		t.Fatalf("Receive of 300 bytes into 200 = %d, %v; want an error wrapping ErrTruncated and the Malformed class", n, err)
	}
	if want := "recvfrom: malformed test reply: datagram truncated (MSG_TRUNC): 300 bytes for a 200-byte buffer"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// Bad input is an error, not a panic: an empty request or buffer, a
// second Close, a nil Conn; and Open gives a Conn a Malformed class.
func TestBadInput(t *testing.T) {
	c, err := netlink.Open(unix.NETLINK_ROUTE)
	if err != nil {
		t.Skipf("no netlink socket here: %v", err)
	}
	if c.Malformed == nil {
		t.Error("Open left Malformed nil")
	}
	defer func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
		if err := c.Close(); !errors.Is(err, unix.EBADF) {
			t.Errorf("second Close = %v, want EBADF", err)
		}
	}()
	if err := c.Send(nil); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Send(nil) = %v, want EINVAL", err)
	}
	if n, err := c.Receive(nil); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Receive(nil) = %d, %v, want EINVAL", n, err)
	}
	var pe *os.SyscallError
	if _, err := netlink.Open(-1); !errors.Is(err, unix.EPROTONOSUPPORT) && !errors.Is(err, unix.EINVAL) || !errors.As(err, &pe) || pe.Syscall != "socket" {
		t.Errorf("Open(-1) = %v, want an *os.SyscallError socket wrapping EPROTONOSUPPORT or EINVAL", err)
	}
	var nilConn *netlink.Conn
	if err := nilConn.Send([]byte{0}); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Send on a nil Conn = %v, want EINVAL", err)
	}
	if n, err := nilConn.Receive(make([]byte, 1)); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Receive on a nil Conn = %d, %v, want EINVAL", n, err)
	}
	if err := nilConn.Close(); !errors.Is(err, unix.EBADF) {
		t.Errorf("Close on a nil Conn = %v, want EBADF", err)
	}
}
