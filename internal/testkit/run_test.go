package testkit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCFormatRegexp(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		out     string
		want    []string // the conversions' values; nil: no match
	}{
		{"space flag", []string{"called read(% d, c, 10). returned that", " %d bytes were read.\n"}, "called read( 5, c, 10). returned that 10 bytes were read.\n", []string{"5", "10"}},
		{"negative under the space flag", []string{"fd = % d\n"}, "fd = -1\n", []string{"-1"}},
		{"precision string takes newlines", []string{"Received (%d bytes): %.*s", "Finished.\n"}, "Received (6 bytes): HELLO\nFinished.\n", []string{"6", "HELLO\n"}},
		{"%s stops at a newline", []string{"Sending: %s", "\n"}, "Sending: a\nb\n", nil},
		{"a missing line", []string{"one\n", "two\n"}, "one\n", nil},
		{"an extra line", []string{"one\n"}, "one\ntwo\n", nil},
		{"literal metacharacters", []string{"(%d) [x]*\n"}, "(3) [x]*\n", []string{"3"}},
		{"percent sign", []string{"100%%\n"}, "100%\n", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := CFormatRegexp(tt.formats...).FindStringSubmatch(tt.out)
			var got []string
			if m != nil {
				got = m[1:]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("unexpected values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithoutGoNotes(t *testing.T) {
	got := WithoutGoNotes("fd = 5\n(Go: the runtime held 3, 4)\nclosed the fd.\n")
	if diff := cmp.Diff("fd = 5\nclosed the fd.\n", got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseStrace(t *testing.T) {
	log := `123   socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 5
124   read(0,  <unfinished ...>
123   fcntl(5, F_GETFL)                 = 0x802 (flags O_RDWR|O_NONBLOCK)
124   <... read resumed>"hi\n", 4096)   = 3
125   +++ exited with 0 +++
123   recvmsg(5, {msg_namelen=0}, 0)    = -1 EAGAIN (Resource temporarily unavailable)
`
	tr := ParseStrace(log)
	var got []Syscall
	for _, c := range tr {
		got = append(got, Syscall{Name: c.Name, Args: c.Args, Ret: c.Ret})
	}
	want := []Syscall{
		{Name: "socket", Args: "AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP", Ret: "5"},
		{Name: "fcntl", Args: "5, F_GETFL", Ret: "0x802 (flags O_RDWR|O_NONBLOCK)"},
		{Name: "read", Args: `0, "hi\n", 4096`, Ret: "3"},
		{Name: "recvmsg", Args: "5, {msg_namelen=0}, 0", Ret: "-1 EAGAIN (Resource temporarily unavailable)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unexpected calls (-want +got):\n%s", diff)
	}
	if !tr.Has("fcntl", "5, F_GETFL", "0x802") || tr.Has("fcntl", "5, F_GETFL", "0x80") || !tr.Has("recvmsg", "5, {msg_namelen=0}, 0", "-1 EAGAIN") {
		t.Error("Has: a return value must match up to the end or a space")
	}
}
