// Command read is the read(2) flow of the notes (section 3): open foo.txt
// read-only, read up to 10 bytes into a buffer and print how many were read
// and what they are:
//
//	called read( 3, c, 10). returned that 10 bytes were read.
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
// The lines are the C program's printf format strings, "% d" (a space
// before the number) included. The descriptor printed is the one the kernel
// gave (3 in the C program's output); when a Go program gets a higher one,
// a line starting "(Go: " says which descriptors the process already held.
package main

import (
	"context"
	"fmt"
	"io"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/fileio"
)

func main() { cli.Main("read", run) }

const usage = "usage: read [PATH]  (PATH defaults to foo.txt)"

// run opens the path in args (default foo.txt) read-only, reads up to 10
// bytes and prints the C program's two lines.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("read", usage)
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
	// The C program's format strings, as they are: "% d" puts a space
	// before a number that is not negative, in Go as in C.
	fmt.Fprintf(stdout, "called read(% d, c, 10). returned that"+
		" %d bytes were read.\n", f.Fd(), sz)
	fmt.Fprintf(stdout, "Those bytes are as follows: % s\n", c[:sz])
	if note := cli.RuntimeFDs(f.Fd()); note != "" {
		fmt.Fprintln(stdout, note)
	}
	return f.Close()
}
