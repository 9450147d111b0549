package sock_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/sock"
)

// TestErrorOpNames calls every exported method of *Socket that returns an
// error on a closed Socket: the error is an *os.SyscallError named after
// the system call the method makes, or, for a method that makes none,
// after the method itself (as fileio and os name theirs), never a
// lower-case spelling of a method name that is not a call.
func TestErrorOpNames(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"Accept":           "accept",
		"Bind":             "bind",
		"Close":            "close",
		"Connect":          "connect",
		"GetsockoptInt":    "getsockopt",
		"Listen":           "listen",
		"LocalAddr":        "getsockname",
		"NetConn":          "fcntl",
		"NetListener":      "fcntl",
		"NetPacketConn":    "fcntl",
		"Nonblock":         "Nonblock",
		"Read":             "read",
		"Recv":             "recv",
		"RecvFrom":         "recvfrom",
		"RemoteAddr":       "getpeername",
		"Send":             "send",
		"SendTo":           "sendto",
		"SetDeadline":      "SetDeadline",
		"SetNonblock":      "SetNonblock",
		"SetReadDeadline":  "SetReadDeadline",
		"SetWriteDeadline": "SetWriteDeadline",
		"SetsockoptInt":    "setsockopt",
		"Shutdown":         "shutdown",
		"SyscallConn":      "SyscallConn",
		"Write":            "write",
		"SendMsg":          "sendmsg",
		"RecvMsg":          "recvmsg",
		"SendMmsg":         "sendmmsg",
		"RecvMmsg":         "recvmmsg",
		"Readv":            "readv",
		"Writev":           "writev",
	}
	// Methods named after the call they make: their lower-case name is
	// the call's.
	calls := map[string]bool{"Accept": true, "Bind": true, "Close": true, "Connect": true,
		"Listen": true, "Read": true, "Recv": true, "RecvFrom": true, "Send": true,
		"SendTo": true, "Shutdown": true, "Write": true, "SendMsg": true, "RecvMsg": true,
		"SendMmsg": true, "RecvMmsg": true, "Readv": true, "Writev": true}
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	v := reflect.ValueOf(s)
	errType := reflect.TypeFor[error]()
	for i := range v.NumMethod() {
		m := v.Type().Method(i)
		ft := m.Type
		if ft.NumOut() == 0 || ft.Out(ft.NumOut()-1) != errType {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			args := make([]reflect.Value, ft.NumIn()-1)
			for j := range args {
				args[j] = reflect.Zero(ft.In(j + 1))
			}
			out := v.Method(i).Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			var se *os.SyscallError
			if !errors.As(err, &se) {
				t.Fatalf("%s on a closed Socket: %#v, want an *os.SyscallError", m.Name, err)
			}
			if w, ok := want[m.Name]; ok && se.Syscall != w {
				t.Errorf("%s names %q, want %q", m.Name, se.Syscall, w)
			}
			if se.Syscall != m.Name && !calls[m.Name] && strings.EqualFold(se.Syscall, m.Name) {
				t.Errorf("%s names %q: a method that makes no such call is named in Go case", m.Name, se.Syscall)
			}
		})
	}
}

// TestRawConnOpNames: the RawConn of a Socket closed after SyscallConn
// names its own methods, none of which is a system call.
func TestRawConnOpNames(t *testing.T) {
	t.Parallel()
	s, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, tt := range []struct {
		want string
		err  error
	}{
		{"RawConn.Control", rc.Control(func(uintptr) {})},
		{"RawConn.Read", rc.Read(func(uintptr) bool { return true })},
		{"RawConn.Write", rc.Write(func(uintptr) bool { return true })},
	} {
		var se *os.SyscallError
		if !errors.As(tt.err, &se) || se.Syscall != tt.want {
			t.Errorf("%s on a closed Socket: %v, want an *os.SyscallError named %q", tt.want, tt.err, tt.want)
		}
	}
}
