// Command lookup shows the address look-up flow of the notes: it resolves
// the host name given on the command line with getaddrinfo (AI_ALL, any
// family) and prints each address it gets back, turned into text by
// getnameinfo with NI_NUMERICHOST.
//
// Run it with:
//
//	go run ./examples/lookup example.com
//	go run ./examples/lookup            # looks up localhost
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lookup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	host := "localhost"
	switch len(args) {
	case 0:
	case 1:
		host = args[0]
	default:
		return fmt.Errorf("usage: lookup [hostname]")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	fmt.Fprintf(stdout, "Resolving hostname '%s'\n", host)
	// One entry per address: SOCK_STREAM keeps the socket types from
	// repeating each address three times.
	infos, err := addrinfo.Lookup(ctx, host, "", &addrinfo.Hints{Flags: addrinfo.AI_ALL, SockType: sock.SOCK_STREAM})
	if err != nil {
		return err
	}
	for _, info := range infos {
		name, _, err := addrinfo.NameInfo(ctx, info.Addr, addrinfo.NI_NUMERICHOST)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\t%s\n", name)
	}
	return nil
}
