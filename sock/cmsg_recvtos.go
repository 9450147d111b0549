//go:build linux || darwin || freebsd

package sock

import "golang.org/x/sys/unix"

// IP_RECVTOS asks for each datagram's TOS byte as an IP_TOS (Darwin and
// FreeBSD: IP_RECVTOS) control message. NetBSD, OpenBSD and DragonFly
// have no such option.
const IP_RECVTOS = unix.IP_RECVTOS

const ipRecvTOS = unix.IP_RECVTOS
