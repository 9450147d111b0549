package addrinfo_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/posixkit/posixkit/addrinfo"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

func TestStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"flags", (addrinfo.AI_CANONNAME | addrinfo.AI_ADDRCONFIG).String(), "AI_CANONNAME|AI_ADDRCONFIG"},
		{"unknown flag", (addrinfo.AI_PASSIVE | 0x8000).String(), "AI_PASSIVE|0x8000"},
		{"no flags", addrinfo.Flags(0).String(), "0"},
		{"ni flags", (addrinfo.NI_NAMEREQD | addrinfo.NI_NOFQDN).String(), "NI_NOFQDN|NI_NAMEREQD"},
		{"code name", addrinfo.EAI_AGAIN.Name(), "EAI_AGAIN"},
		{"code text", addrinfo.EAI_SERVICE.Error(), "Servname not supported for ai_socktype"},
		{"unknown code", addrinfo.Code(-99).Name(), "-99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestErrorUnwrap(t *testing.T) {
	e := &addrinfo.Error{Code: addrinfo.EAI_SYSTEM, Host: "h", Service: "s", Err: unix.EMFILE}
	if !errors.Is(e, addrinfo.EAI_SYSTEM) || !errors.Is(e, unix.EMFILE) || errors.Is(e, addrinfo.EAI_AGAIN) {
		t.Fatalf("errors.Is does not see through %v", e)
	}
	if got, want := e.Error(), "lookup h s: System error: too many open files"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		host  string
		svc   string
		hints addrinfo.Hints
		code  addrinfo.Code
	}{
		{"unknown flag", "127.0.0.1", "", addrinfo.Hints{Flags: 0x8000}, addrinfo.EAI_BADFLAGS},
		{"canonname without host", "", "80", addrinfo.Hints{Flags: addrinfo.AI_CANONNAME}, addrinfo.EAI_BADFLAGS},
		{"family", "127.0.0.1", "", addrinfo.Hints{Family: sock.AF_UNIX}, addrinfo.EAI_FAMILY},
		{"socktype", "127.0.0.1", "", addrinfo.Hints{SockType: 99}, addrinfo.EAI_SOCKTYPE},
		{"protocol", "127.0.0.1", "80", addrinfo.Hints{SockType: sock.SOCK_STREAM, Protocol: sock.IPPROTO_UDP}, addrinfo.EAI_SOCKTYPE},
		{"numericserv", "127.0.0.1", "http", addrinfo.Hints{Flags: addrinfo.AI_NUMERICSERV}, addrinfo.EAI_NONAME},
		{"raw with service", "127.0.0.1", "80", addrinfo.Hints{SockType: sock.SOCK_RAW}, addrinfo.EAI_SERVICE},
		{"wrong family", "::1", "", addrinfo.Hints{Family: sock.AF_INET}, addrinfo.EAI_ADDRFAMILY},
		{"both empty", "", "", addrinfo.Hints{}, addrinfo.EAI_NONAME},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := addrinfo.Lookup(ctx, tt.host, tt.svc, &tt.hints)
			if !errors.Is(err, tt.code) {
				t.Fatalf("error = %v, want %s", err, tt.code.Name())
			}
		})
	}
	if _, _, err := addrinfo.NameInfo(ctx, netip.AddrPort{}, 0); !errors.Is(err, addrinfo.EAI_FAMILY) {
		t.Errorf("NameInfo(zero address) error = %v, want EAI_FAMILY", err)
	}
	if _, _, err := addrinfo.NameInfo(ctx, netip.MustParseAddrPort("127.0.0.1:1"), 0x4000); !errors.Is(err, addrinfo.EAI_BADFLAGS) {
		t.Errorf("NameInfo(bad flag) error = %v, want EAI_BADFLAGS", err)
	}
}

// TestSocket opens the socket of each entry of a numeric look-up.
func TestSocket(t *testing.T) {
	infos, err := addrinfo.Lookup(context.Background(), "127.0.0.1", "0", &addrinfo.Hints{Flags: addrinfo.AI_NUMERICHOST})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range infos {
		if i.SockType == sock.SOCK_RAW {
			continue // needs CAP_NET_RAW
		}
		s, err := i.Socket()
		if err != nil {
			t.Fatalf("Socket(%v %v): %v", i.Family, i.SockType, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err == nil {
			t.Fatal("second Close returned nil")
		}
	}
}
