//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package osguard

// posixkit wraps the system calls of Linux, macOS and the BSDs; on this
// system they do not exist, and a stub that failed every call at run time
// (ENOSYS) would only move this error from the build to the user. See the
// package documentation.
var _ = posixkit_requires_Linux_macOS_or_a_BSD
