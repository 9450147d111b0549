// Package testkit holds the helpers that posixkit's tests share, in the
// manner of mdlayher/socket's internal/sockettest: a TestMain that fails a
// run leaving descriptors or goroutines behind, the listing and counting of
// the process's descriptors, close-on-exec pipes and socketpairs, signal
// storms, goroutine and thread counts, re-executed test binaries, network
// namespaces, and the harness that runs the example programs.
//
// It imports only the standard library and x/sys, never a posixkit
// package, so that the tests of every package, internal ones included, can
// import it without a cycle. It is for tests only: nothing the library
// ships imports it.
package testkit
