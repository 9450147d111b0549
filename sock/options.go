package sock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/posixkit/posixkit/fileio"
	"github.com/posixkit/posixkit/internal/fdcore"
	"golang.org/x/sys/unix"
)

// GetsockoptInt returns an integer option: getsockopt(2), level and name as
// in C (SOL_SOCKET or a protocol such as IPPROTO_TCP; unix.SO_RCVBUF, ...).
func (s *Socket) GetsockoptInt(level Protocol, name int) (int, error) {
	return s.getsockoptInt(ctlGetsockopt, int(level), name)
}

// SetsockoptInt sets an integer option: setsockopt(2). A value outside
// C's int (int32) is EINVAL, never truncated.
func (s *Socket) SetsockoptInt(level Protocol, name, value int) error {
	if int64(value) != int64(int32(value)) {
		if err := s.check("setsockopt"); err != nil {
			return err
		}
		return opError("setsockopt", argError("value "+strconv.Itoa(value)+" outside int32"))
	}
	return s.control("setsockopt", func(fd int) error {
		return unix.SetsockoptInt(fd, int(level), name, value)
	})
}

// GetsockoptBytes reads an option into b, for options that are C structs:
// getsockopt(2). It returns the length the kernel wrote.
func (s *Socket) GetsockoptBytes(level Protocol, name int, b []byte) (int, error) {
	n := 0
	err := s.control("getsockopt", func(fd int) error {
		l := uint32(len(b))
		var p unsafe.Pointer
		if len(b) > 0 {
			p = unsafe.Pointer(&b[0])
		}
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(name), uintptr(p), uintptr(unsafe.Pointer(&l)), 0)
		n = int(l)
		return errOrNil(e)
	})
	if err != nil {
		return 0, err
	}
	return min(n, len(b)), nil
}

// SetsockoptBytes sets an option from the bytes of a C struct:
// setsockopt(2).
func (s *Socket) SetsockoptBytes(level Protocol, name int, b []byte) error {
	return s.control("setsockopt", func(fd int) error {
		return unix.SetsockoptString(fd, int(level), name, string(b))
	})
}

func (s *Socket) setBool(level Protocol, name int, b bool) error {
	v := 0
	if b {
		v = 1
	}
	return s.SetsockoptInt(level, name, v)
}

func (s *Socket) getBool(level Protocol, name int) (bool, error) {
	v, err := s.GetsockoptInt(level, name)
	return v != 0, err
}

// SetReuseAddr sets SO_REUSEADDR: setsockopt(2), before Bind.
func (s *Socket) SetReuseAddr(on bool) error {
	return s.setBool(unix.SOL_SOCKET, unix.SO_REUSEADDR, on)
}

// ReuseAddr reports SO_REUSEADDR: getsockopt(2).
func (s *Socket) ReuseAddr() (bool, error) { return s.getBool(unix.SOL_SOCKET, unix.SO_REUSEADDR) }

// SetReusePort sets SO_REUSEPORT: setsockopt(2), before Bind.
func (s *Socket) SetReusePort(on bool) error {
	return s.setBool(unix.SOL_SOCKET, unix.SO_REUSEPORT, on)
}

// ReusePort reports SO_REUSEPORT: getsockopt(2).
func (s *Socket) ReusePort() (bool, error) { return s.getBool(unix.SOL_SOCKET, unix.SO_REUSEPORT) }

// SetNoDelay sets TCP_NODELAY (Nagle off): setsockopt(2). TCP only.
func (s *Socket) SetNoDelay(on bool) error {
	return s.setBool(unix.IPPROTO_TCP, unix.TCP_NODELAY, on)
}

// NoDelay reports TCP_NODELAY: getsockopt(2).
func (s *Socket) NoDelay() (bool, error) { return s.getBool(unix.IPPROTO_TCP, unix.TCP_NODELAY) }

// SetKeepAlive sets SO_KEEPALIVE: setsockopt(2).
func (s *Socket) SetKeepAlive(on bool) error {
	return s.setBool(unix.SOL_SOCKET, unix.SO_KEEPALIVE, on)
}

// KeepAlive reports SO_KEEPALIVE: getsockopt(2).
func (s *Socket) KeepAlive() (bool, error) { return s.getBool(unix.SOL_SOCKET, unix.SO_KEEPALIVE) }

// SetV6Only sets IPV6_V6ONLY: setsockopt(2), before Bind. Off (Linux's
// default), an AF_INET6 socket also carries IPv4 as IPv4-mapped addresses.
func (s *Socket) SetV6Only(on bool) error {
	return s.setBool(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, on)
}

// V6Only reports IPV6_V6ONLY: getsockopt(2).
func (s *Socket) V6Only() (bool, error) { return s.getBool(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY) }

// SetBroadcast sets SO_BROADCAST: setsockopt(2).
func (s *Socket) SetBroadcast(on bool) error {
	return s.setBool(unix.SOL_SOCKET, unix.SO_BROADCAST, on)
}

// Broadcast reports SO_BROADCAST: getsockopt(2).
func (s *Socket) Broadcast() (bool, error) { return s.getBool(unix.SOL_SOCKET, unix.SO_BROADCAST) }

// SetRecvBuffer sets SO_RCVBUF: setsockopt(2). Linux doubles the value and
// caps it at net.core.rmem_max.
func (s *Socket) SetRecvBuffer(bytes int) error {
	return s.SetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF, bytes)
}

// RecvBuffer reports SO_RCVBUF: getsockopt(2).
func (s *Socket) RecvBuffer() (int, error) { return s.GetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF) }

// SetSendBuffer sets SO_SNDBUF: setsockopt(2), as [Socket.SetRecvBuffer].
func (s *Socket) SetSendBuffer(bytes int) error {
	return s.SetsockoptInt(unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
}

// SendBuffer reports SO_SNDBUF: getsockopt(2).
func (s *Socket) SendBuffer() (int, error) { return s.GetsockoptInt(unix.SOL_SOCKET, unix.SO_SNDBUF) }

// SetLinger sets SO_LINGER: setsockopt(2). d < 0 turns it off; d >= 0, in
// whole seconds, makes close wait up to d for unsent data (0: reset).
func (s *Socket) SetLinger(d time.Duration) error {
	l := unix.Linger{}
	if d >= 0 {
		sec := d / time.Second
		if sec > 1<<31-1 {
			return opError("setsockopt", unix.EINVAL)
		}
		l.Onoff, l.Linger = 1, int32(sec)
	}
	return s.control("setsockopt", func(fd int) error {
		return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, soLinger, &l)
	})
}

// Linger reports SO_LINGER: getsockopt(2); -1 when off.
func (s *Socket) Linger() (time.Duration, error) {
	var l *unix.Linger
	err := s.control("getsockopt", func(fd int) error {
		var err error
		l, err = unix.GetsockoptLinger(fd, unix.SOL_SOCKET, soLinger)
		return err
	})
	if err != nil {
		return 0, err
	}
	if l.Onoff == 0 {
		return -1, nil
	}
	return time.Duration(l.Linger) * time.Second, nil
}

// SetRecvTimeout sets SO_RCVTIMEO: setsockopt(2). It bounds only a blocking
// recv in the kernel, not a wait here: use [Socket.SetReadDeadline].
func (s *Socket) SetRecvTimeout(d time.Duration) error {
	return s.setTimeout(unix.SO_RCVTIMEO, d)
}

// RecvTimeout reports SO_RCVTIMEO: getsockopt(2).
func (s *Socket) RecvTimeout() (time.Duration, error) { return s.timeout(unix.SO_RCVTIMEO) }

// SetSendTimeout sets SO_SNDTIMEO: setsockopt(2), as [Socket.SetRecvTimeout].
func (s *Socket) SetSendTimeout(d time.Duration) error {
	return s.setTimeout(unix.SO_SNDTIMEO, d)
}

// SendTimeout reports SO_SNDTIMEO: getsockopt(2).
func (s *Socket) SendTimeout() (time.Duration, error) { return s.timeout(unix.SO_SNDTIMEO) }

func (s *Socket) setTimeout(name int, d time.Duration) error {
	if d < 0 {
		return opError("setsockopt", unix.EINVAL)
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return s.control("setsockopt", func(fd int) error {
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, name, &tv)
	})
}

func (s *Socket) timeout(name int) (time.Duration, error) {
	var tv *unix.Timeval
	err := s.control("getsockopt", func(fd int) error {
		var err error
		tv, err = unix.GetsockoptTimeval(fd, unix.SOL_SOCKET, name)
		return err
	})
	if err != nil {
		return 0, err
	}
	return time.Duration(tv.Nano()), nil
}

// Options is a snapshot of what C reads with getsockopt(2) and fcntl(2).
type Options struct {
	Type        Type          // SO_TYPE
	Protocol    Protocol      // SO_PROTOCOL (derived on Darwin, see Tuple)
	ReuseAddr   bool          // SO_REUSEADDR
	ReusePort   bool          // SO_REUSEPORT
	KeepAlive   bool          // SO_KEEPALIVE
	Broadcast   bool          // SO_BROADCAST
	RecvBuffer  int           // SO_RCVBUF
	SendBuffer  int           // SO_SNDBUF
	Linger      time.Duration // SO_LINGER; -1 when off
	RecvTimeout time.Duration // SO_RCVTIMEO; 0 for none
	SendTimeout time.Duration // SO_SNDTIMEO; 0 for none
	NoDelay     *bool         // TCP_NODELAY; nil unless the protocol is TCP
	V6Only      *bool         // IPV6_V6ONLY; nil unless the family is AF_INET6
	Error       error         // SO_ERROR, nil for none; reading clears it, as in C
	AcceptConn  bool          // SO_ACCEPTCONN: listening
	CloseOnExec bool          // FD_CLOEXEC, fcntl(F_GETFD)
	Flags       fileio.Flag   // fcntl(F_GETFL) as the kernel has it: O_NONBLOCK always set
	Nonblock    bool          // no kernel value: posixkit's mode, see Socket.Nonblock
}

// Options reads the snapshot: a getsockopt(2) per option (TCP_NODELAY on TCP
// only, IPV6_V6ONLY on AF_INET6), fcntl(F_GETFD), fcntl(F_GETFL).
func (s *Socket) Options() (Options, error) {
	var o Options
	err := s.control("getsockopt", func(fd int) error {
		var err error
		geti := func(level, name int) int {
			if err != nil {
				return 0
			}
			var v int
			v, err = unix.GetsockoptInt(fd, level, name)
			return v
		}
		o.Type = Type(geti(unix.SOL_SOCKET, unix.SO_TYPE))
		o.ReuseAddr = geti(unix.SOL_SOCKET, unix.SO_REUSEADDR) != 0
		o.ReusePort = geti(unix.SOL_SOCKET, unix.SO_REUSEPORT) != 0
		o.KeepAlive = geti(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0
		o.Broadcast = geti(unix.SOL_SOCKET, unix.SO_BROADCAST) != 0
		o.RecvBuffer = geti(unix.SOL_SOCKET, unix.SO_RCVBUF)
		o.SendBuffer = geti(unix.SOL_SOCKET, unix.SO_SNDBUF)
		o.AcceptConn = geti(unix.SOL_SOCKET, unix.SO_ACCEPTCONN) != 0
		if e := geti(unix.SOL_SOCKET, unix.SO_ERROR); e != 0 {
			o.Error = unix.Errno(e)
		}
		if err != nil {
			return err
		}
		if o.Protocol, err = sysProtocol(fd, o.Type, s.proto); err != nil {
			return err
		}
		if o.Protocol == IPPROTO_TCP {
			v := geti(unix.IPPROTO_TCP, unix.TCP_NODELAY) != 0
			o.NoDelay = &v
		}
		if s.family == AF_INET6 {
			v := geti(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY) != 0
			o.V6Only = &v
		}
		if err != nil {
			return err
		}
		l, err := unix.GetsockoptLinger(fd, unix.SOL_SOCKET, soLinger)
		if err != nil {
			return err
		}
		o.Linger = -1
		if l.Onoff != 0 {
			o.Linger = time.Duration(l.Linger) * time.Second
		}
		for _, t := range []struct {
			name int
			d    *time.Duration
		}{{unix.SO_RCVTIMEO, &o.RecvTimeout}, {unix.SO_SNDTIMEO, &o.SendTimeout}} {
			tv, err := unix.GetsockoptTimeval(fd, unix.SOL_SOCKET, t.name)
			if err != nil {
				return err
			}
			*t.d = time.Duration(tv.Nano())
		}
		fdfl, err := fdcore.Fcntl(fd, unix.F_GETFD, 0)
		if err != nil {
			return err
		}
		o.CloseOnExec = fdfl&unix.FD_CLOEXEC != 0
		return nil
	})
	if err != nil {
		return Options{}, err
	}
	fl, err := s.fd.Flags()
	if err != nil {
		return Options{}, opError("fcntl", err)
	}
	o.Flags = fileio.Flag(fl)
	if o.Nonblock, err = s.fd.Nonblock(); err != nil {
		return Options{}, opError("Nonblock", err)
	}
	return o, nil
}

// String formats the snapshot one option a line, C name then value ("SO_TYPE
// SOCK_STREAM"), and last the mode posixkit keeps, which no C call reads.
func (o Options) String() string {
	var b strings.Builder
	line := func(name string, v any) { fmt.Fprintf(&b, "%-14s %v\n", name, v) }
	line("SO_TYPE", o.Type)
	line("SO_PROTOCOL", o.Protocol)
	line("SO_REUSEADDR", b2i(o.ReuseAddr))
	line("SO_REUSEPORT", b2i(o.ReusePort))
	line("SO_KEEPALIVE", b2i(o.KeepAlive))
	line("SO_BROADCAST", b2i(o.Broadcast))
	line("SO_RCVBUF", o.RecvBuffer)
	line("SO_SNDBUF", o.SendBuffer)
	if o.Linger < 0 {
		line("SO_LINGER", "off")
	} else {
		line("SO_LINGER", o.Linger)
	}
	line("SO_RCVTIMEO", o.RecvTimeout)
	line("SO_SNDTIMEO", o.SendTimeout)
	if o.NoDelay != nil {
		line("TCP_NODELAY", b2i(*o.NoDelay))
	}
	if o.V6Only != nil {
		line("IPV6_V6ONLY", b2i(*o.V6Only))
	}
	if o.Error == nil {
		line("SO_ERROR", 0)
	} else {
		line("SO_ERROR", o.Error)
	}
	line("SO_ACCEPTCONN", b2i(o.AcceptConn))
	line("FD_CLOEXEC", b2i(o.CloseOnExec))
	line("F_GETFL", o.Flags)
	if o.Nonblock {
		line("posixkit mode", "nonblocking")
	} else {
		line("posixkit mode", "blocking")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
