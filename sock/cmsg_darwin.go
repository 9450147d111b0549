package sock

import "golang.org/x/sys/unix"

// IP_PKTINFO: Darwin has it, with Linux's struct in_pktinfo.
const IP_PKTINFO = unix.IP_PKTINFO

const (
	ipPktinfo          = unix.IP_PKTINFO
	sizeofInet4Pktinfo = unix.SizeofInet4Pktinfo
	scmTimestampns     = 0
)
