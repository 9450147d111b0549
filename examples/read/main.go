// Command read is the read(2) flow of the notes (section 3): open foo.txt
// read-only, read up to 10 bytes into a buffer and print how many were read
// and what they are:
//
//	called read(3, c, 10). returned that 10 bytes were read.
//	Those bytes are as follows: hello geek
//
// Run it after the write example has filled foo.txt:
//
//	go run ./examples/write && go run ./examples/read
//	go run ./examples/read /tmp/x.txt # or the path given
//
// At end of file read(2) returns 0, which Go's Read reports as 0, io.EOF:
// the program prints "0 bytes were read" as the C one does. A missing file is
// an error on standard error and exit status 1 (the C program's perror).
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
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
}

// run opens the path in args (default foo.txt) read-only, reads up to 10
// bytes and prints the C program's two lines.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	path, err := pathArg(args)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// fd = open("foo.txt", O_RDONLY);
	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	// sz = read(fd, c, 10);
	c := make([]byte, 10)
	sz, err := f.Read(c)
	if err != nil && err != io.EOF {
		return err
	}
	fmt.Fprintf(stdout, "called read(%d, c, 10). returned that %d bytes were read.\n", f.Fd(), sz)
	fmt.Fprintf(stdout, "Those bytes are as follows: %s\n", c[:sz])
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
	return "", fmt.Errorf("usage: read [path] (default foo.txt), got %d arguments", len(args))
}
