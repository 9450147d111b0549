//go:build !linux && !darwin

package sock

// No IP_PKTINFO (FreeBSD has IP_RECVDSTADDR instead) nor SCM_TIMESTAMPNS.
const (
	ipPktinfo          = 0
	sizeofInet4Pktinfo = 12
	scmTimestampns     = 0
)
