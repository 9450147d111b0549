// Package ccmsg evaluates the C library's CMSG_LEN, CMSG_SPACE and
// CMSG_ALIGN macros through cgo, for sock's tests only: the oracle its
// control-message sizes are compared with. Without cgo (or off Linux)
// [Available] is false and the functions return -1.
package ccmsg
