// Package errtext holds no code: its test prints a representative error of
// every package (fileio, sock, netif, addrinfo), checks that each names its
// call once with no word said twice, and that the README shows each one.
package errtext
