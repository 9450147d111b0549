package cname_test

import (
	"testing"

	"github.com/posixkit/posixkit/internal/cname"
)

var names = []cname.Name{
	{V: 0, Name: "NONE"},
	{V: 1, Name: "A"},
	{V: 2, Name: "B"},
	{V: 6, Name: "BC"}, // a two-bit name after one of its bits
	{V: 8, Name: "D"},
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name  string
		v     uint64
		names []cname.Name
		want  string
	}{
		{"zero with a zero name", 0, names, "NONE"},
		{"zero without one", 0, names[1:], "0"},
		{"one bit", 1, names, "A"},
		{"table order", 9, names, "A|D"},
		{"multi-bit name needs all its bits", 2 | 8, names, "B|D"},
		{"multi-bit name after a shared bit", 6, names, "B|0x4"},
		{"unknown bits in hex", 1 | 0x30, names, "A|0x30"},
		{"only unknown bits", 0x100, names, "0x100"},
		{"high bits", 1 << 63, names, "0x8000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cname.Flags(tt.v, tt.names); got != tt.want {
				t.Errorf("Flags(%#x) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		v    int64
		want string
	}{
		{0, "NONE"},
		{8, "D"},
		{7, "7"},
		{-1, "-1"},
	}
	for _, tt := range tests {
		if got := cname.Value(tt.v, names); got != tt.want {
			t.Errorf("Value(%d) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
