package sock_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"github.com/posixkit/posixkit/sock/internal/ccmsg"
	"golang.org/x/sys/unix"
)

// cloexec reports FD_CLOEXEC on fd: fcntl(F_GETFD).
func cloexec(t testing.TB, fd int) bool {
	t.Helper()
	v, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("F_GETFD of %d: %v", fd, err)
	}
	return v&unix.FD_CLOEXEC != 0
}

// rightsOf parses oob and returns the descriptors of its SCM_RIGHTS messages.
func rightsOf(t testing.TB, oob []byte) []int {
	t.Helper()
	msgs, err := sock.ParseControl(oob, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, m := range msgs {
		fds, _ = m.Rights(fds)
	}
	return fds
}

func TestSendMsgRecvMsgRights(t *testing.T) {
	for _, typ := range []sock.Type{sock.SOCK_STREAM, sock.SOCK_DGRAM, sock.SOCK_SEQPACKET} {
		t.Run(typ.String(), func(t *testing.T) {
			a, b := skPair(t, typ)
			r, w := testkit.Pipe(t)
			oob := sock.AppendRights(nil, r, w)
			n, err := a.SendMsg([][]byte{[]byte("two "), nil, []byte("fds")}, oob, sock.Addr{}, 0)
			if err != nil || n != 7 {
				t.Fatalf("SendMsg = %d, %v", n, err)
			}
			p1, p2 := make([]byte, 3), make([]byte, 10)
			roob := make([]byte, sock.CmsgSpace(4*4))
			n, oobn, flags, _, err := b.RecvMsg([][]byte{p1, p2}, roob, 0)
			if err != nil || n != 7 || string(p1)+string(p2[:n-3]) != "two fds" || flags != 0 {
				t.Fatalf("RecvMsg = %d %q%q, flags %v, %v", n, p1, p2, flags, err)
			}
			fds := rightsOf(t, roob[:oobn])
			if len(fds) != 2 {
				t.Fatalf("received %v, want 2 fds", fds)
			}
			for _, fd := range fds {
				t.Cleanup(func() { unix.Close(fd) })
				if !cloexec(t, fd) {
					t.Errorf("received fd %d is not close-on-exec", fd)
				}
			}
			// The received write end writes into the original pipe.
			if _, err := unix.Write(fds[1], []byte("via")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 8)
			if k, err := unix.Read(r, buf); err != nil || string(buf[:k]) != "via" {
				t.Fatalf("read %q, %v", buf[:k], err)
			}
		})
	}
}

// TestRightsNeverLeak passes descriptors 10,000 times into control buffers
// that are too small, oversized, or not given, and into data buffers too
// small for the datagram: the process's descriptor count stays where it
// was, and every descriptor received is close-on-exec.
func TestRightsNeverLeak(t *testing.T) {
	a, b := skPair(t, sock.SOCK_DGRAM)
	r, w := testkit.Pipe(t)
	oob := sock.AppendRights(nil, r, w, r)
	small := make([]byte, sock.CmsgSpace(4)) // room for one of three
	big := make([]byte, 4096)
	p := make([]byte, 16)
	iters := 10000
	if testing.Short() {
		iters = 1000
	}
	before := testkit.CountFDs(t)
	for i := range iters {
		if _, err := a.SendMsg([][]byte{[]byte("data")}, oob, sock.Addr{}, 0); err != nil {
			t.Fatal(err)
		}
		switch i % 5 {
		case 0: // truncated control buffer
			_, oobn, flags, _, err := b.RecvMsg([][]byte{p}, small, 0)
			if !errors.Is(err, sock.ErrControlTruncated) || flags&sock.MSG_CTRUNC == 0 {
				t.Fatalf("RecvMsg with a small oob = flags %v, %v; want MSG_CTRUNC", flags, err)
			}
			for _, fd := range rightsOf(t, small[:oobn]) {
				if fd != -1 {
					t.Fatalf("truncated receive left fd %d open", fd)
				}
			}
		case 1: // oversized control buffer
			_, oobn, _, _, err := b.RecvMsg([][]byte{p}, big, 0)
			if err != nil {
				t.Fatal(err)
			}
			fds := rightsOf(t, big[:oobn])
			if len(fds) != 3 {
				t.Fatalf("received %v", fds)
			}
			for _, fd := range fds {
				if !cloexec(t, fd) {
					t.Fatalf("fd %d not close-on-exec", fd)
				}
				unix.Close(fd)
			}
		case 2: // no control buffer: the kernel drops the descriptors
			if _, _, _, _, err := b.RecvMsg([][]byte{p}, nil, 0); err != nil {
				t.Fatal(err)
			}
		case 3: // a plain Recv ignores them too
			if _, err := b.Recv(p, 0); err != nil {
				t.Fatal(err)
			}
		case 4: // data truncated: an error, so the descriptors are closed
			_, oobn, _, _, err := b.RecvMsg([][]byte{p[:2]}, big, 0)
			if !errors.Is(err, sock.ErrTruncated) {
				t.Fatalf("RecvMsg into 2 bytes: %v, want ErrTruncated", err)
			}
			for _, fd := range rightsOf(t, big[:oobn]) {
				if fd != -1 {
					t.Fatalf("truncated datagram left fd %d open", fd)
				}
			}
		}
	}
	if after := testkit.CountFDs(t); after != before {
		t.Errorf("%d descriptors before %d passes, %d after", before, iters, after)
	}
}

// TestMsgZeroAllocs: SendMsg and RecvMsg with reused buffers, a reused
// oob and a reused address allocate nothing.
func TestMsgZeroAllocs(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("Darwin uses the allocating x/sys calls")
	}
	srv := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	lo := netip.MustParseAddr("127.0.0.1")
	if runtime.GOOS == "linux" {
		if err := srv.SetsockoptInt(unix.IPPROTO_IP, sock.IP_RECVTTL, 1); err != nil {
			t.Fatal(err)
		}
	}
	to := sock.InetAddr(skBind(t, srv, lo))
	cli := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	skBind(t, cli, lo)
	hdr, body := []byte("hd"), []byte("body")
	send := [][]byte{hdr, body}
	p1, p2 := make([]byte, 2), make([]byte, 16)
	recv := [][]byte{p1, p2}
	soob := sock.AppendInt(make([]byte, 0, 64), unix.IPPROTO_IP, unix.IP_TTL, 9)
	roob := make([]byte, 128)
	msgs := make([]sock.Cmsg, 0, 4)
	if a := testing.AllocsPerRun(200, func() {
		if _, err := cli.SendMsg(send, soob, to, 0); err != nil {
			t.Fatal(err)
		}
		_, oobn, _, _, err := srv.RecvMsg(recv, roob, 0)
		if err != nil {
			t.Fatal(err)
		}
		if msgs, err = sock.ParseControl(roob[:oobn], msgs[:0]); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("SendMsg+RecvMsg: %v allocs per run, want 0", a)
	}
	if runtime.GOOS == "linux" {
		if v, ok := msgs[0].Int(); len(msgs) != 1 || !ok || v != 9 {
			t.Errorf("control messages %v, want IP_TTL 9", msgs)
		}
	}
	a, b := skPair(t, sock.SOCK_DGRAM)
	r, _ := testkit.Pipe(t)
	rights := sock.AppendRights(make([]byte, 0, 64), r)
	fds := make([]int, 0, 4)
	if n := testing.AllocsPerRun(200, func() {
		if _, err := a.SendMsg(send, rights, sock.Addr{}, 0); err != nil {
			t.Fatal(err)
		}
		_, oobn, _, _, err := b.RecvMsg(recv, roob, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ = sock.ParseControl(roob[:oobn], msgs[:0])
		fds, _ = msgs[0].Rights(fds[:0])
		unix.Close(fds[0])
	}); n != 0 {
		t.Errorf("SCM_RIGHTS SendMsg+RecvMsg: %v allocs per run, want 0", n)
	}
}

func TestNewFromFd(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sock.NewFromFd(fd)
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer s.Close()
	if s.Family() != sock.AF_INET || s.Type() != sock.SOCK_DGRAM || s.Protocol() != sock.IPPROTO_UDP || s.Fd() != fd {
		t.Errorf("adopted socket: %v %v %v fd %d", s.Family(), s.Type(), s.Protocol(), s.Fd())
	}
	if !cloexec(t, fd) {
		t.Error("adopted fd is not close-on-exec")
	}
	r, _ := testkit.Pipe(t)
	_, err = sock.NewFromFd(r)
	skErrIs(t, "NewFromFd(pipe)", err, unix.ENOTSOCK)
	_, err = sock.NewFromFd(-1)
	skErrIs(t, "NewFromFd(-1)", err, unix.EINVAL)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzParseControl: any bytes parse without a panic, and the typed
// accessors never panic on what parses; what parses rebuilds, message by
// message, with AppendControl into bytes that parse to the same messages.
// Seeds: testdata/cmsg, control data captured from the kernel.
func FuzzParseControl(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/cmsg/*." + runtime.GOARCH + ".bin")
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(sock.AppendRights(nil, 1, 2, 3))
	f.Add(sock.AppendPktInfo(sock.AppendInt(nil, unix.IPPROTO_IP, unix.IP_TTL, 64), sock.PktInfo{Ifindex: 1, Addr: netip.MustParseAddr("::1")}))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := sock.ParseControl(b, nil)
		if err != nil {
			skErrIs(t, "ParseControl", err, unix.EINVAL)
			return
		}
		var rebuilt []byte
		for _, m := range msgs {
			m.Rights(nil)
			m.Int()
			m.PktInfo()
			m.Timestamp()
			rebuilt = sock.AppendControl(rebuilt, m.Level, m.Type, m.Data)
		}
		again, err := sock.ParseControl(rebuilt, nil)
		if err != nil {
			t.Fatalf("rebuilt %x does not parse: %v", rebuilt, err)
		}
		if diff := cmp.Diff(msgs, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("rebuilt messages differ (-want +got):\n%s", diff)
		}
	})
}

// TestParseControl: malformed headers are errors, the seeds parse.
func TestParseControl(t *testing.T) {
	t.Parallel()
	hdr := sock.CmsgLen(0)
	good := sock.AppendRights(nil, 7)
	tests := []struct {
		name    string
		b       []byte
		want    int
		wantErr bool
	}{
		{"empty", nil, 0, false},
		{"one", good, 1, false},
		{"two", append(append([]byte{}, good...), good...), 2, false},
		{"last one unpadded", sock.AppendControl(nil, 1, 2, []byte{1})[:sock.CmsgLen(1)], 1, false},
		{"short header", good[:hdr-1], 0, true},
		{"length past the end", good[:sock.CmsgLen(4)-1], 0, true},
		{"length below a header", append([]byte{1}, make([]byte, hdr-1)...), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := sock.ParseControl(tt.b, nil)
			if (err != nil) != tt.wantErr || len(msgs) != tt.want {
				t.Errorf("ParseControl = %d messages, %v; want %d, error %v", len(msgs), err, tt.want, tt.wantErr)
			}
		})
	}
	if fds, ok := must(sock.ParseControl(good, nil))[0].Rights(nil); !ok || !cmp.Equal(fds, []int{7}) {
		t.Errorf("Rights = %v, %v", fds, ok)
	}
}

// TestCmsgSizesMatchC: CmsgLen, CmsgSpace and the space AppendControl
// takes equal the C library's macros (cgo; skipped without it).
func TestCmsgSizesMatchC(t *testing.T) {
	if !ccmsg.Available {
		t.Skip("no cgo: the C macros are not reachable")
	}
	for n := range 300 {
		b := sock.AppendControl(nil, 1, 2, make([]byte, n))
		got := [3]int{sock.CmsgLen(n), sock.CmsgSpace(n), len(b)}
		want := [3]int{ccmsg.Len(n), ccmsg.Space(n), ccmsg.Space(n)}
		if got != want {
			t.Fatalf("n=%d: CmsgLen, CmsgSpace, appended = %v; C: %v", n, got, want)
		}
		if msgs, err := sock.ParseControl(b, nil); err != nil || len(msgs) != 1 || len(msgs[0].Data) != n {
			t.Fatalf("n=%d: parse of the built message = %v, %v", n, msgs, err)
		}
	}
	if sock.CmsgLen(0) != ccmsg.Hdr() {
		t.Errorf("CmsgLen(0) = %d, sizeof(struct cmsghdr) = %d", sock.CmsgLen(0), ccmsg.Hdr())
	}
}
