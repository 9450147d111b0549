package iovec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdvance(t *testing.T) {
	bufs := [][]byte{make([]byte, 3), nil, make([]byte, 2)}
	tests := []struct {
		name         string
		i, off, n    int
		wantI, wantO int
	}{
		{"nothing", 0, 0, 0, 0, 0},
		{"inside the first", 0, 0, 2, 0, 2},
		{"to the end of the first skips the empty one", 0, 0, 3, 2, 0},
		{"into the last", 0, 1, 3, 2, 1},
		{"all", 0, 0, 5, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, off := Advance(bufs, tt.i, tt.off, tt.n)
			if diff := cmp.Diff([2]int{tt.wantI, tt.wantO}, [2]int{i, off}); diff != "" {
				t.Errorf("unexpected position (-want +got):\n%s", diff)
			}
		})
	}
	if Len(bufs) != 5 {
		t.Errorf("Len = %d, want 5", Len(bufs))
	}
}
