package peerbench

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"golang.org/x/sys/unix"
)

// gnetEcho is gnet's echo handler, as in gnet's own examples: each
// traffic event takes everything buffered and writes it back.
type gnetEcho struct {
	gnet.BuiltinEventEngine
	booted chan gnet.Engine
}

func (h *gnetEcho) OnBoot(eng gnet.Engine) gnet.Action {
	h.booted <- eng
	return gnet.None
}

func (h *gnetEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

// startGnet starts gnet v2 with its defaults (TCP_NODELAY on), with one
// event loop or, multicore, one per CPU.
func startGnet(multicore bool) (netip.AddrPort, func() error, error) {
	h := &gnetEcho{booted: make(chan gnet.Engine, 1)}
	ran := make(chan error, 1)
	go func() {
		ran <- gnet.Run(h, "tcp://127.0.0.1:0", gnet.WithMulticore(multicore), gnet.WithLogLevel(logging.ErrorLevel))
	}()
	var eng gnet.Engine
	select {
	case eng = <-h.booted:
	case err := <-ran:
		if err == nil {
			err = errors.New("gnet.Run returned before booting")
		}
		return netip.AddrPort{}, nil, err
	}
	// The engine does not say which port the kernel chose: ask a
	// duplicate of its listener.
	fd, err := eng.Dup()
	if err != nil {
		_ = eng.Stop(context.Background())
		return netip.AddrPort{}, nil, err
	}
	sa, err := unix.Getsockname(fd)
	unix.Close(fd)
	if err != nil {
		_ = eng.Stop(context.Background())
		return netip.AddrPort{}, nil, err
	}
	in4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		_ = eng.Stop(context.Background())
		return netip.AddrPort{}, nil, errors.New("gnet listener is not IPv4")
	}
	addr := netip.AddrPortFrom(netip.AddrFrom4(in4.Addr), uint16(in4.Port))
	stop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			return err
		}
		return <-ran
	}
	return addr, stop, nil
}
