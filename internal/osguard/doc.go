// Package osguard stops a build of posixkit for a system it does not
// support with one clear compile error, instead of a cascade of undefined
// names from golang.org/x/sys/unix and the per-OS files.
//
// posixkit supports Linux (and Android), macOS (and iOS), FreeBSD, NetBSD,
// OpenBSD and DragonFly BSD. On any other system (Windows, illumos,
// Solaris, AIX, Plan 9, js/wasm, wasip1...) this package does not compile,
// and neither does any package that imports it: internal/fdcore, and so
// fileio, sock, netif, addrinfo and the examples. The error reads
//
//	undefined: posixkit_requires_Linux_macOS_or_a_BSD
//
// A program that must also build elsewhere keeps its posixkit code in files
// with a build constraint of its own.
package osguard
