//go:build darwin || freebsd || netbsd || openbsd || dragonfly

// The systems whose link-layer family is AF_LINK (sockaddr_dl).

package sock

import "golang.org/x/sys/unix"

// AF_PACKET is the link-layer family of getifaddrs' per-interface entries:
// AF_LINK here, AF_PACKET on Linux. Portable code names it AF_PACKET.
const AF_PACKET Family = unix.AF_LINK

// AF_LINK is the BSD name of the link-layer family.
const AF_LINK Family = unix.AF_LINK

const afPacketName = "AF_LINK"
