package peerbench_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	peerbench "github.com/posixkit/posixkit/bench"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		bad  bool
	}{
		{name: "plain", in: "1234 (peerbench) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 5 0 100 0 0\n",
			want: 2870 * time.Millisecond},
		{name: "spaces and parentheses in the name", in: "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 0 0\n",
			want: 30 * time.Millisecond},
		{name: "no parenthesis", in: "1234 peerbench S 1", bad: true},
		{name: "too short", in: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 5", bad: true},
		{name: "not a number", in: "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 2 0", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := peerbench.ParseStatCPU([]byte(tt.in))
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseStatCPU = %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected CPU time (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStatusRSS(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		bad  bool
	}{
		{name: "plain", in: "Name:\tpeerbench\nVmPeak:\t 1000 kB\nVmRSS:\t    7412 kB\nRssAnon:\t 3000 kB\n", want: 7412 << 10},
		{name: "no VmRSS (a kernel thread)", in: "Name:\tkthreadd\nState:\tS (sleeping)\n", bad: true},
		{name: "other unit", in: "VmRSS:\t7412 MB\n", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := peerbench.ParseStatusRSS([]byte(tt.in))
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseStatusRSS = %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected RSS (-want +got):\n%s", diff)
			}
		})
	}
}
