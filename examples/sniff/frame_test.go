package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readHex(t testing.TB, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b, err := hex.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// TestParseFrame decodes frames captured on lo by this program.
func TestParseFrame(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"icmp-echo-request-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 98",
			"IPv4 127.0.0.1 > 127.0.0.1: ICMP, tos 0x0, ttl 64, id 50373, length 84; ICMP type 8, code 0"}},
		{"icmp-echo-reply-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 98",
			"IPv4 127.0.0.1 > 127.0.0.1: ICMP, tos 0x0, ttl 64, id 50374, length 84; ICMP type 0, code 0"}},
		{"icmpv6-echo-request-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv6 (0x86dd), length 118",
			"IPv6 ::1 > ::1: ICMPv6, class 0x0, flowlabel 0x5063e, hlim 64, payload length 64; ICMPv6 type 128, code 0"}},
		{"icmpv6-echo-reply-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv6 (0x86dd), length 118",
			"IPv6 ::1 > ::1: ICMPv6, class 0x0, flowlabel 0x1e7db, hlim 64, payload length 64; ICMPv6 type 129, code 0"}},
		{"tcp-syn-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 74",
			"IPv4 127.0.0.1 > 127.0.0.1: TCP, tos 0x0, ttl 64, id 42661, length 60; TCP 51044 > 9, flags [S], payload 0"}},
		{"tcp-rst-lo.hex", []string{
			"00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 54",
			"IPv4 127.0.0.1 > 127.0.0.1: TCP, tos 0x0, ttl 64, id 0, length 40; TCP 9 > 51056, flags [R.], payload 0"}},
		{"arp-request-veth.hex", []string{
			"02:00:5e:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42",
			"ARP, Request who-has 10.9.0.99 tell 10.9.0.1"}},
		{"udp-vlan.hex", []string{
			"02:00:5e:00:00:01 > 02:00:5e:00:00:02, 802.1Q vlan 5, ethertype IPv4 (0x0800), length 64",
			"IPv4 10.9.0.1 > 10.9.0.2: UDP, tos 0x28, ttl 7, id 1, length 46; UDP 4000 > 9000, payload 18"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f := parseFrame(readHex(t, tt.file))
			if f.Err != nil {
				t.Errorf("Err = %v", f.Err)
			}
			if diff := cmp.Diff(tt.want, f.Lines()); diff != "" {
				t.Errorf("unexpected lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseFrameTruncated cuts a frame at every length: a cut inside a
// header is reported, never read past.
func TestParseFrameTruncated(t *testing.T) {
	b := readHex(t, "tcp-syn-lo.hex")
	for n := range len(b) {
		f := parseFrame(b[:n])
		// Ethernet 14 + IPv4 20 + TCP 40 (options included).
		if cut := n < 14+20+40; cut != (f.Err != nil) {
			t.Errorf("%d bytes: Err = %v", n, f.Err)
		}
		if len(f.Lines()) == 0 {
			t.Errorf("%d bytes: no line", n)
		}
	}
}

// FuzzParseFrame: any bytes decode without a panic; a frame that decodes
// whole decodes the same with bytes added at its end (Ethernet padding),
// since the IP lengths, not the frame's, bound each header.
func FuzzParseFrame(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.hex"))
	for _, p := range files {
		f.Add(readHex(f, filepath.Base(p)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := parseFrame(b)
		if fr.Length != len(b) || len(fr.Lines()) == 0 {
			t.Fatalf("Length %d for %d bytes, lines %q", fr.Length, len(b), fr.Lines())
		}
		if fr.Err != nil || fr.IPVersion == 0 {
			return
		}
		padded := parseFrame(append(append([]byte(nil), b...), make([]byte, 64)...))
		padded.Length = fr.Length
		if diff := cmp.Diff(fr.Lines()[1], padded.Lines()[1]); diff != "" && fr.IPLen > 0 {
			end := 14 + fr.IPLen
			if fr.VLAN >= 0 {
				end += 4
			}
			if fr.IPVersion == 6 {
				end += 40
			}
			if end <= len(b) {
				t.Fatalf("padding changed the IP line (-before +after):\n%s", diff)
			}
		}
	})
}
