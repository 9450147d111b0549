// Command open is the open(2) flow of the notes (section 2): open foo.txt
// with O_RDONLY|O_CREAT, creating it when it is missing, and print the
// descriptor the kernel returned. On failure it prints, as the C program
// does, "fd = -1" and the errno ("Error Number 2"), and the error text on
// standard error as perror(3) would, and exits with status 1.
//
//	go run ./examples/open            # foo.txt in the current directory
//	go run ./examples/open /tmp/x.txt # or the path given
//
// The file is created with mode 0644 (masked by the umask): the C program
// passes no mode, which leaves it undefined. The number is the lowest the
// kernel had free: the C program prints fd = 3, a Go program may print more,
// since the runtime can hold descriptors of its own (since Go 1.25 it keeps
// the cgroup CPU-limit files open to size GOMAXPROCS, on cgroup v1 3 and 4).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/posixkit/posixkit/fileio"
	"golang.org/x/sys/unix"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
}

// run opens the path in args (default foo.txt) with O_RDONLY|O_CREAT and
// prints "fd = N". It returns the open error after printing the C
// program's failure lines.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	path, err := pathArg(args)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// int fd = open("foo.txt", O_RDONLY | O_CREAT);
	f, err := fileio.Open(path, fileio.O_RDONLY|fileio.O_CREAT, 0o644)
	if err != nil {
		// printf("fd = %d\n", fd); printf("Error Number %d\n", errno);
		fmt.Fprintln(stdout, "fd = -1")
		var errno unix.Errno
		if errors.As(err, &errno) {
			fmt.Fprintf(stdout, "Error Number %d\n", int(errno))
		}
		return err
	}
	fmt.Fprintf(stdout, "fd = %d\n", f.Fd())
	return f.Close()
}

// pathArg returns the optional path argument, foo.txt by default.
func pathArg(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "foo.txt", nil
	case 1:
		return args[0], nil
	}
	return "", fmt.Errorf("usage: open [path] (default foo.txt), got %d arguments", len(args))
}
