// Package sigstorm sends storms of signals at the test process, to check
// that blocking calls neither end early nor lose data when interrupted
// (EINTR) again and again. It is used only by tests, on Linux.
package sigstorm
