// Command close is the close(2) flow of the notes (section 5): open foo.txt
// read-only, print the descriptor, close it and say so:
//
//	opened the fd = 3
//	closed the fd.
//
//	go run ./examples/write && go run ./examples/close
//	go run ./examples/close /tmp/x.txt # or the path given
//
// foo.txt must exist (the write or open example creates it); a failure is
// an error on standard error and exit status 1, as the C program's perror
// and exit(1).
//
// The descriptor printed is the one the kernel gave (3 in the C program's
// output; a Go program may get a higher number, see examples/open).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/posixkit/posixkit/fileio"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "close:", err)
		os.Exit(1)
	}
}

// run opens the path in args (default foo.txt) read-only, prints its
// descriptor, closes it and prints the C program's second line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	path, err := pathArg(args)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// int fd1 = open("foo.txt", O_RDONLY);
	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "opened the fd = %d\n", f.Fd())
	// if (close(fd1) < 0) { perror("c1"); exit(1); }
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "closed the fd.")
	return nil
}

// pathArg returns the optional path argument, foo.txt by default.
func pathArg(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "foo.txt", nil
	case 1:
		return args[0], nil
	}
	return "", fmt.Errorf("usage: close [path] (default foo.txt), got %d arguments", len(args))
}
