package addrinfo_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// dnsZone is the test responder's data: records by lower-case name and
// type, plus names that fail in a given way.
type dnsRR struct {
	typ  uint16
	data []byte // rdata; for CNAME and PTR the encoded target name
}

const (
	typeA     = 1
	typeCNAME = 5
	typePTR   = 12
	typeAAAA  = 28
)

type dnsServer struct {
	zone     map[string][]dnsRR         // "name." -> records
	rcode    map[string]int             // names answered with this rcode
	silent   map[string]bool            // names never answered
	garbage  map[string]bool            // names answered with a malformed message
	tcpOnly  map[string]bool            // names answered in full over TCP only
	forge    map[string]string          // names whose answer a forgery precedes: "id", "question", "source"
	delay    map[string]time.Duration   // names answered late
	silentT  map[string]map[uint16]bool // names never answered for one type
	rcodeT   map[string]map[uint16]int  // names answered with an rcode for one type
	udp      net.PacketConn
	tcp      net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	queries  []string
	addrPort string
}

func encodeName(n string) []byte {
	var b []byte
	n = strings.TrimSuffix(n, ".")
	if n != "" {
		for _, l := range strings.Split(n, ".") {
			b = append(b, byte(len(l)))
			b = append(b, l...)
		}
	}
	return append(b, 0)
}

func newZone() *dnsServer {
	s := &dnsServer{zone: map[string][]dnsRR{}, rcode: map[string]int{}, silent: map[string]bool{}, garbage: map[string]bool{},
		tcpOnly: map[string]bool{}, forge: map[string]string{}, delay: map[string]time.Duration{},
		silentT: map[string]map[uint16]bool{}, rcodeT: map[string]map[uint16]int{}}
	a := func(name, addr string) {
		ip := netip.MustParseAddr(addr)
		t := uint16(typeA)
		if ip.Is6() {
			t = typeAAAA
		}
		s.zone[name] = append(s.zone[name], dnsRR{t, ip.AsSlice()})
	}
	cname := func(name, target string) {
		s.zone[name] = append(s.zone[name], dnsRR{typeCNAME, encodeName(target)})
	}
	ptr := func(addr, target string) {
		ip := netip.MustParseAddr(addr)
		var rev string
		if ip.Is4() {
			b := ip.As4()
			rev = strings.Join([]string{itoa(b[3]), itoa(b[2]), itoa(b[1]), itoa(b[0])}, ".") + ".in-addr.arpa."
		} else {
			b := ip.As16()
			var parts []string
			for i := 15; i >= 0; i-- {
				parts = append(parts, string("0123456789abcdef"[b[i]&0xf]), string("0123456789abcdef"[b[i]>>4]))
			}
			rev = strings.Join(parts, ".") + ".ip6.arpa."
		}
		s.zone[rev] = append(s.zone[rev], dnsRR{typePTR, encodeName(target)})
	}
	a("a.test.", "192.0.2.10")
	a("multi.test.", "198.51.100.11")
	a("multi.test.", "192.0.2.12")
	a("multi.test.", "fd00::11")
	a("multi.test.", "2001:db8::12")
	a("both.test.", "192.0.2.13")
	a("both.test.", "fd00::13")
	a("v6only.test.", "fd00::20")
	cname("cname.test.", "mid.test.")
	cname("mid.test.", "real.test.")
	a("real.test.", "192.0.2.30")
	a("real.test.", "fd00::30")
	s.zone["nodata.test."] = nil
	cname("tcp.test.", "tcp-real.test.")
	a("tcp-real.test.", "192.0.2.40")
	s.tcpOnly["tcp.test."] = true
	s.garbage["garbage.test."] = true
	s.rcode["servfail.test."] = 2
	s.rcode["refused.test."] = 5
	s.silent["silent.test."] = true
	ptr("192.0.2.10", "a.test.")
	ptr("fd00::11", "multi.test.")
	ptr("192.0.2.99", "ptr-only.test.")
	s.silent["98.2.0.192.in-addr.arpa."] = true
	return s
}

func typeName(t uint16) string {
	switch t {
	case typeA:
		return "A"
	case typeAAAA:
		return "AAAA"
	case typePTR:
		return "PTR"
	}
	return strconv.Itoa(int(t))
}

func itoa(b byte) string { return strconv.Itoa(int(b)) }

// start listens on addr (UDP and TCP) until the test ends; it returns
// false if the port is taken.
func (s *dnsServer) start(t testing.TB, addr string) bool {
	if !s.listen(addr) {
		return false
	}
	t.Cleanup(s.stop)
	return true
}

// listen listens on addr (UDP and TCP) until stop; it returns false if
// the port is taken.
func (s *dnsServer) listen(addr string) bool {
	// With port 0 the kernel picks a free UDP port, but the TCP port of the
	// same number may be in use: try a few ports before giving up.
	var udp net.PacketConn
	var tcp net.Listener
	for try := 0; ; try++ {
		var err error
		udp, err = net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		tcp, err = net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			break
		}
		udp.Close()
		if try == 20 || !strings.HasSuffix(addr, ":0") {
			return false
		}
	}
	s.udp, s.tcp, s.addrPort = udp, tcp, udp.LocalAddr().String()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		buf := make([]byte, 4096)
		for {
			n, from, err := udp.ReadFrom(buf)
			if err != nil {
				return
			}
			q := append([]byte(nil), buf[:n]...)
			s.forgeries(udp, q, from)
			if name, _, _, ok := questionEnd(q); ok && s.delay[name] > 0 {
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					time.Sleep(s.delay[name])
					if resp := s.answer(q, false); resp != nil {
						udp.WriteTo(resp, from)
					}
				}()
				continue
			}
			if resp := s.answer(q, false); resp != nil {
				udp.WriteTo(resp, from)
			}
		}
	}()
	go func() {
		defer s.wg.Done()
		for {
			c, err := tcp.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				var l [2]byte
				for {
					if _, err := readFull(c, l[:]); err != nil {
						return
					}
					msg := make([]byte, binary.BigEndian.Uint16(l[:]))
					if _, err := readFull(c, msg); err != nil {
						return
					}
					resp := s.answer(msg, true)
					if resp == nil {
						return
					}
					c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(resp))), resp...))
				}
			}()
		}
	}()
	return true
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *dnsServer) stop() {
	s.udp.Close()
	s.tcp.Close()
	s.wg.Wait()
}

// startLoopback53 starts the responder on port 53 of a loopback address
// of its own (127.x.y.z), as resolv.conf can name no other port. It skips
// the test when no such address can be had.
func (s *dnsServer) startLoopback53(t testing.TB) netip.Addr {
	t.Helper()
	for try := 0; try < 50; try++ {
		a := netip.AddrFrom4([4]byte{127, byte(1 + rand.IntN(250)), byte(rand.IntN(256)), byte(1 + rand.IntN(250))})
		if s.start(t, netip.AddrPortFrom(a, 53).String()) {
			return a
		}
	}
	t.Skip("no loopback address with a free port 53 (needs root)")
	return netip.Addr{}
}

// writeResolvConf writes a resolv.conf naming the servers, with the
// given extra lines, and returns its path.
func writeResolvConf(t testing.TB, extra string, servers ...netip.Addr) string {
	t.Helper()
	var b strings.Builder
	for _, a := range servers {
		fmt.Fprintf(&b, "nameserver %s\n", a)
	}
	b.WriteString(extra)
	p := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// queryLog returns the names asked so far, with their types.
func (s *dnsServer) queryLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

// evilReply is a reply to q with the attacker's data: the name is a CNAME
// to evil.attacker, which has 6.6.6.6 (or 6666::6).
func evilReply(q []byte, qend int, qtype uint16) []byte {
	resp := append([]byte(nil), q[:qend]...)
	binary.BigEndian.PutUint16(resp[2:], 0x8580)
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], 2)
	binary.BigEndian.PutUint16(resp[8:], 0)
	binary.BigEndian.PutUint16(resp[10:], 0)
	target := encodeName("evil.attacker.")
	resp = append(resp, 0xc0, 12)
	resp = binary.BigEndian.AppendUint16(resp, typeCNAME)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint32(resp, 60)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(target)))
	resp = append(resp, target...)
	resp = append(resp, target...)
	data := []byte{6, 6, 6, 6}
	if qtype == typeAAAA {
		data = netip.MustParseAddr("6666::6").AsSlice()
	} else {
		qtype = typeA
	}
	resp = binary.BigEndian.AppendUint16(resp, qtype)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint32(resp, 60)
	resp = binary.BigEndian.AppendUint16(resp, uint16(len(data)))
	return append(resp, data...)
}

// questionEnd returns the name, type and end offset of q's question.
func questionEnd(q []byte) (string, uint16, int, bool) {
	if len(q) < 12 {
		return "", 0, 0, false
	}
	i := 12
	var labels []string
	for {
		if i >= len(q) {
			return "", 0, 0, false
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return "", 0, 0, false
		}
		labels = append(labels, strings.ToLower(string(q[i:i+l])))
		i += l
	}
	if i+4 > len(q) {
		return "", 0, 0, false
	}
	return strings.Join(labels, ".") + ".", binary.BigEndian.Uint16(q[i:]), i + 4, true
}

// forgeries sends the forged replies that precede the real one for a
// name in s.forge, then waits so that they arrive first.
func (s *dnsServer) forgeries(udp net.PacketConn, q []byte, from net.Addr) {
	name, qtype, qend, ok := questionEnd(q)
	if !ok {
		return
	}
	kind := s.forge[name]
	if kind == "" {
		return
	}
	evil := evilReply(q, qend, qtype)
	switch kind {
	case "id":
		evil[0] ^= 0x55
		udp.WriteTo(evil, from)
	case "question":
		// The right ID, but the question of another name.
		other := append(append([]byte(nil), q[:12]...), encodeName("evil.attacker.")...)
		other = binary.BigEndian.AppendUint16(other, qtype)
		other = binary.BigEndian.AppendUint16(other, 1)
		other = append(other, evil[qend:]...)
		other[2], other[3] = 0x85, 0x80
		udp.WriteTo(other, from)
	case "source":
		// Everything right but the source port.
		c, err := net.ListenPacket("udp", strings.Split(s.addrPort, ":")[0]+":0")
		if err == nil {
			c.WriteTo(evil, from)
			c.Close()
		}
	}
	time.Sleep(20 * time.Millisecond)
}

// answer builds the reply to one query, or nil to stay silent.
func (s *dnsServer) answer(q []byte, overTCP bool) []byte {
	if len(q) < 12 {
		return nil
	}
	// Question name.
	i := 12
	var labels []string
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil
		}
		labels = append(labels, strings.ToLower(string(q[i:i+l])))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	qend := i + 4
	name := strings.Join(labels, ".") + "."
	s.mu.Lock()
	s.queries = append(s.queries, name+typeName(qtype))
	s.mu.Unlock()
	if s.silent[name] || s.silentT[name][qtype] {
		return nil
	}
	if s.garbage[name] {
		return append(append([]byte(nil), q[:2]...), 0x81, 0x80, 0xff, 0xff, 0xff)
	}
	resp := append([]byte(nil), q[:qend]...)
	flags := uint16(0x8000 | 0x0400 | 0x0080) // QR, AA, RA
	flags |= binary.BigEndian.Uint16(q[2:]) & 0x0100
	rcode := 0
	var answers []byte
	an := 0
	if c, ok := s.rcodeT[name][qtype]; ok {
		rcode = c
	} else if c, ok := s.rcode[name]; ok {
		rcode = c
	} else {
		cur := name
		for hops := 0; hops < 40; hops++ {
			rrs, ok := s.zone[cur]
			if !ok {
				if hops == 0 {
					rcode = 3 // NXDOMAIN
				}
				break
			}
			next := ""
			for _, rr := range rrs {
				if rr.typ == qtype || rr.typ == typeCNAME {
					answers = append(answers, encodeName(cur)...)
					answers = binary.BigEndian.AppendUint16(answers, rr.typ)
					answers = binary.BigEndian.AppendUint16(answers, 1)
					answers = binary.BigEndian.AppendUint32(answers, 60)
					answers = binary.BigEndian.AppendUint16(answers, uint16(len(rr.data)))
					answers = append(answers, rr.data...)
					an++
					if rr.typ == typeCNAME {
						next = decodeName(rr.data)
					}
				}
			}
			if next == "" || qtype == typeCNAME {
				break
			}
			cur = next
		}
	}
	if s.tcpOnly[name] && !overTCP {
		flags |= 0x0200 // TC: ask again over TCP
		answers, an = nil, 0
	}
	binary.BigEndian.PutUint16(resp[2:], flags|uint16(rcode))
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(an))
	binary.BigEndian.PutUint16(resp[8:], 0)
	binary.BigEndian.PutUint16(resp[10:], 0)
	return append(resp, answers...)
}

func decodeName(b []byte) string {
	var labels []string
	for len(b) > 0 && b[0] != 0 {
		l := int(b[0])
		labels = append(labels, string(b[1:1+l]))
		b = b[1+l:]
	}
	return strings.Join(labels, ".") + "."
}
