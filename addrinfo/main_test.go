package addrinfo_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/posixkit/posixkit/addrinfo/internal/cgai"
	"github.com/posixkit/posixkit/internal/testkit"
)

// TestMain runs the tests with testkit's leak check, or, when the
// differential test re-executes this binary under "unshare -m" with
// ADDRINFO_ORACLE set, answers getaddrinfo and getnameinfo questions with the C library after bind-mounting the
// test's hosts, services and resolv.conf files over /etc; with
// ADDRINFO_FILES_ORACLE set, it is the child of TestDifferentialFiles.
func TestMain(m *testing.M) {
	if os.Getenv("ADDRINFO_ORACLE") != "" {
		os.Exit(oracleMain())
	}
	if os.Getenv("ADDRINFO_FILES_ORACLE") != "" {
		os.Exit(filesOracleMain())
	}
	testkit.Main(m)
}

type gaiCase struct {
	Host, Service                     *string
	Flags, Family, SockType, Protocol int
	NilHints                          bool // hints == NULL: glibc's AI_DEFAULT
}

type gniCase struct {
	Addr  string
	Port  uint16
	Scope uint32
	Flags int
}

type oracleIn struct {
	GAI []gaiCase
	GNI []gniCase
	// Bench, when set, is one case to call N times in a loop, timed.
	Bench  *gaiCase
	BenchN int
}

type gaiOut struct {
	Infos []cgai.AddrInfo
	Code  int
	Nanos int64 // how long the call took
}

type gniOut struct {
	Host, Serv string
	Code       int
}

type oracleOut struct {
	GAI        []gaiOut
	GNI        []gniOut
	BenchNanos int64
}

func oracleMain() int {
	for _, bind := range [][2]string{
		{os.Getenv("ADDRINFO_HOSTS"), "/etc/hosts"},
		{os.Getenv("ADDRINFO_SERVICES"), "/etc/services"},
		{os.Getenv("ADDRINFO_RESOLV"), "/etc/resolv.conf"},
		{os.Getenv("ADDRINFO_NSSWITCH"), "/etc/nsswitch.conf"},
		{os.Getenv("ADDRINFO_GAI"), "/etc/gai.conf"},
	} {
		if bind[0] == "" {
			continue
		}
		if err := bindMount(bind[0], bind[1]); err != nil {
			fmt.Fprintf(os.Stderr, "oracle: bind %s over %s: %v\n", bind[0], bind[1], err)
			return 2
		}
	}
	var in oracleIn
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		return 2
	}
	var out oracleOut
	if c := in.Bench; c != nil {
		cgai.GetAddrInfo(c.Host, c.Service, c.Flags, c.Family, c.SockType, c.Protocol) // warm up
		start := time.Now()
		for range in.BenchN {
			if _, code := cgai.GetAddrInfo(c.Host, c.Service, c.Flags, c.Family, c.SockType, c.Protocol); code != 0 {
				fmt.Fprintln(os.Stderr, "oracle bench: getaddrinfo:", cgai.GaiStrerror(code))
				return 2
			}
		}
		out.BenchNanos = time.Since(start).Nanoseconds()
	}
	for _, c := range in.GAI {
		start := time.Now()
		var infos []cgai.AddrInfo
		var code int
		if c.NilHints {
			infos, code = cgai.GetAddrInfoNilHints(c.Host, c.Service)
		} else {
			infos, code = cgai.GetAddrInfo(c.Host, c.Service, c.Flags, c.Family, c.SockType, c.Protocol)
		}
		out.GAI = append(out.GAI, gaiOut{infos, code, time.Since(start).Nanoseconds()})
	}
	for _, c := range in.GNI {
		a := netip.MustParseAddr(c.Addr)
		h, s, code := cgai.GetNameInfo(a, c.Port, c.Scope, c.Flags, 1025, 32)
		out.GNI = append(out.GNI, gniOut{h, s, code})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 2
	}
	return 0
}
