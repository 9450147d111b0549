// Command write is the write(2) flow of the notes (section 4): open foo.txt
// with O_WRONLY|O_CREAT|O_TRUNC and mode 0644, write "hello geeks\n" and
// print what write returned:
//
//	called write(3, "hello geeks\n", 12). It returned 12
//
//	go run ./examples/write            # foo.txt in the current directory
//	go run ./examples/write /tmp/x.txt # or the path given
//
// Write writes all of its buffer or returns an error, so "It returned" is 12
// unless the program fails (error on standard error, exit status 1).
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
		fmt.Fprintln(os.Stderr, "write:", err)
		os.Exit(1)
	}
}

// run creates or truncates the path in args (default foo.txt), writes
// "hello geeks\n" to it and prints the C program's line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	path, err := pathArg(args)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// int fd = open("foo.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	f, err := fileio.Open(path, fileio.O_WRONLY|fileio.O_CREAT|fileio.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	// sz = write(fd, "hello geeks\n", strlen("hello geeks\n"));
	msg := "hello geeks\n"
	sz, err := f.Write([]byte(msg))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "called write(%d, \"hello geeks\\n\", %d). It returned %d\n", f.Fd(), len(msg), sz)
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
	return "", fmt.Errorf("usage: write [path] (default foo.txt), got %d arguments", len(args))
}
