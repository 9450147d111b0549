package sock

import "golang.org/x/sys/unix"

// AF_PACKET is the link-layer family: packet sockets, and the family of
// getifaddrs' per-interface entries. On the BSDs and Darwin it is AF_LINK.
const AF_PACKET Family = unix.AF_PACKET

const afPacketName = "AF_PACKET"

// msgNoSignal is added to every send: no SIGPIPE on a broken connection.
const msgNoSignal = unix.MSG_NOSIGNAL

// soLinger is the SO_LINGER option, counted in seconds.
const soLinger = unix.SO_LINGER
