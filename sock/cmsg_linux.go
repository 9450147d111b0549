package sock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux control messages.
const (
	SCM_CREDENTIALS = unix.SCM_CREDENTIALS
	SO_PASSCRED     = unix.SO_PASSCRED
	SO_TIMESTAMPNS  = unix.SO_TIMESTAMPNS
	SCM_TIMESTAMPNS = unix.SCM_TIMESTAMPNS
	IP_PKTINFO      = unix.IP_PKTINFO
)

const (
	ipPktinfo          = unix.IP_PKTINFO
	sizeofInet4Pktinfo = unix.SizeofInet4Pktinfo
	scmTimestampns     = unix.SCM_TIMESTAMPNS
)

// Ucred is a process's credentials: SCM_CREDENTIALS and SO_PEERCRED (Linux).
type Ucred struct {
	Pid int
	Uid int
	Gid int
}

// Credentials decodes an SCM_CREDENTIALS message (Linux).
func (c Cmsg) Credentials() (Ucred, bool) {
	if c.Level != unix.SOL_SOCKET || c.Type != unix.SCM_CREDENTIALS || len(c.Data) != unix.SizeofUcred {
		return Ucred{}, false
	}
	return Ucred{
		Pid: int(int32(nativeEndian.Uint32(c.Data[0:]))),
		Uid: int(nativeEndian.Uint32(c.Data[4:])),
		Gid: int(nativeEndian.Uint32(c.Data[8:])),
	}, true
}

// AppendCredentials appends an SCM_CREDENTIALS message (Linux): the
// kernel checks them against the sender's own.
func AppendCredentials(b []byte, u Ucred) []byte {
	var uc unix.Ucred
	b, d := appendCmsg(b, unix.SOL_SOCKET, unix.SCM_CREDENTIALS, int(unsafe.Sizeof(uc)))
	nativeEndian.PutUint32(d[0:], uint32(int32(u.Pid)))
	nativeEndian.PutUint32(d[4:], uint32(u.Uid))
	nativeEndian.PutUint32(d[8:], uint32(u.Gid))
	return b
}
