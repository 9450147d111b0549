package sock_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/posixkit/posixkit/internal/testkit"
	"github.com/posixkit/posixkit/sock"
	"golang.org/x/sys/unix"
)

// icmpEcho builds an ICMP echo request (type 8; IPv6: 128, whose checksum
// the kernel fills in) with id, seq and payload.
func icmpEcho(typ byte, id, seq uint16, payload string) []byte {
	b := []byte{typ, 0, 0, 0, byte(id >> 8), byte(id), byte(seq >> 8), byte(seq)}
	b = append(b, payload...)
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[2:], ^uint16(sum))
	return b
}

// TestRawICMPPortZero sends an echo request to 127.0.0.1 on a raw ICMP
// socket, whose destination has no port, and reads the reply, IP header
// first; a UDP socket still refuses port 0.
func TestRawICMPPortZero(t *testing.T) {
	s, err := sock.New(sock.AF_INET, sock.SOCK_RAW, sock.IPPROTO_ICMP)
	if errors.Is(err, unix.EPERM) {
		t.Skipf("skipping: raw sockets need CAP_NET_RAW: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const id, seq = 0x5eed, 7
	to := netip.MustParseAddrPort("127.0.0.1:0")
	req := icmpEcho(8, id, seq, "posixkit raw")
	if n, err := s.SendTo(req, 0, sock.InetAddr(to)); err != nil || n != len(req) {
		t.Fatalf("SendTo(%v) = %d, %v", to, n, err)
	}
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	for {
		n, from, err := s.RecvFrom(buf, 0)
		if err != nil {
			t.Fatalf("RecvFrom: %v", err)
		}
		ihl := int(buf[0]&0x0f) * 4
		icmp := buf[ihl:n]
		// The raw socket sees its own request on lo too: wait for the reply.
		if icmp[0] != 0 || binary.BigEndian.Uint16(icmp[4:]) != id {
			continue
		}
		if from.AddrPort() != to {
			t.Errorf("reply from %v, want %v", from, to)
		}
		want := append([]byte{0, 0, 0, 0}, req[4:]...)
		got := append([]byte{0, 0, 0, 0}, icmp[4:]...)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("unexpected echo reply past the checksum (-want +got):\n%s", diff)
		}
		break
	}
	udp := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	_, err = udp.SendTo([]byte("x"), 0, sock.InetAddr(to))
	skErrIs(t, "UDP SendTo port 0", err, unix.EINVAL)
}

// veth makes a veth pair pk0 <-> pk1 with fixed MAC addresses, both up, in
// a new network namespace, and returns the namespace and their indexes.
func veth(t *testing.T) (ns string, idx0, idx1 int, mac0, mac1 net.HardwareAddr) {
	ns = testkit.NewNetns(t)
	mac0, _ = net.ParseMAC("02:00:5e:00:00:01")
	mac1, _ = net.ParseMAC("02:00:5e:00:00:02")
	testkit.IP(t, ns, "link", "add", "pk0", "address", mac0.String(), "type", "veth", "peer", "name", "pk1", "address", mac1.String())
	testkit.IP(t, ns, "link", "set", "pk0", "up")
	testkit.IP(t, ns, "link", "set", "pk1", "up")
	testkit.InNetns(t, ns, func() {
		for _, p := range []struct {
			name string
			idx  *int
		}{{"pk0", &idx0}, {"pk1", &idx1}} {
			ifi, err := net.InterfaceByName(p.name)
			if err != nil {
				t.Fatal(err)
			}
			*p.idx = ifi.Index
		}
	})
	return ns, idx0, idx1, mac0, mac1
}

// etherTypeIs passes the Ethernet frames of one EtherType.
func etherTypeIs(et uint16) []sock.SockFilter {
	return []sock.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_H | unix.BPF_ABS, K: 12},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: uint32(et)},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffff},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
	}
}

// TestPacketSocket sends one Ethernet frame out of pk0 with SendToLink and
// receives it whole on an AF_PACKET socket bound to pk1, with the
// sockaddr_ll the kernel gives; a filter keeps the namespace's own traffic
// (IPv6 router solicitations) out.
func TestPacketSocket(t *testing.T) {
	ns, idx0, idx1, mac0, mac1 := veth(t)
	const etherType = 0x88b5 // IEEE local experimental
	var tx, rx *sock.Socket
	testkit.InNetns(t, ns, func() {
		var err error
		rx, err = sock.New(sock.AF_PACKET, sock.SOCK_RAW, sock.PacketProtocol(unix.ETH_P_ALL))
		if err != nil {
			t.Fatal(err)
		}
		tx, err = sock.New(sock.AF_PACKET, sock.SOCK_RAW, 0)
		if err != nil {
			rx.Close()
			t.Fatal(err)
		}
	})
	defer tx.Close()
	defer rx.Close()
	if err := rx.AttachFilter(etherTypeIs(etherType)); err != nil {
		t.Fatal(err)
	}
	if err := rx.BindLink(sock.LinkAddr{Protocol: unix.ETH_P_ALL, Ifindex: idx1}); err != nil {
		t.Fatalf("BindLink: %v", err)
	}
	frame := append(append(append([]byte{}, mac1...), mac0...), etherType>>8, etherType&0xff)
	frame = append(frame, "posixkit frame, padded to the 60-byte minimum......"...)
	to := sock.LinkAddrFrom(idx0, etherType, mac1)
	if n, err := tx.SendToLink(frame, 0, to); err != nil || n != len(frame) {
		t.Fatalf("SendToLink(%v) = %d, %v", to, n, err)
	}
	rx.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	n, from, err := rx.RecvFromLink(buf, 0)
	if err != nil {
		t.Fatalf("RecvFromLink: %v", err)
	}
	if !bytes.Equal(buf[:n], frame) {
		t.Errorf("received frame\n% x\nwant\n% x", buf[:n], frame)
	}
	want := sock.LinkAddrFrom(idx1, etherType, mac0)
	want.Hatype, want.Pkttype = unix.ARPHRD_ETHER, unix.PACKET_HOST
	if diff := cmp.Diff(want, from); diff != "" {
		t.Errorf("unexpected sockaddr_ll (-want +got):\n%s", diff)
	}
	if got := from.HardwareAddr().String(); got != mac0.String() {
		t.Errorf("HardwareAddr = %s, want %s", got, mac0)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := tx.SendToLink(frame, 0, to); err != nil {
			t.Fatal(err)
		}
		if _, _, err := rx.RecvFromLink(buf, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("SendToLink+RecvFromLink: %v allocs per run, want 0", allocs)
	}
	skErrIs(t, "BindLink with Halen 9", rx.BindLink(sock.LinkAddr{Ifindex: idx1, Halen: 9}), unix.EINVAL)
}

// TestLinkAddrWrongFamily: a link-layer address for an IP socket is
// EAFNOSUPPORT, sent nowhere.
func TestLinkAddrWrongFamily(t *testing.T) {
	s := skNew(t, sock.AF_INET, sock.SOCK_DGRAM, 0)
	skErrIs(t, "BindLink on AF_INET", s.BindLink(sock.LinkAddr{Ifindex: 1}), unix.EAFNOSUPPORT)
	_, err := s.SendToLink([]byte("x"), 0, sock.LinkAddr{Ifindex: 1})
	skErrIs(t, "SendToLink on AF_INET", err, unix.EAFNOSUPPORT)
}

// TestICMPDatagramConnectPortZero: in a namespace whose ping_group_range
// admits this process, an ICMP datagram socket connects to 127.0.0.1 with
// port 0 and gets the reply to its echo request; the kernel sets the id.
func TestICMPDatagramConnectPortZero(t *testing.T) {
	ns := testkit.NewNetns(t)
	testkit.IP(t, ns, "link", "set", "lo", "up")
	var s *sock.Socket
	testkit.InNetns(t, ns, func() {
		if err := os.WriteFile("/proc/sys/net/ipv4/ping_group_range", []byte("0 2147483647"), 0); err != nil {
			t.Fatal(err)
		}
		var err error
		if s, err = sock.New(sock.AF_INET, sock.SOCK_DGRAM, sock.IPPROTO_ICMP); err != nil {
			t.Fatal(err)
		}
	})
	defer s.Close()
	if err := s.Connect(sock.InetAddr(netip.MustParseAddrPort("127.0.0.1:0"))); err != nil {
		t.Fatalf("Connect to port 0: %v", err)
	}
	la, err := s.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	req := icmpEcho(8, 0, 3, "posixkit ping socket")
	skSend(t, s, string(req))
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	n, err := s.Recv(buf, 0)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	// No IP header on a datagram socket; the id is the socket's "port".
	rep := buf[:n]
	if rep[0] != 0 || binary.BigEndian.Uint16(rep[4:]) != la.AddrPort().Port() || binary.BigEndian.Uint16(rep[6:]) != 3 || string(rep[8:]) != "posixkit ping socket" {
		t.Errorf("reply % x: want an echo reply with id %d (the local port), seq 3 and the payload", rep, la.AddrPort().Port())
	}
}
