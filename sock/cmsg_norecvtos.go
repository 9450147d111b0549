//go:build !linux && !darwin && !freebsd

package sock

// ipRecvTOS is a control message type no message has: this system has no
// IP_RECVTOS.
const ipRecvTOS = -1
