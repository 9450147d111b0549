// Package cname prints typed POSIX constants with their C spelling.
//
// It is shared by every posixkit package so that each flag type's String
// method is one line: a table of names and a call to [Flags] or [Value].
package cname

import "strconv"

// Name pairs a constant's value with its C spelling.
type Name struct {
	V    uint64
	Name string
}

// Value returns the C name of v, or its decimal form when no name matches.
func Value(v int64, names []Name) string {
	for _, n := range names {
		if n.V == uint64(v) {
			return n.Name
		}
	}
	return strconv.FormatInt(v, 10)
}

// Flags joins the names of the bits set in v with "|", in table order, and
// prints any bits left over in hexadecimal, so unknown values still show.
// A name matches only while all of its bits are still unclaimed, so a table
// lists a multi-bit name (O_SYNC, which holds O_DSYNC) before its parts.
// A name whose value is 0 is printed only when v is 0 (O_RDONLY, say); with
// no such name, 0 prints as "0".
func Flags(v uint64, names []Name) string {
	if v == 0 {
		for _, n := range names {
			if n.V == 0 {
				return n.Name
			}
		}
		return "0"
	}
	var b []byte
	left := v
	for _, n := range names {
		if n.V == 0 || left&n.V != n.V {
			continue
		}
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, n.Name...)
		left &^= n.V
	}
	if left != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, "0x"...)
		b = strconv.AppendUint(b, left, 16)
	}
	return string(b)
}
