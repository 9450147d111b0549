// Command fdpass hands open descriptors to another process with
// SCM_RIGHTS, the way systemd and inetd-style supervisors give a service
// its sockets. The parent opens a file and a listening TCP socket, starts
// a child (this program again) with one end of a unix socketpair as
// descriptor 3, and sends both descriptors over it with sendmsg(2). The
// child receives them with recvmsg(2) (close-on-exec, as every received
// descriptor here), adopts them, accepts one connection on the listener
// and sends it the file; the parent is that connection's client.
//
//	go run ./examples/fdpass
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/posixkit/posixkit/examples/internal/cli"
	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/sock"
)

// childEnv marks the child's environment.
const childEnv = "POSIXKIT_FDPASS_CHILD"

func main() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(childMain(os.Stdout))
	}
	cli.Main("fdpass", run)
}

const usage = "usage: fdpass"

func run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := cli.New("fdpass", usage)
	if err := fs.Parse(args, stdout); err != nil {
		return err
	}
	if err := fs.NArgs(0, 0); err != nil {
		return err
	}
	// The child's output is copied in by os/exec while the parent prints.
	stdout = &lockedWriter{w: stdout}
	dir, err := os.MkdirTemp("", "fdpass")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "greeting.txt")
	if err := os.WriteFile(path, []byte("served from a descriptor passed with SCM_RIGHTS\n"), 0o644); err != nil {
		return err
	}
	f, err := fileio.Open(path, fileio.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	ln, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer ln.Close()
	if err := ln.Bind(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		return err
	}
	if err := ln.Listen(1); err != nil {
		return err
	}
	la, err := ln.LocalAddr()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "parent: open %s = fd %d; socket, bind, listen %s = fd %d\n", path, f.Fd(), la, ln.Fd())

	// The channel: a socketpair, one end the child's descriptor 3.
	mine, theirs, err := sock.Pair(sock.AF_UNIX, sock.SOCK_STREAM, 0)
	if err != nil {
		return err
	}
	defer mine.Close()
	exe, err := os.Executable()
	if err != nil {
		theirs.Close()
		return err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	child := os.NewFile(uintptr(theirs.Fd()), "channel")
	cmd.ExtraFiles = []*os.File{child}
	err = cmd.Start()
	theirs.Close() // the child has its copy
	if err != nil {
		return err
	}
	oob := sock.AppendRights(nil, f.Fd(), ln.Fd())
	if _, err := mine.SendMsg([][]byte{[]byte("file,listener")}, oob, sock.Addr{}, 0); err != nil {
		cmd.Wait()
		return err
	}
	fmt.Fprintf(stdout, "parent: sendmsg SCM_RIGHTS [%d %d] to the child (pid %d)\n", f.Fd(), ln.Fd(), cmd.Process.Pid)

	c, err := sock.New(sock.AF_INET, sock.SOCK_STREAM, 0)
	if err != nil {
		cmd.Wait()
		return err
	}
	defer c.Close()
	if err := c.Connect(la); err != nil {
		cmd.Wait()
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil {
		cmd.Wait()
		return err
	}
	fmt.Fprintf(stdout, "parent: connect %s, read %q\n", la, got)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	return nil
}

// lockedWriter serialises the writes of the parent and of os/exec's copy
// of the child's output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// childMain receives the descriptors on fd 3, serves one connection and
// returns the exit status.
func childMain(stdout io.Writer) int {
	if err := child(stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fdpass child:", err)
		return 1
	}
	return 0
}

func child(stdout io.Writer) error {
	ch, err := sock.NewFromFd(3)
	if err != nil {
		return err
	}
	defer ch.Close()
	buf := make([]byte, 64)
	oob := make([]byte, sock.CmsgSpace(2*4))
	n, oobn, _, _, err := ch.RecvMsg([][]byte{buf}, oob, 0)
	if err != nil {
		return err
	}
	msgs, err := sock.ParseControl(oob[:oobn], nil)
	if err != nil {
		return err
	}
	var fds []int
	for _, m := range msgs {
		fds, _ = m.Rights(fds)
	}
	if len(fds) != 2 {
		for _, fd := range fds {
			fileio.NewFile(fd, "").Close()
		}
		return errors.New("expected 2 descriptors, got " + strconv.Itoa(len(fds)))
	}
	fmt.Fprintf(stdout, "child: recvmsg %q with SCM_RIGHTS [%d %d]\n", buf[:n], fds[0], fds[1])
	f := fileio.NewFile(fds[0], "passed file")
	defer f.Close()
	ln, err := sock.NewFromFd(fds[1])
	if err != nil {
		return err
	}
	defer ln.Close()
	la, _ := ln.LocalAddr()
	fmt.Fprintf(stdout, "child: fd %d is a file, fd %d a %v %v socket listening on %s\n", fds[0], fds[1], ln.Family(), ln.Type(), la)
	c, peer, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if _, err := c.Write(content); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "child: accept from %s, wrote %d bytes of the file\n", peer, len(content))
	return nil
}
