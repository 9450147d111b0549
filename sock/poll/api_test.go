package poll_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
	"golang.org/x/sys/unix"
)

// TestNilAndZeroReceivers calls every exported method of every exported
// type, found with reflect, on a nil pointer and on a zero value: none
// panics, and every returned error wraps EINVAL (a nil FDSet acts as an
// empty set where its method returns no error).
func TestNilAndZeroReceivers(t *testing.T) {
	for _, recv := range []struct {
		name string
		v    any
	}{
		{"nil *Poller", (*poll.Poller)(nil)},
		{"zero Poller", &poll.Poller{}},
		{"nil *FDSet", (*poll.FDSet)(nil)},
	} {
		rv := reflect.ValueOf(recv.v)
		for i := range rv.NumMethod() {
			m := rv.Type().Method(i)
			t.Run(recv.name+"."+m.Name, func(t *testing.T) {
				ft := m.Type
				args := make([]reflect.Value, ft.NumIn()-1)
				for j := range args {
					in := ft.In(j + 1)
					switch in.Kind() {
					case reflect.Slice:
						args[j] = reflect.MakeSlice(in, 4, 4)
					case reflect.Int, reflect.Int64:
						args[j] = reflect.ValueOf(int64(3)).Convert(in)
					case reflect.Uint8:
						args[j] = reflect.ValueOf(poll.Readable).Convert(in)
					default:
						args[j] = reflect.Zero(in)
					}
				}
				out := rv.Method(i).Call(args)
				errType := reflect.TypeFor[error]()
				sawErr := false
				for k, o := range out {
					if ft.Out(k) != errType {
						continue
					}
					sawErr = true
					err, _ := o.Interface().(error)
					if !errors.Is(err, unix.EINVAL) {
						t.Errorf("%s = %v, want an error wrapping EINVAL", m.Name, err)
					}
				}
				if !sawErr {
					t.Logf("%s returns no error: %v", m.Name, out)
				}
			})
		}
	}
}

// TestTokens checks that Wait reports the token given to AddToken and
// AddConn, that Modify keeps it, and that AddToken and Wait with a pointer
// token do not allocate.
func TestTokens(t *testing.T) {
	forEachMode(t, func(t *testing.T, bk poll.Backend, md poll.Mode) {
		a, b, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		defer b.Close()
		p := newPollerMode(t, bk, md)
		fd, err := p.AddConn(b, poll.Writable, b)
		if err != nil || fd != b.Fd() {
			t.Fatalf("AddConn = %d, %v; want %d, nil", fd, err, b.Fd())
		}
		if err := p.Modify(fd, poll.Readable|poll.Writable); err != nil {
			t.Fatal(err)
		}
		ready := make([]poll.Ready, 4)
		n, err := p.Wait(ready, time.Second)
		if n != 1 || err != nil || ready[0].Token != any(b) || ready[0].Fd != fd {
			t.Fatalf("Wait = %d, %v, %+v; want the pair end with its token", n, err, ready[:max(n, 0)])
		}
		if err := p.Remove(fd); err != nil {
			t.Fatal(err)
		}
		tok := &struct{ x int }{}
		allocs := testing.AllocsPerRun(100, func() {
			if err := p.AddToken(fd, poll.Writable, tok); err != nil {
				t.Fatal(err)
			}
			if n, err := p.Wait(ready, 0); n != 1 || err != nil || ready[0].Token != any(tok) {
				t.Fatalf("Wait = %d, %v", n, err)
			}
			if err := p.Remove(fd); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("AddToken+Wait+Remove allocates %v times per run, want 0", allocs)
		}
	})
}

func ExampleFDSet() {
	var s poll.FDSet
	_ = s.Set(3)
	_ = s.Set(7)
	fmt.Println(s.IsSet(3), s.IsSet(4), s.Count(), s.Max())
	s.Clear(3)
	fmt.Println(s.IsSet(3), s.Next(0))
	fmt.Println(s.Set(poll.FD_SETSIZE))
	// Output:
	// true false 2 7
	// false 7
	// FD_SET: fd 1024 outside [0, 1024): invalid argument
}

func ExampleEvents_String() {
	fmt.Println(poll.Readable, poll.Readable|poll.Writable, poll.Events(0))
	// Output: Readable Readable|Writable 0
}

// An echo loop over a few socket pairs: the token is the *sock.Socket, so
// the loop needs no map from descriptors to sockets.
func ExamplePoller_AddConn() {
	p, err := poll.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	var clients []*sock.Socket
	for range 3 {
		c, s, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer c.Close()
		defer s.Close()
		if _, err := p.AddConn(s, poll.Readable, s); err != nil {
			fmt.Println(err)
			return
		}
		clients = append(clients, c)
	}
	for i, c := range clients {
		c.Write([]byte{'a' + byte(i)})
	}
	ready := make([]poll.Ready, 8)
	buf := make([]byte, 16)
	for echoed := 0; echoed < len(clients); {
		n, err := p.Wait(ready, time.Second)
		if err != nil || n == 0 {
			fmt.Println(n, err)
			return
		}
		for _, r := range ready[:n] {
			s := r.Token.(*sock.Socket)
			m, _ := s.Read(buf)
			s.Write(buf[:m])
			echoed++
		}
	}
	for _, c := range clients {
		m, _ := c.Read(buf)
		fmt.Printf("%s ", buf[:m])
	}
	fmt.Println()
	// Output: a b c
}

func ExampleBest() {
	p, err := poll.NewBackend(poll.Best)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fmt.Println(p.Backend() == poll.Best, poll.Backends()[0])
	// Output: true select
}
