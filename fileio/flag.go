package fileio

import (
	"github.com/posixkit/posixkit/internal/cname"
	"golang.org/x/sys/unix"
)

// Flag is a set of open(2) flags: one access mode (O_RDONLY, O_WRONLY or
// O_RDWR) combined with any of the others, as in C.
type Flag int

// Open flags. The values are the system's own.
const (
	O_RDONLY    Flag = unix.O_RDONLY
	O_WRONLY    Flag = unix.O_WRONLY
	O_RDWR      Flag = unix.O_RDWR
	O_APPEND    Flag = unix.O_APPEND
	O_CREAT     Flag = unix.O_CREAT
	O_EXCL      Flag = unix.O_EXCL
	O_TRUNC     Flag = unix.O_TRUNC
	O_NONBLOCK  Flag = unix.O_NONBLOCK
	O_SYNC      Flag = unix.O_SYNC
	O_CLOEXEC   Flag = unix.O_CLOEXEC
	O_NOFOLLOW  Flag = unix.O_NOFOLLOW
	O_DIRECTORY Flag = unix.O_DIRECTORY
)

const accMode = unix.O_ACCMODE

var accessNames = []cname.Name{
	{V: unix.O_RDONLY, Name: "O_RDONLY"},
	{V: unix.O_WRONLY, Name: "O_WRONLY"},
	{V: unix.O_RDWR, Name: "O_RDWR"},
}

var flagNames = []cname.Name{
	{V: unix.O_APPEND, Name: "O_APPEND"},
	{V: unix.O_CREAT, Name: "O_CREAT"},
	{V: unix.O_EXCL, Name: "O_EXCL"},
	{V: unix.O_TRUNC, Name: "O_TRUNC"},
	{V: unix.O_NONBLOCK, Name: "O_NONBLOCK"},
	{V: unix.O_SYNC, Name: "O_SYNC"},
	{V: unix.O_CLOEXEC, Name: "O_CLOEXEC"},
	{V: unix.O_NOFOLLOW, Name: "O_NOFOLLOW"},
	{V: unix.O_DIRECTORY, Name: "O_DIRECTORY"},
}

// String returns the flags as C spells them, the access mode first:
// "O_WRONLY|O_CREAT|O_TRUNC". Bits without a name print in hexadecimal.
func (f Flag) String() string {
	s := cname.Value(int64(f&accMode), accessNames)
	if rest := uint64(f) &^ accMode; rest != 0 {
		s += "|" + cname.Flags(rest, flagNames)
	}
	return s
}
