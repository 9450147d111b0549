package fileio_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/testkit"
	"golang.org/x/sys/unix"
)

func TestOpenFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run does the steps in dir and returns the file content
		// afterwards ("" when none) and the error of the step under test.
		run     func(t *testing.T, dir string) (string, error)
		wantErr error
		want    string
	}{
		{
			name: "O_APPEND appends across two opens",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				for _, s := range []string{"one\n", "two\n"} {
					f := open(t, p, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_APPEND, 0o644)
					if _, err := f.Write([]byte(s)); err != nil {
						return "", err
					}
					if err := f.Close(); err != nil {
						return "", err
					}
				}
				b, err := os.ReadFile(p)
				return string(b), err
			},
			want: "one\ntwo\n",
		},
		{
			name: "without O_APPEND the second open overwrites",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				for _, s := range []string{"one\n", "2"} {
					f := open(t, p, fileio.O_WRONLY|fileio.O_CREAT, 0o644)
					if _, err := f.Write([]byte(s)); err != nil {
						return "", err
					}
					f.Close()
				}
				b, err := os.ReadFile(p)
				return string(b), err
			},
			want: "2ne\n",
		},
		{
			name: "O_CREAT|O_EXCL on an existing file is EEXIST",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				open(t, p, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_EXCL, 0o644)
				_, err := fileio.Open(p, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_EXCL, 0o644)
				return "", err
			},
			wantErr: unix.EEXIST,
		},
		{
			name: "O_TRUNC truncates",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				if err := os.WriteFile(p, []byte("a long old content\n"), 0o644); err != nil {
					return "", err
				}
				f := open(t, p, fileio.O_WRONLY|fileio.O_TRUNC, 0)
				if _, err := f.Write([]byte("new\n")); err != nil {
					return "", err
				}
				b, err := os.ReadFile(p)
				return string(b), err
			},
			want: "new\n",
		},
		{
			name: "Write on an O_RDONLY file is EBADF",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				f := open(t, p, fileio.O_RDONLY|fileio.O_CREAT, 0o644)
				n, err := f.Write([]byte("x"))
				if n != 0 {
					t.Errorf("Write returned %d, want 0", n)
				}
				return "", err
			},
			wantErr: unix.EBADF,
		},
		{
			name: "Read on an O_WRONLY file is EBADF",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				f := open(t, p, fileio.O_WRONLY|fileio.O_CREAT, 0o644)
				_, err := f.Read(make([]byte, 4))
				return "", err
			},
			wantErr: unix.EBADF,
		},
		{
			name: "a missing file is ENOENT",
			run: func(t *testing.T, dir string) (string, error) {
				_, err := fileio.Open(filepath.Join(dir, "missing"), fileio.O_RDONLY, 0)
				return "", err
			},
			wantErr: fs.ErrNotExist,
		},
		{
			name: "a directory opened for writing is EISDIR",
			run: func(t *testing.T, dir string) (string, error) {
				_, err := fileio.Open(dir, fileio.O_WRONLY, 0)
				return "", err
			},
			wantErr: unix.EISDIR,
		},
		{
			name: "O_DIRECTORY on a regular file is ENOTDIR",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				open(t, p, fileio.O_WRONLY|fileio.O_CREAT, 0o644)
				_, err := fileio.Open(p, fileio.O_RDONLY|fileio.O_DIRECTORY, 0)
				return "", err
			},
			wantErr: unix.ENOTDIR,
		},
		{
			name: "O_NOFOLLOW on a symlink is ELOOP",
			run: func(t *testing.T, dir string) (string, error) {
				p := filepath.Join(dir, "f")
				open(t, p, fileio.O_WRONLY|fileio.O_CREAT, 0o644)
				l := filepath.Join(dir, "link")
				if err := os.Symlink(p, l); err != nil {
					return "", err
				}
				_, err := fileio.Open(l, fileio.O_RDONLY|fileio.O_NOFOLLOW, 0)
				return "", err
			},
			wantErr: unix.ELOOP,
		},
		{
			name: "a path with a NUL byte is EINVAL, not a shorter path",
			run: func(t *testing.T, dir string) (string, error) {
				_, err := fileio.Open(filepath.Join(dir, "f\x00y"), fileio.O_WRONLY|fileio.O_CREAT, 0o644)
				if _, serr := os.Lstat(filepath.Join(dir, "f")); !errors.Is(serr, fs.ErrNotExist) {
					t.Errorf("the shorter path %q exists or cannot be checked: %v", "f", serr)
				}
				return "", err
			},
			wantErr: unix.EINVAL,
		},
		{
			name: "O_RDWR reads what it wrote",
			run: func(t *testing.T, dir string) (string, error) {
				f := open(t, filepath.Join(dir, "f"), fileio.O_RDWR|fileio.O_CREAT, 0o600)
				if _, err := f.Write([]byte("round trip")); err != nil {
					return "", err
				}
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return "", err
				}
				b, err := io.ReadAll(f)
				return string(b), err
			},
			want: "round trip",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.run(t, t.TempDir())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want one wrapping %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				var pe *fs.PathError
				if !errors.As(err, &pe) {
					t.Errorf("error %T %v is not an *fs.PathError", err, err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected file content (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenMissingMessage(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "foo.txt")
	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if f != nil {
		t.Errorf("Open returned a File with an error")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("errors.Is(%v, unix.ENOENT) = false", err)
	}
	want := "open " + path + ": no such file or directory"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("unexpected message (-want +got):\n%s", diff)
	}
}

// TestOpenUmask changes the process umask, so it does not run in parallel
// with the tests that create files.
func TestOpenUmask(t *testing.T) {
	old := unix.Umask(0o027)
	defer unix.Umask(old)
	tests := []struct {
		name string
		perm fs.FileMode
		want uint32 // st_mode & 07777
	}{
		{"0666 masked by 027", 0o666, 0o640},
		{"0777 masked by 027", 0o777, 0o750},
		{"0600 untouched", 0o600, 0o600},
		{"setuid", fs.ModeSetuid | 0o755, unix.S_ISUID | 0o750},
		{"sticky", fs.ModeSticky | 0o644, unix.S_ISVTX | 0o640},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, string(rune('a'+i)))
			f, err := fileio.Open(p, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_EXCL, tt.perm)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var st unix.Stat_t
			if err := unix.Fstat(f.Fd(), &st); err != nil {
				t.Fatal(err)
			}
			if got := uint32(st.Mode) & 0o7777; got != tt.want {
				t.Errorf("mode %#o, want %#o", got, tt.want)
			}
		})
	}
}

func TestCloexec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		flag fileio.Flag
	}{
		{"O_RDONLY|O_CREAT", filepath.Join(dir, "a"), fileio.O_RDONLY | fileio.O_CREAT},
		{"O_WRONLY|O_CREAT|O_TRUNC", filepath.Join(dir, "b"), fileio.O_WRONLY | fileio.O_CREAT | fileio.O_TRUNC},
		{"O_RDWR|O_CREAT|O_APPEND", filepath.Join(dir, "c"), fileio.O_RDWR | fileio.O_CREAT | fileio.O_APPEND},
		{"directory", dir, fileio.O_RDONLY | fileio.O_DIRECTORY},
		{"character device", "/dev/null", fileio.O_RDWR},
		{"O_NONBLOCK", "/dev/null", fileio.O_RDONLY | fileio.O_NONBLOCK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, tt.path, tt.flag, 0o644)
			fl, err := unix.FcntlInt(uintptr(f.Fd()), unix.F_GETFD, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("fd %d of Open(%q, %v): F_GETFD = %#x, FD_CLOEXEC not set", f.Fd(), tt.path, tt.flag, fl)
			}
		})
	}
}

func TestReadEOF(t *testing.T) {
	t.Parallel()
	f := open(t, tempFile(t, "hello"), fileio.O_RDONLY, 0)
	buf := make([]byte, 10)
	type result struct {
		N    int
		Data string
		EOF  bool
	}
	var got []result
	for i := 0; i < 3; i++ {
		n, err := f.Read(buf)
		if err != nil && err != io.EOF {
			t.Fatalf("Read: %v", err)
		}
		got = append(got, result{n, string(buf[:n]), err == io.EOF})
	}
	want := []result{{5, "hello", false}, {0, "", true}, {0, "", true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unexpected reads (-want +got):\n%s", diff)
	}
	// An empty read makes no call and is no EOF.
	if n, err := f.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
}

func TestReadPipeEOF(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	if _, err := w.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "ab" {
		t.Errorf("ReadAll = %q, %v; want \"ab\", nil", b, err)
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read after the writer closed = %d, %v; want 0, io.EOF", n, err)
	}
}

// A large Write to a pipe whose reader takes little at a time writes all of
// it: the writer waits in the poller each time the pipe is full.
func TestWriteLargeToSlowPipe(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	done := make(chan []byte)
	go func() {
		var got []byte
		buf := make([]byte, 1000) // small reads: the pipe fills up again and again
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		done <- got
	}()
	n, err := w.Write(want)
	if n != len(want) || err != nil {
		t.Errorf("Write = %d, %v; want %d, nil", n, err, len(want))
	}
	w.Close()
	got := <-done
	if !bytes.Equal(got, want) {
		t.Errorf("reader got %d bytes, not the %d written", len(got), len(want))
	}
}

// In nonblocking mode a Write to a full pipe returns what it wrote and
// EAGAIN: never a short write reported as success.
func TestWriteNonblockPartial(t *testing.T) {
	t.Parallel()
	_, w := pipe(t)
	if err := w.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	// A safety net only: should the Write wait anyway, the test fails
	// with a deadline error instead of hanging.
	if err := w.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 4<<20) // more than any pipe buffer
	n, err := w.Write(p)
	if !errors.Is(err, unix.EAGAIN) {
		t.Errorf("Write of %d bytes to a pipe nobody reads: err = %v, want EAGAIN", len(p), err)
	}
	if n <= 0 || n >= len(p) {
		t.Errorf("Write returned n = %d, want the part that fit: 0 < n < %d", n, len(p))
	}
	// Full now: nothing more fits.
	if n, err := w.Write([]byte("x")); n != 0 || !errors.Is(err, unix.EAGAIN) {
		t.Errorf("Write to a full pipe = %d, %v; want 0, EAGAIN", n, err)
	}
}

func TestWriteEPIPE(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	r.Close()
	n, err := w.Write([]byte("nobody reads"))
	if n != 0 || !errors.Is(err, unix.EPIPE) {
		t.Errorf("Write with the read end closed = %d, %v; want 0, EPIPE", n, err)
	}
}

func TestReadAtWriteAt(t *testing.T) {
	t.Parallel()
	f := open(t, filepath.Join(t.TempDir(), "f"), fileio.O_RDWR|fileio.O_CREAT, 0o644)
	if _, err := f.Write([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	if n, err := f.WriteAt([]byte("abc"), 3); n != 3 || err != nil {
		t.Fatalf("WriteAt = %d, %v", n, err)
	}
	// A WriteAt past the end leaves a hole of zeros.
	if n, err := f.WriteAt([]byte("Z"), 12); n != 1 || err != nil {
		t.Fatalf("WriteAt past the end = %d, %v", n, err)
	}
	buf := make([]byte, 5)
	if n, err := f.ReadAt(buf, 2); n != 5 || err != nil || string(buf) != "2abc6" {
		t.Errorf("ReadAt(5, 2) = %d, %v, %q; want 5, nil, \"2abc6\"", n, err, buf)
	}
	// Short at the end: io.EOF with what there was.
	if n, err := f.ReadAt(buf, 10); n != 3 || err != io.EOF || string(buf[:n]) != "\x00\x00Z" {
		t.Errorf("ReadAt(5, 10) = %d, %v, %q; want 3, io.EOF, \"\\x00\\x00Z\"", n, err, buf[:n])
	}
	if n, err := f.ReadAt(buf, 100); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past the end = %d, %v; want 0, io.EOF", n, err)
	}
	// Neither moved the offset that Write left at 10.
	if off, err := f.Seek(0, io.SeekCurrent); off != 10 || err != nil {
		t.Errorf("offset after ReadAt/WriteAt = %d, %v; want 10", off, err)
	}
}

func TestReadAtWriteAtErrors(t *testing.T) {
	t.Parallel()
	f := open(t, tempFile(t, "data"), fileio.O_RDWR, 0)
	r, w := pipe(t)
	buf := make([]byte, 4)
	tests := []struct {
		name    string
		call    func() (int, error)
		wantErr error
		wantMsg string
	}{
		{"ReadAt negative offset", func() (int, error) { return f.ReadAt(buf, -1) }, unix.EINVAL, "pread " + f.Name() + ": negative offset"},
		{"WriteAt negative offset", func() (int, error) { return f.WriteAt(buf, -1) }, unix.EINVAL, "pwrite " + f.Name() + ": negative offset"},
		{"ReadAt on a pipe", func() (int, error) { return r.ReadAt(buf, 0) }, unix.ESPIPE, "pread pipe-r: illegal seek"},
		{"WriteAt on a pipe", func() (int, error) { return w.WriteAt(buf, 0) }, unix.ESPIPE, "pwrite pipe-w: illegal seek"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.call()
			if n != 0 || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %d, %v; want 0 and an error wrapping %v", n, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantMsg, err.Error()); diff != "" {
				t.Errorf("unexpected message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSeek(t *testing.T) {
	t.Parallel()
	f := open(t, tempFile(t, "0123456789"), fileio.O_RDONLY, 0)
	tests := []struct {
		name    string
		offset  int64
		whence  int
		want    int64
		wantErr error
		next    string // the next 2 bytes read
	}{
		{"SEEK_SET", 4, io.SeekStart, 4, nil, "45"},
		{"SEEK_CUR", 1, io.SeekCurrent, 7, nil, "78"},
		{"SEEK_END", -3, io.SeekEnd, 7, nil, "78"},
		{"negative result", -20, io.SeekEnd, 0, unix.EINVAL, ""},
		{"bad whence", 0, 42, 0, unix.EINVAL, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.Seek(tt.offset, tt.whence)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("Seek(%d, %d) = %d, %v; want %d, %v", tt.offset, tt.whence, got, err, tt.want, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			b := make([]byte, 2)
			if _, err := io.ReadFull(f, b); err != nil || string(b) != tt.next {
				t.Errorf("read after Seek = %q, %v; want %q", b, err, tt.next)
			}
		})
	}
	r, _ := pipe(t)
	if _, err := r.Seek(0, io.SeekStart); !errors.Is(err, unix.ESPIPE) {
		t.Errorf("Seek on a pipe: %v, want ESPIPE", err)
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	path := tempFile(t, "")
	// Only the bits this package names: Linux adds O_LARGEFILE.
	const known = fileio.O_RDONLY | fileio.O_WRONLY | fileio.O_RDWR | fileio.O_APPEND |
		fileio.O_NONBLOCK | fileio.O_SYNC
	tests := []struct {
		name string
		flag fileio.Flag
		want fileio.Flag
	}{
		{"O_RDONLY", fileio.O_RDONLY, fileio.O_RDONLY},
		{"O_WRONLY|O_APPEND", fileio.O_WRONLY | fileio.O_APPEND, fileio.O_WRONLY | fileio.O_APPEND},
		{"O_RDWR|O_NONBLOCK", fileio.O_RDWR | fileio.O_NONBLOCK, fileio.O_RDWR | fileio.O_NONBLOCK},
		{"O_RDWR|O_SYNC", fileio.O_RDWR | fileio.O_SYNC, fileio.O_RDWR | fileio.O_SYNC},
		// Creation flags are not status flags: they do not show.
		{"O_WRONLY|O_CREAT|O_TRUNC", fileio.O_WRONLY | fileio.O_CREAT | fileio.O_TRUNC, fileio.O_WRONLY},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := open(t, path, tt.flag, 0o644)
			got, err := f.Flags()
			if err != nil {
				t.Fatal(err)
			}
			if got&known != tt.want {
				t.Errorf("Flags() = %v, want %v (among %v)", got, tt.want, fileio.Flag(known))
			}
			nb, err := f.Nonblock()
			if err != nil || nb != (tt.flag&fileio.O_NONBLOCK != 0) {
				t.Errorf("Nonblock() = %v, %v; want %v", nb, err, tt.flag&fileio.O_NONBLOCK != 0)
			}
		})
	}
}

// SetNonblock on a regular file changes the kernel's O_NONBLOCK itself; on
// a pipe only the user-visible mode changes, and the kernel's stays set, as
// Flags shows.
func TestSetNonblock(t *testing.T) {
	t.Parallel()
	f := open(t, tempFile(t, ""), fileio.O_RDONLY, 0)
	r, _ := pipe(t)
	tests := []struct {
		name          string
		f             *fileio.File
		kernelWhenOff bool
		kernelWhenOn  bool
	}{
		{"regular file", f, false, true},
		{"pipe", r, true, true},
	}
	kernel := func(t *testing.T, f *fileio.File) bool {
		fl, err := unix.FcntlInt(uintptr(f.Fd()), unix.F_GETFL, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fl&unix.O_NONBLOCK != 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, on := range []bool{true, false, true, false} {
				if err := tt.f.SetNonblock(on); err != nil {
					t.Fatal(err)
				}
				nb, err := tt.f.Nonblock()
				if err != nil || nb != on {
					t.Errorf("Nonblock() after SetNonblock(%v) = %v, %v", on, nb, err)
				}
				wantKernel := tt.kernelWhenOff
				if on {
					wantKernel = tt.kernelWhenOn
				}
				if got := kernel(t, tt.f); got != wantKernel {
					t.Errorf("kernel O_NONBLOCK after SetNonblock(%v) = %v, want %v", on, got, wantKernel)
				}
				// Flags is the kernel's F_GETFL, not the mode callers see.
				fl, err := tt.f.Flags()
				if err != nil || (fl&fileio.O_NONBLOCK != 0) != wantKernel {
					t.Errorf("Flags() after SetNonblock(%v) = %v, %v; want O_NONBLOCK %v as the kernel has it", on, fl, err, wantKernel)
				}
			}
		})
	}
}

func TestNewFile(t *testing.T) {
	t.Parallel()
	if f := fileio.NewFile(-1, "bad"); f != nil {
		t.Errorf("NewFile(-1) = %v, want nil", f)
	}
	// A number that is not an open descriptor.
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	big, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 2000)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	unix.Close(big)
	if f := fileio.NewFile(big, "closed"); f != nil {
		t.Errorf("NewFile of the closed fd %d = %v, want nil", big, f)
	}

	// The user-visible mode is the one the descriptor had.
	for _, nonblock := range []bool{false, true} {
		var p [2]int
		flags := unix.O_CLOEXEC
		if nonblock {
			flags |= unix.O_NONBLOCK
		}
		if err := testkit.Pipe2(p[:], flags); err != nil {
			t.Fatal(err)
		}
		r, w := fileio.NewFile(p[0], "r"), fileio.NewFile(p[1], "w")
		if r.Fd() != p[0] || r.Name() != "r" {
			t.Errorf("Fd, Name = %d, %q; want %d, \"r\"", r.Fd(), r.Name(), p[0])
		}
		nb, err := r.Nonblock()
		if err != nil || nb != nonblock {
			t.Errorf("Nonblock() of a pipe made with O_NONBLOCK=%v: %v, %v", nonblock, nb, err)
		}
		r.Close()
		w.Close()
	}
}

func TestClosedFile(t *testing.T) {
	t.Parallel()
	f, err := fileio.Open(tempFile(t, "data"), fileio.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if fd := f.Fd(); fd != -1 {
		t.Errorf("Fd() after Close = %d, want -1", fd)
	}
	buf := make([]byte, 4)
	calls := []struct {
		op   string
		call func() error
	}{
		{"close", f.Close},
		{"read", func() error { _, err := f.Read(buf); return err }},
		{"read", func() error { _, err := f.Read(nil); return err }},
		{"write", func() error { _, err := f.Write(buf); return err }},
		{"write", func() error { _, err := f.Write(nil); return err }},
		{"pread", func() error { _, err := f.ReadAt(buf, 0); return err }},
		{"pread", func() error { _, err := f.ReadAt(nil, 0); return err }},
		{"pwrite", func() error { _, err := f.WriteAt(buf, 0); return err }},
		{"seek", func() error { _, err := f.Seek(0, io.SeekStart); return err }},
		{"fcntl", func() error { _, err := f.Flags(); return err }},
		{"fcntl", func() error { return f.SetNonblock(true) }},
		{"fcntl", func() error { _, err := f.Nonblock(); return err }},
		{"SyscallConn", func() error { _, err := f.SyscallConn(); return err }},
		{"SetDeadline", func() error { return f.SetDeadline(time.Now()) }},
		{"SetReadDeadline", func() error { return f.SetReadDeadline(time.Now()) }},
		{"SetWriteDeadline", func() error { return f.SetWriteDeadline(time.Now()) }},
	}
	for _, c := range calls {
		err := c.call()
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("%s after Close: %v, want an error wrapping fs.ErrClosed", c.op, err)
			continue
		}
		want := &fs.PathError{Op: c.op, Path: f.Name(), Err: fs.ErrClosed}
		if diff := cmp.Diff(want.Error(), err.Error()); diff != "" {
			t.Errorf("unexpected message (-want +got):\n%s", diff)
		}
	}
}

// After Close the number goes back to the kernel, which gives it to the
// next open. The old File must never touch the new file through it.
func TestClosedFileDoesNotTouchReusedFd(t *testing.T) {
	// Not parallel: another test opening a file between the Close and the
	// Open below would take the number.
	dir := t.TempDir()
	a, err := fileio.Open(filepath.Join(dir, "a"), fileio.O_RDWR|fileio.O_CREAT, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fd := a.Fd()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	bPath := filepath.Join(dir, "b")
	if err := os.WriteFile(bPath, []byte("B's content"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := open(t, bPath, fileio.O_RDWR, 0)
	if b.Fd() != fd {
		t.Skipf("the kernel gave fd %d to B, not A's old %d; cannot test reuse", b.Fd(), fd)
	}
	buf := make([]byte, 32)
	if n, err := a.Read(buf); n != 0 || !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Read through the closed A = %d, %v; want 0, fs.ErrClosed", n, err)
	}
	if n, err := a.Write([]byte("A was here")); n != 0 || !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Write through the closed A = %d, %v; want 0, fs.ErrClosed", n, err)
	}
	if _, err := a.Seek(5, io.SeekStart); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Seek through the closed A: %v, want fs.ErrClosed", err)
	}
	if err := a.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Close of A: %v, want fs.ErrClosed", err)
	}
	// B is open, unmoved and unchanged.
	n, err := b.Read(buf)
	if err != nil || string(buf[:n]) != "B's content" {
		t.Errorf("B reads %q, %v; want \"B's content\"", buf[:n], err)
	}
	got, _ := os.ReadFile(bPath)
	if string(got) != "B's content" {
		t.Errorf("B's file holds %q", got)
	}
}

// A Close from another goroutine returns a Read waiting on an empty pipe
// at once, with the closed error.
func TestCloseWakesRead(t *testing.T) {
	t.Parallel()
	var p [2]int
	if err := testkit.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	r, w := fileio.NewFile(p[0], "r"), fileio.NewFile(p[1], "w")
	defer w.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1))
		errc <- err
	}()
	testkit.WaitParked(t, "TestCloseWakesRead.func1", 1)
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("the waiting Read returned %v, want fs.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting Read did not return within 10 s of Close")
	}
}

// A Read waiting on an empty pipe parks its goroutine, not an OS thread.
func TestParkedReadsUseNoThreads(t *testing.T) {
	// Not parallel: it counts the process's threads.
	const n = 200
	before := testkit.Threads(t)
	type end struct{ r, w *fileio.File }
	ends := make([]end, n)
	for i := range ends {
		ends[i].r, ends[i].w = pipe(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, e := range ends {
		wg.Go(func() {
			b := make([]byte, 1)
			if _, err := e.r.Read(b); err != nil {
				errs <- err
			}
		})
	}
	testkit.WaitParked(t, "TestParkedReadsUseNoThreads", n)
	during := testkit.Threads(t)
	for _, e := range ends {
		if _, err := e.w.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Read: %v", err)
	}
	t.Logf("OS threads: %d before, %d with %d reads waiting", before, during, n)
	if during-before >= n/4 {
		t.Errorf("%d reads waiting on pipes grew the process from %d to %d OS threads", n, before, during)
	}
}

func TestReadDeadline(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	for _, d := range []time.Duration{-time.Second, 20 * time.Millisecond} {
		if err := r.SetReadDeadline(time.Now().Add(d)); err != nil {
			t.Fatal(err)
		}
		n, err := r.Read(make([]byte, 1))
		if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read on an empty pipe past its deadline (%v) = %d, %v; want 0, os.ErrDeadlineExceeded", d, n, err)
		}
	}
	// The zero time lifts it.
	if err := r.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 1)); n != 1 || err != nil {
		t.Errorf("Read after the deadline was cleared = %d, %v", n, err)
	}
	// A write deadline ends a Write into a full pipe with what was written.
	// The buffer comes first, or its allocation can use up the deadline.
	buf := make([]byte, 4<<20)
	if err := w.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	n, err := w.Write(buf)
	if n <= 0 || n >= 4<<20 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write into a full pipe past its deadline = %d, %v; want 0 < n < %d, os.ErrDeadlineExceeded", n, err, 4<<20)
	}
}

func TestDeadlineRegularFile(t *testing.T) {
	t.Parallel()
	f := open(t, tempFile(t, ""), fileio.O_RDONLY, 0)
	if err := f.SetDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
		t.Errorf("SetDeadline on a regular file: %v, want os.ErrNoDeadline", err)
	}
}

func TestNonblockReadEAGAIN(t *testing.T) {
	t.Parallel()
	r, w := pipe(t)
	if err := r.SetNonblock(true); err != nil {
		t.Fatal(err)
	}
	// A safety net only: should the Read wait anyway, the test fails
	// with a deadline error instead of hanging.
	if err := r.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, err := r.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("nonblocking Read of an empty pipe = %d, %v; want 0, EAGAIN", n, err)
	}
	if want := "read pipe-r: resource temporarily unavailable"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	// And it waits again in blocking mode.
	if err := r.SetNonblock(false); err != nil {
		t.Fatal(err)
	}
	if err := r.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	go func() { w.Write([]byte("z")) }()
	b := make([]byte, 1)
	if n, err := r.Read(b); n != 1 || err != nil || b[0] != 'z' {
		t.Errorf("blocking Read = %d, %v, %q", n, err, b)
	}
}

// Concurrent calls of the same kind each get their own result.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	zero := open(t, "/dev/zero", fileio.O_RDONLY, 0)
	path := tempFile(t, "")
	f := open(t, path, fileio.O_RDWR, 0)
	const workers, rounds = 8, 200
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			buf := make([]byte, 1+g*37)
			page := bytes.Repeat([]byte{byte('a' + g)}, 64)
			got := make([]byte, 64)
			for i := 0; i < rounds; i++ {
				if n, err := zero.Read(buf); n != len(buf) || err != nil {
					t.Errorf("Read(%d bytes) of /dev/zero = %d, %v", len(buf), n, err)
					return
				}
				if n, err := f.WriteAt(page, int64(g*64)); n != 64 || err != nil {
					t.Errorf("WriteAt = %d, %v", n, err)
					return
				}
				if n, err := f.ReadAt(got, int64(g*64)); n != 64 || err != nil || !bytes.Equal(got, page) {
					t.Errorf("ReadAt = %d, %v, %q; want %q", n, err, got, page)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSyscallConn(t *testing.T) {
	t.Parallel()
	f := open(t, "/dev/null", fileio.O_RDONLY, 0)
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got int
	if err := rc.Control(func(fd uintptr) { got = int(fd) }); err != nil {
		t.Fatal(err)
	}
	if got != f.Fd() {
		t.Errorf("RawConn.Control saw fd %d, want %d", got, f.Fd())
	}
}

func TestZeroAllocs(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's allocations.
	zero := open(t, "/dev/zero", fileio.O_RDONLY, 0)
	null := open(t, "/dev/null", fileio.O_WRONLY, 0)
	reg := open(t, filepath.Join(t.TempDir(), "f"), fileio.O_RDWR|fileio.O_CREAT, 0o644)
	empty := open(t, tempFile(t, ""), fileio.O_RDONLY, 0)
	r, w := pipe(t)
	buf := make([]byte, 64)
	future := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		f    func()
	}{
		{"Read /dev/zero", func() { zero.Read(buf) }},
		{"Write /dev/null", func() { null.Write(buf) }},
		{"WriteAt", func() { reg.WriteAt(buf, 100) }},
		{"ReadAt", func() { reg.ReadAt(buf, 100) }},
		{"Write+Read pipe", func() { w.Write(buf); r.Read(buf) }},
		{"Read at EOF", func() { empty.Read(buf) }},
		{"Set and clear deadlines", func() {
			if err := r.SetReadDeadline(future); err != nil {
				t.Fatal(err)
			}
			if err := w.SetWriteDeadline(future); err != nil {
				t.Fatal(err)
			}
			if err := r.SetDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
			if err := w.SetDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(200, tt.f); got != 0 {
				t.Errorf("AllocsPerRun = %v, want 0", got)
			}
		})
	}
}

func TestFlagString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		flag fileio.Flag
		want string
	}{
		{fileio.O_RDONLY, "O_RDONLY"},
		{fileio.O_WRONLY, "O_WRONLY"},
		{fileio.O_RDWR, "O_RDWR"},
		{fileio.O_WRONLY | fileio.O_CREAT | fileio.O_TRUNC, "O_WRONLY|O_CREAT|O_TRUNC"},
		{fileio.O_RDONLY | fileio.O_CREAT, "O_RDONLY|O_CREAT"},
		{fileio.O_RDWR | fileio.O_APPEND | fileio.O_EXCL, "O_RDWR|O_APPEND|O_EXCL"},
		{fileio.O_RDONLY | fileio.O_NONBLOCK | fileio.O_CLOEXEC, "O_RDONLY|O_NONBLOCK|O_CLOEXEC"},
		{fileio.O_RDONLY | fileio.O_DIRECTORY | fileio.O_NOFOLLOW, "O_RDONLY|O_NOFOLLOW|O_DIRECTORY"},
		{fileio.O_WRONLY | fileio.O_SYNC, "O_WRONLY|O_SYNC"},
		// Bits without a name here on Linux, Darwin and FreeBSD alike.
		{fileio.O_WRONLY | 0x8000, "O_WRONLY|0x8000"},
		{fileio.O_RDWR | fileio.O_APPEND | 0x40000000, "O_RDWR|O_APPEND|0x40000000"},
		{fileio.O_RDONLY | 0x40008000, "O_RDONLY|0x40008000"},
		{3, "3"}, // O_ACCMODE: no access mode has that value
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.flag.String()); diff != "" {
				t.Errorf("unexpected String() of %#x (-want +got):\n%s", int(tt.flag), diff)
			}
		})
	}
}
