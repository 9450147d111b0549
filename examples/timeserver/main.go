// Command timeserver is the smallest TCP server of the notes' flow (section
// 10): getaddrinfo with AI_PASSIVE, socket, bind, listen, then a loop that
// accepts one client, reads its request, sends the local time as an HTTP/1.1
// response that a browser or curl accepts, and closes the connection.
//
// Run it, then open http://127.0.0.1:8080/ in a browser, or:
//
//	go run ./examples/timeserver -addr 127.0.0.1:8080
//	curl -i http://127.0.0.1:8080/
//
// By default it answers once the request's blank line has arrived, as HTTP
// wants. With -raw it answers as the textbook's time_server does: after
// the first recv, whatever it brought (so that a client that sends "hello"
// and waits gets the time), with the textbook's response and no
// Content-Length.
//
// It prints time_server's lines in its order ("Waiting for connection...",
// "Client is connected... HOST", "Received N bytes.", "Sent N of M
// bytes.", ...), each count what the call returned; lines starting "(Go: "
// are its own, such as the address it listens on ("-addr :0" picks a free
// port). The C program serves one client and stops; this one serves one
// at a time until Ctrl-C, then prints the C program's last two lines. A
// client that sends nothing is given up after -timeout so that it cannot
// hold the server forever.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "timeserver:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: timeserver [-addr HOST:PORT] [-timeout DURATION] [-raw]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

// maxRequest bounds what is read of a request: only its end matters here.
const maxRequest = 8 << 10

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("timeserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", ":8080", "HOST:PORT to listen on; port 0 picks a free port")
	timeout := fs.Duration("timeout", 5*time.Second, "how long a client has to send its request")
	raw := fs.Bool("raw", false, "answer as soon as any bytes arrive, with the textbook's response (default: wait for the HTTP request's blank line)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError(err.Error())
	}
	if fs.NArg() != 0 {
		return usageError("unexpected argument " + fs.Arg(0))
	}
	if *timeout <= 0 {
		return usageError("-timeout must be positive")
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError(err.Error())
	}

	if n, err := strconv.Atoi(port); err == nil && (n < 0 || n > 65535) {
		return usageError(fmt.Sprintf("-addr port %s outside [0, 65535] (0 picks a free port)", port))
	}

	ln, err := listen(ctx, host, port, stdout)
	if err != nil {
		return err
	}
	defer ln.Close()
	local, err := ln.LocalAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "(Go: listening on %s)\n", local)
	defer func() {
		fmt.Fprintln(stdout, "Closing listening socket...")
		ln.Close()
		fmt.Fprintln(stdout, "Finished.")
	}()
	logger := log.New(stderr, "timeserver: ", 0)

	// accept and recv wait, parking the goroutine. Cancelling ctx wakes
	// whichever is waiting by setting a deadline in the past.
	var mu sync.Mutex
	var client *sock.Socket
	defer context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		ln.SetDeadline(time.Unix(1, 0))
		if client != nil {
			client.SetDeadline(time.Unix(1, 0))
		}
	})()

	for {
		fmt.Fprintln(stdout, "Waiting for connection...")
		c, peer, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil // stopped: not an error
			}
			if !outOfResources(err) {
				return err
			}
			// Out of descriptors or memory: the client stays in the
			// backlog. Wait a little instead of failing again at once.
			logger.Printf("%v; pausing 100ms", err)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		mu.Lock()
		client = c
		if ctx.Err() != nil {
			c.SetDeadline(time.Unix(1, 0))
		} else {
			c.SetDeadline(time.Now().Add(*timeout))
		}
		mu.Unlock()

		// getnameinfo(NI_NUMERICHOST)
		fmt.Fprintf(stdout, "Client is connected... %s\n", peer.AddrPort().Addr().Unmap())
		serve := serveHTTP
		if *raw {
			serve = serveRaw
		}
		if err := serve(c, stdout); err != nil && ctx.Err() == nil {
			logger.Printf("%s: %v", peer, err)
		}

		mu.Lock()
		client = nil
		mu.Unlock()
		fmt.Fprintln(stdout, "Closing connection...")
		c.Close()
		if ctx.Err() != nil {
			return nil
		}
	}
}

// outOfResources reports whether accept failed for want of descriptors or
// memory, which passes when clients leave.
func outOfResources(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) ||
		errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM)
}

// listen is getaddrinfo with AI_PASSIVE, then socket, bind and listen on
// the first address that works.
func listen(ctx context.Context, host, port string, stdout io.Writer) (*sock.Socket, error) {
	fmt.Fprintln(stdout, "Configuring local address...")
	hints := &addrinfo.Hints{Flags: addrinfo.AI_PASSIVE, SockType: sock.SOCK_STREAM}
	infos, err := addrinfo.Lookup(ctx, host, port, hints)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ai := range infos {
		fmt.Fprintln(stdout, "Creating socket...")
		s, err := ai.Socket()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := listenOn(s, ai.Addr, stdout); err != nil {
			s.Close()
			errs = append(errs, err)
			continue
		}
		return s, nil
	}
	return nil, errors.Join(errs...)
}

func listenOn(s *sock.Socket, addr netip.AddrPort, stdout io.Writer) error {
	if err := s.SetReuseAddr(true); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "(Go: setsockopt(SO_REUSEADDR, 1): a restart need not wait out TIME_WAIT)")
	fmt.Fprintln(stdout, "Binding socket to local address...")
	if err := s.Bind(sock.InetAddr(addr)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Listening...")
	return s.Listen(10)
}

// serveHTTP reads the request up to its blank line and sends the time as
// an HTTP/1.1 response a browser or curl accepts.
func serveHTTP(c *sock.Socket, stdout io.Writer) error {
	fmt.Fprintln(stdout, "Reading request...")
	req := make([]byte, 0, 1024)
	buf := make([]byte, 1024)
	for !bytes.Contains(req, []byte("\r\n\r\n")) && !bytes.Contains(req, []byte("\n\n")) {
		if len(req) >= maxRequest {
			return fmt.Errorf("request longer than %d bytes", maxRequest)
		}
		n, err := c.Recv(buf, 0)
		if err == io.EOF {
			fmt.Fprintf(stdout, "Received %d bytes.\n", 0)
			break // a client that half-closed after its request still gets the answer
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Received %d bytes.\n", n)
		req = append(req, buf[:n]...)
	}
	fmt.Fprintln(stdout, "Sending response...")
	body := "Local time is: " + time.Now().Format(time.ANSIC) + "\n"
	resp := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
		"Connection: close\r\n" +
		"\r\n" + body
	n, err := c.Write([]byte(resp))
	// Write sends all of it, in as many send(2) calls as it takes.
	fmt.Fprintf(stdout, "Sent %d of %d bytes.\n", n, len(resp))
	return err
}

// serveRaw is the textbook's server: one recv, whatever it brings, then
// the response header and the time in two sends, no Content-Length (the
// close ends the body).
func serveRaw(c *sock.Socket, stdout io.Writer) error {
	fmt.Fprintln(stdout, "Reading request...")
	request := make([]byte, 1024)
	n, err := c.Recv(request, 0)
	if err != nil && err != io.EOF {
		return err
	}
	fmt.Fprintf(stdout, "Received %d bytes.\n", n)
	fmt.Fprintln(stdout, "Sending response...")
	for _, msg := range []string{
		"HTTP/1.1 200 OK\r\n" +
			"Connection: close\r\n" +
			"Content-Type: text/plain\r\n\r\n" +
			"Local time is: ",
		time.Now().Format(time.ANSIC) + "\n", // ctime(3)'s format
	} {
		n, err := c.Send([]byte(msg), 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Sent %d of %d bytes.\n", n, len(msg))
	}
	return nil
}
