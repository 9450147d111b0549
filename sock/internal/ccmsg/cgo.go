//go:build cgo && linux

package ccmsg

/*
#include <sys/socket.h>

static long pk_len(long n) { return CMSG_LEN(n); }
static long pk_space(long n) { return CMSG_SPACE(n); }
static long pk_align(long n) { return CMSG_ALIGN(n); }
static long pk_hdr(void) { return sizeof(struct cmsghdr); }
*/
import "C"

// Available reports whether the functions call the C macros.
const Available = true

// Len is CMSG_LEN(n).
func Len(n int) int { return int(C.pk_len(C.long(n))) }

// Space is CMSG_SPACE(n).
func Space(n int) int { return int(C.pk_space(C.long(n))) }

// Align is CMSG_ALIGN(n).
func Align(n int) int { return int(C.pk_align(C.long(n))) }

// Hdr is sizeof(struct cmsghdr).
func Hdr() int { return int(C.pk_hdr()) }
