//go:build !cgo || !linux

package ccmsg

// Available reports whether the functions call the C macros.
const Available = false

// Len is CMSG_LEN(n); -1 here.
func Len(int) int { return -1 }

// Space is CMSG_SPACE(n); -1 here.
func Space(int) int { return -1 }

// Align is CMSG_ALIGN(n); -1 here.
func Align(int) int { return -1 }

// Hdr is sizeof(struct cmsghdr); -1 here.
func Hdr() int { return -1 }
