// Command tcpserver is the TCP server flow of the notes (section 10) with
// many clients at once: getaddrinfo with AI_PASSIVE, socket, setsockopt
// SO_REUSEADDR, bind, listen, then one select(2) loop over the listening
// socket and every client, which sends back in upper case whatever each
// client sends.
//
// Run it in one terminal and talk to it from another:
//
//	go run ./examples/tcpserver -addr 127.0.0.1:8080
//	go run ./examples/tcpclient 127.0.0.1 8080        (or: nc 127.0.0.1 8080)
//
// It prints tcp_serve_toupper's lines in its order ("Configuring local
// address...", ..., "New connection from HOST" per client, "Closing
// listening socket...", "Finished." when Ctrl-C stops it); lines starting
// "(Go: " are its own: the address it listens on ("-addr :0" picks a free
// port), and per client its descriptor, what each recv returned and its
// close. -q leaves out the lines per client. Log lines go to stderr.
//
// What the textbook version leaves out and this one does not:
//   - Every socket is in nonblocking mode (SetNonblock), so
//     one client can never stall the loop: a client that sends nothing is
//     simply not ready, and replies a client does not read wait in a
//     per-client output buffer, watched for writability. A client whose
//     buffer grows past 64 KiB is dropped, and so is a client that neither
//     sends nor takes its replies for a minute (-idle): otherwise idle
//     connections could hold every descriptor select can watch.
//   - A client that vanishes (ECONNRESET, EPIPE) is dropped with a log line;
//     one that half-closes still gets its pending replies, then is closed.
//   - At capacity the server keeps taking new clients: when the next
//     descriptor would be at or above FD_SETSIZE (select's limit) or there
//     is none, it evicts the client with the lowest average receive rate
//     (bytes received since it was accepted, per second), among those
//     connected for a second or more, and logs it. A slowloris holding
//     every slot with a byte a second (which resets no idle timer that
//     counts bytes) is evicted before a client that talks.
//   - select(2) only handles descriptors below FD_SETSIZE. A client whose
//     descriptor is still at or above it is closed at once; when accept fails
//     with EMFILE or ENFILE the server frees a reserve descriptor, accepts
//     and closes the waiting client, and takes the reserve back (the cure
//     for the accept loop that spins on EMFILE). Both are logged once per
//     episode; the clients already connected keep being served.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/poll"
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
		fmt.Fprintln(os.Stderr, "tcpserver:", err)
		if errors.As(err, new(usageError)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

const usage = "usage: tcpserver [-addr HOST:PORT] [-idle DURATION] [-q]"

// usageError is a bad command line: exit status 2.
type usageError string

func (e usageError) Error() string { return string(e) + " (" + usage + ")" }

const (
	pollInterval = 100 * time.Millisecond // how often the loop checks ctx
	maxPending   = 64 << 10               // output buffered for one client before it is dropped
	backlog      = 1024                   // listen(2) backlog (the kernel caps it at somaxconn)
)

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tcpserver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", ":8080", "HOST:PORT to listen on; port 0 picks a free port")
	idle := fs.Duration("idle", 60*time.Second, "drop a client that neither sends nor takes replies for this long (> 0)")
	quiet := fs.Bool("q", false, "quiet: no line per client (New connection from ..., bytes received, closed)")
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
	if *idle <= 0 {
		return usageError(fmt.Sprintf("-idle %v is not positive", *idle))
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
	fmt.Fprintln(stdout, "Waiting for connections...")

	srv := &server{
		ln:      ln,
		log:     log.New(stderr, "tcpserver: ", 0),
		clients: make(map[int]*client),
		buf:     make([]byte, 4096),
		idle:    *idle,
		quiet:   *quiet,
		stdout:  stdout,
	}
	// The reserve descriptor is given up when accept fails with EMFILE, so
	// that the waiting client can be accepted and closed. Without it the
	// server still works, and backs off instead.
	srv.reserve, _ = fileio.Open(os.DevNull, fileio.O_RDONLY, 0)
	err = srv.serve(ctx)
	srv.closeAll()
	fmt.Fprintln(stdout, "Closing listening socket...")
	if cerr := ln.Close(); err == nil {
		err = cerr
	}
	fmt.Fprintln(stdout, "Finished.")
	return err
}

// listen is the server half of the notes' TCP flow: getaddrinfo with
// AI_PASSIVE, then socket, bind and listen on the first address that works.
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
		s, err := ai.Socket() // socket(ai_family, ai_socktype, ai_protocol)
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
	if err := s.SetReuseAddr(true); err != nil { // restart without waiting out TIME_WAIT
		return err
	}
	fmt.Fprintln(stdout, "(Go: setsockopt(SO_REUSEADDR, 1): a restart need not wait out TIME_WAIT)")
	fmt.Fprintln(stdout, "Binding socket to local address...")
	if err := s.Bind(sock.InetAddr(addr)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Listening...")
	if err := s.Listen(backlog); err != nil {
		return err
	}
	// Accept must return EAGAIN, not wait, when select was wrong about
	// readiness (a client that reset before we got to it).
	return s.SetNonblock(true)
}

// client is one accepted connection.
type client struct {
	s       *sock.Socket
	fd      int
	peer    netip.AddrPort
	out     []byte    // upper-cased bytes the client has not taken yet
	readEOF bool      // the client shut down its writing side
	last    time.Time // last time the client sent or took bytes

	accepted time.Time // when it was accepted
	received int64     // bytes received from it in all
}

type server struct {
	ln      *sock.Socket
	log     *log.Logger
	clients map[int]*client
	buf     []byte
	idle    time.Duration // -idle: how long a client may neither send nor take replies
	quiet   bool          // -q: no line per client
	stdout  io.Writer

	reserve     *fileio.File // given up to accept-and-close a client on EMFILE
	refusing    bool         // a refusal was logged and no accept has worked since
	acceptAfter time.Time    // back-off: do not watch the listener before this
	backoff     time.Duration
}

// serve is the select loop: it returns nil when ctx is cancelled.
func (s *server) serve(ctx context.Context) error {
	lfd := s.ln.Fd()
	var rset, wset poll.FDSet
	for ctx.Err() == nil {
		rset.Zero()
		wset.Zero()
		maxfd := -1
		if time.Now().After(s.acceptAfter) {
			if err := rset.Set(lfd); err != nil {
				return err
			}
			maxfd = lfd
		}
		for fd, c := range s.clients {
			if !c.readEOF {
				rset.Set(fd) // below FD_SETSIZE: checked at accept
			}
			if len(c.out) > 0 {
				wset.Set(fd)
			}
			maxfd = max(maxfd, fd)
		}
		n, err := poll.Select(maxfd+1, &rset, &wset, nil, pollInterval)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, c := range s.clients {
			if now.Sub(c.last) > s.idle {
				s.drop(c, "idle for "+s.idle.String())
			}
		}
		if n == 0 {
			continue
		}
		if rset.IsSet(lfd) {
			s.accept()
		}
		for _, fd := range slices.Sorted(maps.Keys(s.clients)) {
			c := s.clients[fd]
			if c == nil {
				continue
			}
			if wset.IsSet(fd) && !s.flush(c) {
				continue
			}
			if rset.IsSet(fd) {
				s.read(c)
			}
		}
	}
	return nil
}

// accept takes the clients waiting in the backlog, a bounded number per
// turn of the loop so that the connected clients keep their share.
func (s *server) accept() {
	for range 64 {
		if !s.makeRoom() {
			s.logRefusal(fmt.Sprintf("full, and every client connected less than %v ago", evictAge))
		}
		cs, peer, err := s.ln.Accept()
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.ECONNABORTED), errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE),
			errors.Is(err, unix.ENOBUFS), errors.Is(err, unix.ENOMEM):
			s.refuseOutOfFDs(err)
			return
		default:
			s.log.Printf("accept: %v", err)
			s.pause()
			return
		}
		fd := cs.Fd()
		if fd >= poll.FD_SETSIZE {
			// select(2) cannot watch it: refuse this client politely.
			cs.Close()
			s.logRefusal(fmt.Sprintf("descriptor %d is at or above FD_SETSIZE (%d)", fd, poll.FD_SETSIZE))
			continue
		}
		if err := cs.SetNonblock(true); err != nil {
			s.log.Printf("%s: %v; dropped", peer, err)
			cs.Close()
			continue
		}
		s.refusing = false
		s.backoff = 0
		now := time.Now()
		s.clients[fd] = &client{s: cs, fd: fd, peer: peer.AddrPort(), last: now, accepted: now}
		if !s.quiet {
			// getnameinfo(NI_NUMERICHOST); printf("New connection from %s\n", ...)
			fmt.Fprintf(s.stdout, "New connection from %s\n", peer.AddrPort().Addr().Unmap())
			fmt.Fprintf(s.stdout, "(Go: %s is fd %d)\n", peer, fd)
		}
	}
}

// evictAge is how long a client is connected before it can be evicted:
// its rate means something only then.
const evictAge = time.Second

// makeRoom keeps the next client servable when the server is full: when the
// descriptor the kernel would give next is at or above FD_SETSIZE (or
// there is none, EMFILE), it evicts the slowest client, so that the accept
// that follows gets the number freed. It reports false when it found no
// client to evict. The probe (fcntl F_DUPFD_CLOEXEC, then close) is made
// only once the clients could fill the set.
func (s *server) makeRoom() bool {
	if len(s.clients) < poll.FD_SETSIZE-64 {
		return true
	}
	fd, err := unix.FcntlInt(uintptr(s.ln.Fd()), unix.F_DUPFD_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
		if fd < poll.FD_SETSIZE {
			return true
		}
	}
	return s.evictSlowest()
}

// evictSlowest drops the client with the lowest average receive rate
// (bytes received over the time since it was accepted) among those
// connected for evictAge or more: a slowloris that sends a byte a second,
// or an idle client, goes before a client that talks. It reports false when
// no client is old enough.
func (s *server) evictSlowest() bool {
	now := time.Now()
	var worst *client
	var worstRate float64
	for _, c := range s.clients {
		age := now.Sub(c.accepted)
		if age < evictAge {
			continue
		}
		if rate := float64(c.received) / age.Seconds(); worst == nil || rate < worstRate {
			worst, worstRate = c, rate
		}
	}
	if worst == nil {
		return false
	}
	s.drop(worst, fmt.Sprintf("evicted to make room: the slowest client, %.1f bytes/s over %v",
		worstRate, now.Sub(worst.accepted).Round(time.Millisecond)))
	return true
}

// refuseOutOfFDs handles EMFILE/ENFILE: with the reserve descriptor
// released, the waiting client is accepted and closed at once; without it,
// the listener is left alone for a while (5 ms, doubling up to 1 s).
func (s *server) refuseOutOfFDs(err error) {
	s.logRefusal(err.Error())
	if s.reserve != nil {
		s.reserve.Close()
		s.reserve = nil
		if cs, _, err := s.ln.Accept(); err == nil {
			cs.Close()
		}
		s.reserve, _ = fileio.Open(os.DevNull, fileio.O_RDONLY, 0)
		if s.reserve != nil {
			return
		}
	}
	s.pause()
}

func (s *server) pause() {
	s.backoff = min(max(2*s.backoff, 5*time.Millisecond), time.Second)
	s.acceptAfter = time.Now().Add(s.backoff)
}

func (s *server) logRefusal(why string) {
	if !s.refusing {
		s.refusing = true
		s.log.Printf("refusing new clients (%s); serving the %d connected", why, len(s.clients))
	}
}

// read receives what the client sent and queues it back in upper case.
func (s *server) read(c *client) {
	n, err := c.s.Recv(s.buf, 0)
	switch {
	case errors.Is(err, unix.EAGAIN):
		return
	case err == io.EOF:
		// Half-closed: send what is pending, then close (see flush).
		c.readEOF = true
		s.flush(c)
		return
	case err != nil:
		s.drop(c, err.Error())
		return
	}
	c.last = time.Now()
	c.received += int64(n)
	if !s.quiet {
		fmt.Fprintf(s.stdout, "(Go: %s: recv = %d bytes)\n", c.peer, n)
	}
	for _, b := range s.buf[:n] {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		c.out = append(c.out, b)
	}
	if s.flush(c) && len(c.out) > maxPending {
		s.drop(c, fmt.Sprintf("does not read its replies (%d bytes pending)", len(c.out)))
	}
}

// flush sends as much of the client's pending output as the kernel takes
// without waiting. It returns false if the client was dropped or closed.
func (s *server) flush(c *client) bool {
	sent := 0
	for sent < len(c.out) {
		n, err := c.s.Send(c.out[sent:], 0)
		if n > 0 {
			sent += n
			c.last = time.Now()
		}
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			s.drop(c, err.Error())
			return false
		}
	}
	c.out = append(c.out[:0], c.out[sent:]...)
	if c.readEOF && len(c.out) == 0 {
		delete(s.clients, c.fd)
		c.s.Close()
		if !s.quiet {
			fmt.Fprintf(s.stdout, "(Go: %s: recv = 0, end of stream: closed)\n", c.peer)
		}
		return false
	}
	return true
}

func (s *server) drop(c *client, why string) {
	s.log.Printf("%s: %s; dropped", c.peer, why)
	delete(s.clients, c.fd)
	c.s.Close()
}

func (s *server) closeAll() {
	for fd, c := range s.clients {
		c.s.Close()
		delete(s.clients, fd)
	}
	if s.reserve != nil {
		s.reserve.Close()
	}
}
