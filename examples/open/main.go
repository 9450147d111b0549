// Command open is the open(2) flow of the notes (section 2): open foo.txt
// with O_RDONLY|O_CREAT, creating it when it is missing, and print the
// descriptor the kernel returned. On failure it prints, as the C program
// does, "fd = -1" and the errno ("Error Number  2", the C format's "% d"
// space included), and the error text on
// standard error as perror(3) would, and exits with status 1.
//
//	go run ./examples/open            # foo.txt in the current directory
//	go run ./examples/open /tmp/x.txt # or the path given
//
// The file is created with mode 0644 (masked by the umask): the C program
// passes no mode, which leaves it undefined. The number is the lowest the
// kernel had free: the C program prints fd = 3, a Go program may print more,
// since the runtime can hold descriptors of its own (since Go 1.25 it keeps
// the cgroup CPU-limit files open to size GOMAXPROCS, on cgroup v1 3 and 4);
// a line starting "(Go: " then says which descriptors the process held.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

func main() { cli.Main("open", run) }

const usage = "usage: open [PATH]  (PATH defaults to foo.txt)"

// run opens the path in args (default foo.txt) with O_RDONLY|O_CREAT and
// prints "fd = N". It returns the open error after printing the C
// program's failure lines.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("open", usage)
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 1); err != nil {
		return err
	}
	path := "foo.txt"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// int fd = open("foo.txt", O_RDONLY | O_CREAT);
	f, err := fileio.Open(path, fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	if err != nil {
		// printf("fd = %d\n", fd); printf("Error Number % d\n", errno);
		fmt.Fprintf(stdout, "fd = %d\n", -1)
		var errno unix.Errno
		if errors.As(err, &errno) {
			fmt.Fprintf(stdout, "Error Number % d\n", int(errno))
		}
		return err
	}
	fmt.Fprintf(stdout, "fd = %d\n", f.Fd())
	if note := cli.RuntimeFDs(f.Fd()); note != "" {
		fmt.Fprintln(stdout, note)
	}
	return f.Close()
}
