// Command close is the close(2) flow of the notes (section 5): open foo.txt
// read-only, print the descriptor, close it and say so:
//
//	opened the fd =  3
//	closed the fd.
//
//	go run ./examples/write && go run ./examples/close
//	go run ./examples/close /tmp/x.txt # or the path given
//
// foo.txt must exist (the write or open example creates it); a failure is
// an error on standard error and exit status 1, as the C program's perror
// and exit(1).
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

func main() { cli.Main("close", run) }

const usage = "usage: close [PATH]  (PATH defaults to foo.txt)"

// run opens the path in args (default foo.txt) read-only, prints its
// descriptor, closes it and prints the C program's second line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("close", usage)
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
	// int fd1 = open("foo.txt", O_RDONLY);
	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "opened the fd = % d\n", f.Fd())
	if note := cli.RuntimeFDs(f.Fd()); note != "" {
		fmt.Fprintln(stdout, note)
	}
	// if (close(fd1) < 0) { perror("c1"); exit(1); }
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "closed the fd.")
	return nil
}
