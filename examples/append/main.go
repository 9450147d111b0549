// Command append shows the two open(2) flags of the notes (section 2) that
// no other example uses: O_APPEND ("the offset moves to the end of the
// file before each write") and O_RDWR (read and write on one descriptor).
//
// Two writers open the same file with O_WRONLY|O_APPEND, each on its own
// descriptor (its own open file description and offset), and take turns
// writing a line: with O_APPEND every write lands at the end, after the
// other writer's, where without it the second writer, still at offset 0,
// would overwrite the first one's line. Then one descriptor opened O_RDWR
// writes a last line at its offset (0: it overwrites the start, as the
// notes' O_RDWR without O_APPEND does), seeks back to 0 and reads the whole
// file with the same descriptor.
//
//	go run ./examples/append            # append.txt in the current directory
//	go run ./examples/append /tmp/x.txt # or the path given
//
// Each line printed as a call is the call made and what it returned (the
// strace test of this example checks them).
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/fileio"
)

func main() { cli.Main("append", run) }

const usage = "usage: append [PATH]  (PATH defaults to append.txt; it is created or truncated)"

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("append", usage)
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 1); err != nil {
		return err
	}
	path := "append.txt"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	// Start empty: O_CREAT|O_TRUNC.
	t, err := fileio.Open(path, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	tfd := t.Fd()
	fmt.Fprintf(stdout, "open(%q, O_WRONLY|O_CREAT|O_TRUNC, 0644) = %d\n", path, tfd)
	fmt.Fprintln(stdout, "(Go: each open here is openat(AT_FDCWD, ...) with O_CLOEXEC added)")
	if note := cli.RuntimeFDs(tfd); note != "" {
		fmt.Fprintln(stdout, note)
	}
	if err := t.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "close(%d) = 0\n", tfd)

	// Two writers, each its own descriptor and offset.
	var w [2]*fileio.File
	for i := range w {
		f, err := fileio.Open(path, fileio.O_WRONLY|fileio.O_APPEND, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		w[i] = f
		fmt.Fprintf(stdout, "open(%q, O_WRONLY|O_APPEND) = %d   (writer %c)\n", path, f.Fd(), 'A'+i)
	}
	for round := 1; round <= 2; round++ {
		for i, f := range w {
			line := fmt.Sprintf("writer %c, line %d\n", 'A'+i, round)
			n, err := f.Write([]byte(line))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "write(%d, %q, %d) = %d\n", f.Fd(), line, len(line), n)
		}
	}
	for _, f := range w {
		fd := f.Fd()
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "close(%d) = 0\n", fd)
	}

	// One descriptor for both: O_RDWR, offset 0.
	rw, err := fileio.Open(path, fileio.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer rw.Close()
	fd := rw.Fd()
	fmt.Fprintf(stdout, "open(%q, O_RDWR) = %d\n", path, fd)
	head := "rdwr, overwrote!\n" // 17 bytes: replaces the first line exactly
	n, err := rw.Write([]byte(head))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "write(%d, %q, %d) = %d   (at offset 0)\n", fd, head, len(head), n)
	off, err := rw.Seek(0, io.SeekStart)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lseek(%d, 0, SEEK_SET) = %d\n", fd, off)
	buf := make([]byte, 4096)
	n, err = rw.Read(buf)
	if err != nil && err != io.EOF {
		return err
	}
	fmt.Fprintf(stdout, "read(%d, buf, %d) = %d\n", fd, len(buf), n)
	fmt.Fprintf(stdout, "(Go: the %d bytes read:)\n%s", n, buf[:n])
	if err := rw.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "close(%d) = 0\n", fd)
	return nil
}
