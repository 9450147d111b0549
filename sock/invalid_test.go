package sock_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// TestInvalidReceiver calls every exported method of *Socket, found by
// reflection so that a new method is covered too, on a nil and on a zero
// Socket with zero-valued arguments: each returns an error wrapping EINVAL,
// and zero results (Fd: -1); none panics.
func TestInvalidReceiver(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		s    *sock.Socket
	}{
		{"nil", nil},
		{"zero", &sock.Socket{}},
	} {
		v := reflect.ValueOf(tc.s)
		if v.NumMethod() < 50 {
			t.Fatalf("only %d methods found on *Socket", v.NumMethod())
		}
		for i := range v.NumMethod() {
			m := v.Type().Method(i)
			t.Run(tc.name+"/"+m.Name, func(t *testing.T) {
				checkInvalidCall(t, m.Name, v.Method(i))
			})
		}
	}
}

// checkInvalidCall calls fn with zero arguments and checks its results:
// the last one, if an error, wraps EINVAL and the others are zero; a method
// without an error returns only zero values, except Fd, which returns -1.
func checkInvalidCall(t *testing.T, name string, fn reflect.Value) {
	t.Helper()
	ft := fn.Type()
	args := make([]reflect.Value, ft.NumIn())
	for i := range args {
		args[i] = reflect.Zero(ft.In(i))
	}
	out := fn.Call(args)
	errType := reflect.TypeFor[error]()
	for i, o := range out {
		if i == len(out)-1 && ft.Out(i) == errType {
			err, _ := o.Interface().(error)
			if !errors.Is(err, unix.EINVAL) {
				t.Errorf("%s: error %v, want one wrapping EINVAL", name, err)
			}
			continue
		}
		if name == "Fd" {
			if got := o.Int(); got != -1 {
				t.Errorf("Fd() = %d, want -1", got)
			}
			continue
		}
		if !o.IsZero() {
			t.Errorf("%s: result %d is %v, want the zero value", name, i, o)
		}
	}
}

// TestInvalidValueTypes calls every method of the other exported types on
// their zero values: none panics.
func TestInvalidValueTypes(t *testing.T) {
	t.Parallel()
	for _, zero := range []any{sock.Options{}, sock.Tuple{}, sock.Addr{}, sock.Cmsg{}, sock.Family(0), sock.Type(0),
		sock.Protocol(0), sock.MsgFlag(0), sock.How(0), sock.LinkAddr{}} {
		v := reflect.ValueOf(zero)
		for i := range v.NumMethod() {
			m := v.Type().Method(i)
			t.Run(v.Type().Name()+"."+m.Name, func(t *testing.T) {
				fn := v.Method(i)
				args := make([]reflect.Value, fn.Type().NumIn())
				for j := range args {
					args[j] = reflect.Zero(fn.Type().In(j))
				}
				fn.Call(args)
			})
		}
	}
}

// TestFromConnNil: a nil syscall.Conn is an error wrapping EINVAL.
func TestFromConnNil(t *testing.T) {
	t.Parallel()
	s, err := sock.FromConn(nil)
	if s != nil || !errors.Is(err, unix.EINVAL) {
		t.Errorf("FromConn(nil) = %v, %v; want nil and an error wrapping EINVAL", s, err)
	}
}
