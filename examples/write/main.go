// Command write is the write(2) flow of the notes (section 4): open foo.txt
// with O_WRONLY|O_CREAT|O_TRUNC and mode 0644, write "hello geeks\n" and
// print what write returned:
//
//	called write( 3, "hello geeks\n", 12). It returned 12
//
//	go run ./examples/write            # foo.txt in the current directory
//	go run ./examples/write /tmp/x.txt # or the path given
//
// Write writes all of its buffer or returns an error, so "It returned" is 12
// unless the program fails (error on standard error, exit status 1).
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

func main() { cli.Main("write", run) }

const usage = "usage: write [PATH]  (PATH defaults to foo.txt)"

// run creates or truncates the path in args (default foo.txt), writes
// "hello geeks\n" to it and prints the C program's line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("write", usage)
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
	// The C program's format string, as it is: "% d" puts a space before
	// a number that is not negative, in Go as in C.
	fmt.Fprintf(stdout, "called write(% d, \"hello geeks\\n\", %d)."+
		" It returned %d\n", f.Fd(), len(msg), sz)
	if note := cli.RuntimeFDs(f.Fd()); note != "" {
		fmt.Fprintln(stdout, note)
	}
	return f.Close()
}
