//go:build linux

package sock

import "golang.org/x/sys/unix"

// AF_PACKET is the link-layer family: packet sockets, and the family of
// getifaddrs' per-interface entries. On the BSDs and Darwin it is AF_LINK.
const AF_PACKET Family = unix.AF_PACKET

const afPacketName = "AF_PACKET"
