// Command unixecho shows a unix-domain datagram server answering each
// client at its own path: the server binds a path, each client binds one
// too (an unbound client has no address to be answered at), and the
// server's recvfrom(2) says which path sent the datagram, so its
// sendto(2) can reply there.
//
// Everything runs in one process, in -dir (a new temporary directory by
// default), with -clients clients taking turns:
//
//	go run ./examples/unixecho
//	go run ./examples/unixecho -clients 5
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/sock"
)

func main() { cli.Main("unixecho", run) }

const usage = "usage: unixecho [-dir DIR] [-clients N]  (N in [1, 100])"

func run(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	fs := cli.New("unixecho", usage)
	dir := fs.String("dir", "", "directory for the socket files (default: a new temporary one)")
	clients := fs.Int("clients", 3, "how many clients")
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	if *clients < 1 || *clients > 100 {
		return fs.Errorf("-clients %d outside [1, 100]", *clients)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "unixecho")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}

	srv, err := sock.New(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer srv.Close()
	srvPath := filepath.Join(*dir, "server.sock")
	if err := srv.Bind(sock.UnixAddr(srvPath)); err != nil {
		return err
	}
	defer os.Remove(srvPath)
	fmt.Fprintf(stdout, "server: socket(AF_UNIX, SOCK_DGRAM), bind %s\n", srvPath)

	buf := make([]byte, 512)
	for i := 1; i <= *clients; i++ {
		c, err := sock.New(sock.AF_UNIX, sock.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		defer c.Close()
		path := filepath.Join(*dir, "client-"+strconv.Itoa(i)+".sock")
		if err := c.Bind(sock.UnixAddr(path)); err != nil {
			return err
		}
		defer os.Remove(path)
		msg := "hello from client " + strconv.Itoa(i)
		if _, err := c.SendTo([]byte(msg), 0, sock.UnixAddr(srvPath)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client %d: bind %s, sendto %s: %q\n", i, path, srvPath, msg)

		n, from, err := srv.RecvFrom(buf, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server: recvfrom = %d bytes from %s: %q\n", n, from, buf[:n])
		reply := bytes.ToUpper(buf[:n])
		if _, err := srv.SendTo(reply, 0, from); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "server: sendto %s: %q\n", from, reply)

		n, from, err = c.RecvFrom(buf, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "client %d: recvfrom = %d bytes from %s: %q\n", i, n, from, buf[:n])
	}
	fmt.Fprintln(stdout, "(Go: RecvFrom returns a sock.Addr holding the sender's path, which SendTo takes back as is)")
	return nil
}
