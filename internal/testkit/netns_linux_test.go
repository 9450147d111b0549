package testkit_test

import (
	"os"
	"strings"
	"testing"

	"github.com/posixkit/posixkit/internal/testkit"
)

// TestNetnsOwnTables: a namespace made by NewNetnsOwnTables has TCP and
// UDP hash tables of its own of the size asked for (a positive
// tcp_ehash_entries and udp_hash_entries; a shared table reads negative),
// one made by NewNetns shares the host's, and the host's setting is left
// as it was.
func TestNetnsOwnTables(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for namespaces")
	}
	read := func(k string) string {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + k)
		if err != nil {
			t.Skipf("skipping: %v", err)
		}
		return strings.TrimSpace(string(b))
	}
	host := read("tcp_child_ehash_entries")
	for _, tt := range []struct {
		name     string
		ns       func(testing.TB) string
		own      bool
		wantSize string
	}{
		{"own", func(t testing.TB) string { return testkit.NewNetnsOwnTables(t, 1024) }, true, "1024"},
		{"shared", testkit.NewNetns, false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.ns(t)
			testkit.InNetns(t, ns, func() {
				for _, k := range []string{"tcp_ehash_entries", "udp_hash_entries"} {
					v := read(k)
					if own := !strings.HasPrefix(v, "-"); own != tt.own || tt.own && v != tt.wantSize {
						t.Errorf("%s = %s in the namespace; want own table %v of size %q", k, v, tt.own, tt.wantSize)
					}
				}
			})
		})
	}
	if got := read("tcp_child_ehash_entries"); got != host {
		t.Errorf("the host's tcp_child_ehash_entries went from %s to %s", host, got)
	}
}
