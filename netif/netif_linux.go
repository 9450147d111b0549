package netif

import (
	"errors"
	"net"
	"os"
	"strconv"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// linkEntries makes the getifaddrs entries of the links, in a slice with
// room for extra more.
func linkEntries(links []link, extra int) []IfAddr {
	out := make([]IfAddr, len(links), len(links)+extra)
	stats := make([]LinkStats, len(links))
	for i := range links {
		l := &links[i]
		out[i] = IfAddr{
			Name:              l.name,
			Index:             l.index,
			Flags:             l.flags,
			Family:            sock.AF_PACKET,
			HardwareAddr:      net.HardwareAddr(l.hw),
			HardwareBroadcast: net.HardwareAddr(l.brd),
		}
		if l.hasStats {
			stats[i] = l.stats
			out[i].Stats = &stats[i]
		}
	}
	return out
}

func ifAddrs() ([]IfAddr, error) {
	_, out, _, err := fetch(false)
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, wrapFetchErr(err)
	}
	return out, wrapFetchErr(err)
}

func interfaces() ([]Interface, error) {
	links, addrs, start, err := fetch(true)
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, wrapFetchErr(err)
	}
	ifs := make([]Interface, len(links))
	for i := range links {
		l := &links[i]
		ifs[i] = Interface{
			Index:        l.index,
			Name:         l.name,
			Flags:        l.flags,
			MTU:          l.mtu,
			HardwareAddr: net.HardwareAddr(l.hw),
			Stats:        l.stats,
		}
		if start[i] < start[i+1] {
			ifs[i].Addrs = addrs[start[i]:start[i+1]:start[i+1]]
		}
	}
	return ifs, wrapFetchErr(err)
}

func wrapFetchErr(err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError("getifaddrs", err)
}

// ioctlSocket returns a socket for interface ioctls, as glibc's opensock.
func ioctlSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

func nameToIndex(name string) (int, error) {
	fd, err := ioctlSocket()
	if err != nil {
		return 0, &os.PathError{Op: "if_nametoindex", Path: name, Err: err}
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, &os.PathError{Op: "if_nametoindex", Path: name, Err: err}
	}
	if err := ioctlRetry(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, &os.PathError{Op: "if_nametoindex", Path: name, Err: err}
	}
	return int(int32(ifr.Uint32())), nil
}

func indexToName(index int) (string, error) {
	path := strconv.Itoa(index)
	fd, err := ioctlSocket()
	if err != nil {
		return "", &os.PathError{Op: "if_indextoname", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var ifr unix.Ifreq
	ifr.SetUint32(uint32(index))
	if err := ioctlRetry(fd, unix.SIOCGIFNAME, &ifr); err != nil {
		if err == unix.ENODEV {
			err = unix.ENXIO // as glibc: "no such device or address"
		}
		return "", &os.PathError{Op: "if_indextoname", Path: path, Err: err}
	}
	return ifr.Name(), nil
}

func ioctlRetry(fd int, req uint, ifr *unix.Ifreq) error {
	for {
		err := unix.IoctlIfreq(fd, req, ifr)
		if err != unix.EINTR {
			return err
		}
	}
}
