// Package cli is the command line every example shares: the standard flag
// package; -h and --help print the usage line and the flags on standard
// output and exit 0; a usage error (an unknown flag, a bad value, a wrong
// number of arguments) prints the error and the usage line on standard
// error and exits 2; any other failure exits 1.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// UsageError is a bad command line: exit status 2.
type UsageError struct {
	Msg   string
	Usage string
}

func (e *UsageError) Error() string { return e.Msg + " (" + e.Usage + ")" }

// IsUsage reports whether err is a usage error.
func IsUsage(err error) bool { return errors.As(err, new(*UsageError)) }

// FlagSet is a flag.FlagSet that knows its usage line.
type FlagSet struct {
	*flag.FlagSet
	usage string
}

// New returns the flag set of the example name; usage is its usage line,
// positional arguments included ("usage: write [PATH]").
func New(name, usage string) *FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &FlagSet{FlagSet: fs, usage: usage}
}

// Parse parses args. On -h or --help it prints the usage line and the
// flags to stdout and returns flag.ErrHelp; a bad flag is a *UsageError.
func (f *FlagSet) Parse(args []string, stdout io.Writer) error {
	err := f.FlagSet.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, f.usage)
		f.SetOutput(stdout)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
		return err
	}
	if err != nil {
		return f.Errorf("%v", err)
	}
	return nil
}

// NArgs checks that the number of positional arguments is in [min, max].
func (f *FlagSet) NArgs(min, max int) error {
	n := f.NArg()
	switch {
	case n < min && min == max:
		return f.Errorf("want %d arguments, got %d", min, n)
	case n < min:
		return f.Errorf("want at least %d arguments, got %d", min, n)
	case n > max && max == 0:
		return f.Errorf("unexpected argument %q", f.Arg(0))
	case n > max:
		return f.Errorf("unexpected argument %q", f.Arg(max))
	}
	return nil
}

// Errorf returns a *UsageError with the formatted message.
func (f *FlagSet) Errorf(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...), Usage: f.usage}
}

// Port parses a port number in [1, 65535]. C's atoi and htons would wrap
// 65536 to 0 and 70000 to 4464 without a word; getaddrinfo does the same
// with a numeric service. what names the argument in the error.
func (f *FlagSet) Port(what, s string) (uint16, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, f.Errorf("%s %q is not a port number in [1, 65535]", what, s)
	}
	return uint16(n), nil
}

// RunFunc is the signature of every example's run function.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

// Main runs run with the process's arguments and standard files, its
// context cancelled by SIGINT or SIGTERM, and exits: 0 on success or after
// -h, 2 after a usage error, 1 after any other error (printed on standard
// error after "name: ").
func Main(name string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	if IsUsage(err) {
		os.Exit(2)
	}
	os.Exit(1)
}

// RuntimeFDs says, in a line of its own, which descriptors below fd this
// process already held when the kernel gave it fd, when there are any
// above standard error: a C program's first open gives 3, a Go program's
// may give more, since the runtime keeps descriptors of its own (its
// epoll instance and wake-up descriptor, and since Go 1.25 the cgroup
// files it reads to size GOMAXPROCS). It returns "" when fd is 3 or less.
func RuntimeFDs(fd int) string {
	var held []string
	for n := 3; n < fd; n++ {
		if _, err := unix.FcntlInt(uintptr(n), unix.F_GETFD, 0); err != nil {
			continue
		}
		if target, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", n)); err == nil {
			held = append(held, fmt.Sprintf("%d %s", n, target))
		} else {
			held = append(held, strconv.Itoa(n))
		}
	}
	if len(held) == 0 {
		return ""
	}
	return fmt.Sprintf("(Go: the lowest free descriptor was %d, not 3: this process already held %s)", fd, strings.Join(held, ", "))
}
