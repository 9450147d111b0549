//go:build !linux

package netif

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"

	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// The fallback for systems without netlink: the standard library's
// interface tables (which read the routing sockets' sysctl on the BSDs).

func fromNetFlags(f net.Flags) Flags {
	var out Flags
	for _, m := range []struct {
		n net.Flags
		f Flags
	}{
		{net.FlagUp, IFF_UP},
		{net.FlagBroadcast, IFF_BROADCAST},
		{net.FlagLoopback, IFF_LOOPBACK},
		{net.FlagPointToPoint, IFF_POINTOPOINT},
		{net.FlagMulticast, IFF_MULTICAST},
		{net.FlagRunning, IFF_RUNNING},
	} {
		if f&m.n != 0 {
			out |= m.f
		}
	}
	return out
}

func interfaces() ([]Interface, error) {
	nifs, err := net.Interfaces()
	if err != nil {
		return nil, sysErr(err)
	}
	ifs := make([]Interface, 0, len(nifs))
	for _, ni := range nifs {
		ifc := Interface{
			Index:        ni.Index,
			Name:         ni.Name,
			Flags:        fromNetFlags(ni.Flags),
			MTU:          ni.MTU,
			HardwareAddr: ni.HardwareAddr,
		}
		addrs, err := ni.Addrs()
		if err != nil {
			return nil, sysErr(err)
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ones, bits := ipn.Mask.Size()
			fam := sock.AF_INET6
			if ip.Is4In6() || bits == 32 {
				ip = ip.Unmap()
				fam = sock.AF_INET
			}
			if bits != ip.BitLen() {
				continue
			}
			if ip.Is6() && (ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast()) {
				ip = ip.WithZone(ni.Name)
			}
			e := IfAddr{
				Name:    ni.Name,
				Index:   ni.Index,
				Flags:   ifc.Flags,
				Family:  fam,
				Addr:    ip,
				Netmask: netmask(bits, ones),
			}
			if fam == sock.AF_INET && ifc.Flags&IFF_BROADCAST != 0 && ones < 31 {
				a4, m4 := ip.As4(), e.Netmask.As4()
				for i := range a4 {
					a4[i] |= ^m4[i]
				}
				e.Broadcast = netip.AddrFrom4(a4)
			}
			ifc.Addrs = append(ifc.Addrs, e)
		}
		ifs = append(ifs, ifc)
	}
	return ifs, nil
}

func ifAddrs() ([]IfAddr, error) {
	ifs, err := interfaces()
	if err != nil {
		return nil, err
	}
	var out []IfAddr
	for _, ifc := range ifs {
		out = append(out, IfAddr{
			Name:         ifc.Name,
			Index:        ifc.Index,
			Flags:        ifc.Flags,
			Family:       sock.AF_PACKET,
			HardwareAddr: ifc.HardwareAddr,
		})
	}
	for _, ifc := range ifs {
		out = append(out, ifc.Addrs...)
	}
	return out, nil
}

func nameToIndex(name string) (int, error) {
	ni, err := net.InterfaceByName(name)
	if err != nil {
		return 0, lookupError("if_nametoindex", name, unix.ENODEV, err)
	}
	return ni.Index, nil
}

func indexToName(index int) (string, error) {
	ni, err := net.InterfaceByIndex(index)
	if err != nil {
		return "", lookupError("if_indextoname", strconv.Itoa(index), unix.ENXIO, err)
	}
	return ni.Name, nil
}

// lookupError turns the standard library's "no such network interface"
// into the errno the C library sets, and keeps any other error.
func lookupError(op, path string, errno unix.Errno, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil && oe.Err.Error() == "no such network interface" {
		return &os.PathError{Op: op, Path: path, Err: errno}
	}
	return &os.PathError{Op: op, Path: path, Err: err}
}

// sysErr gives an error of package net the shape IfAddrs documents: an
// *os.SyscallError named getifaddrs, wrapping the errno where there is one.
func sysErr(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return os.NewSyscallError("getifaddrs", errno)
	}
	return os.NewSyscallError("getifaddrs", err)
}
