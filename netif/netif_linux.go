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
	_, out, err := fetch(linkEntries)
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, wrapFetchErr(err)
	}
	return out, wrapFetchErr(err)
}

func interfaces() ([]Interface, error) {
	links, addrs, err := fetch(func(_ []link, n int) []IfAddr { return make([]IfAddr, 0, n) })
	if err != nil && !errors.Is(err, ErrDumpInterrupted) {
		return nil, wrapFetchErr(err)
	}
	// Group the addresses by interface, keeping the kernel's order within
	// each: a counting sort into one backing array.
	pos := make(map[int]int, len(links))
	for i := range links {
		pos[links[i].index] = i
	}
	count := make([]int, len(links)+1)
	for j := range addrs {
		count[pos[addrs[j].Index]+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	grouped := make([]IfAddr, len(addrs))
	next := count[:len(links)]
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
		if n := count[i+1] - count[i]; n > 0 {
			ifs[i].Addrs = grouped[count[i]:count[i+1]:count[i+1]]
		}
	}
	for j := range addrs {
		i := pos[addrs[j].Index]
		grouped[next[i]] = addrs[j]
		next[i]++
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
