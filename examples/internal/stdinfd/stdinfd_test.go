package stdinfd_test

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/examples/internal/stdinfd"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock/poll"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// readAll reads in through select(2) on its descriptor, as the clients do.
func readAll(t *testing.T, in *stdinfd.Input) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 3)
	for range 1000 {
		var r poll.FDSet
		if err := r.Set(in.Fd()); err != nil {
			t.Fatal(err)
		}
		n, err := poll.Select(in.Fd()+1, &r, nil, nil, -1)
		if err != nil || n != 1 {
			t.Fatalf("select = %d, %v", n, err)
		}
		n, err = in.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return string(got)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("no EOF after 1000 reads")
	return ""
}

func TestReader(t *testing.T) {
	in, err := stdinfd.New(strings.NewReader("some input\nand more"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if diff := cmp.Diff("some input\nand more", readAll(t, in)); diff != "" {
		t.Errorf("unexpected input (-want +got):\n%s", diff)
	}
}

func TestFileUsesItsDescriptor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in, err := stdinfd.New(r)
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	rc, _ := r.SyscallConn()
	rc.Control(func(s uintptr) { fd = int(s) })
	if in.Fd() != fd {
		t.Errorf("Fd() = %d, want the pipe's %d", in.Fd(), fd)
	}
	go func() { io.WriteString(w, "piped"); w.Close() }()
	if diff := cmp.Diff("piped", readAll(t, in)); diff != "" {
		t.Errorf("unexpected input (-want +got):\n%s", diff)
	}
	in.Close()
	// Close leaves a borrowed descriptor open.
	if err := fstat(fd); err != nil {
		t.Errorf("the pipe's descriptor was closed: %v", err)
	}
}

func fstat(fd int) error {
	var st syscall.Stat_t
	return syscall.Fstat(fd, &st)
}
