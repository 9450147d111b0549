// Package peerbench measures posixkit's Poller event loops against the
// servers Go users pick instead: the standard library's net (a goroutine
// per connection), gnet v2 (one event loop, and one per core) and nbio.
//
// Every server runs in its own process, started by re-running the current
// executable with "-serve NAME" (see [ServeMain]); the load generator runs
// in the calling process: N loopback clients, each doing request ->
// response echo of a fixed size in a closed loop. [Run] measures every
// server in interleaved rounds and [Table] prints the medians as a
// markdown table, with the spread over rounds, the server's CPU time per
// request (utime+stime from /proc/PID/stat) and its resident memory per
// connection (VmRSS from /proc/PID/status over its idle baseline).
//
// It is a module of its own so that posixkit's users never download gnet
// or nbio. The command is cmd/peerbench; README.md says how to run it.
package peerbench
