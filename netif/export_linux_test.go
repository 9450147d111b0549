package netif

import "golang.org/x/sys/unix"

// Internals for the external tests.

var (
	ErrTruncated = errTruncated
	ErrAlign     = errAlign
	ErrAttrLen   = errAttrLen
	ErrAttrValue = errAttrValue
	ErrSeq       = errSeq
	ErrPortID    = errPortID
	ErrMsgType   = errMsgType
	ErrAfterDone = errAfterDone
	ErrNoDone    = errNoDone
	ErrDupIndex  = errDupIndex
)

// Dump is the result of parsing a captured pair of dumps.
type Dump struct {
	IfAddrs      []IfAddr // the getifaddrs list built from them
	Links        int      // links parsed
	Addrs        int      // addresses kept
	Intr         bool     // NLM_F_DUMP_INTR seen in either dump
	Inconsistent bool     // addresses of unknown links left out
}

// ParseLinks parses an RTM_GETLINK dump and returns the number of links.
func ParseLinks(b []byte, seq, pid uint32) (n int, intr bool, err error) {
	links, intr, err := parseLinkMessages(b, seq, pid)
	return len(links), intr, err
}

// ParseDumps parses an RTM_GETLINK dump and an RTM_GETADDR dump, each with
// its own sequence number and port id.
func ParseDumps(linkDump []byte, lseq, lpid uint32, addrDump []byte, aseq, apid uint32) (Dump, error) {
	links, lintr, err := parseLinkMessages(linkDump, lseq, lpid)
	if err != nil {
		return Dump{}, err
	}
	n := 0
	for b := addrDump; len(b) >= nlmsgHdrLen && int(ne.Uint32(b)) >= nlmsgHdrLen && align4(int(ne.Uint32(b))) <= len(b); b = b[align4(int(ne.Uint32(b))):] {
		n++
	}
	out, aintr, inc, err := parseAddrMessages(addrDump, aseq, apid, links, linkEntries(links, n))
	if err != nil {
		return Dump{}, err
	}
	return Dump{IfAddrs: out, Links: len(links), Addrs: len(out) - len(links), Intr: lintr || aintr, Inconsistent: inc}, nil
}

// Capture reads the two dumps from the kernel as raw bytes, every datagram
// concatenated, with the sequence numbers and the port id.
func Capture() (linkDump []byte, lseq uint32, addrDump []byte, aseq uint32, pid uint32, err error) {
	c, err := openRTNL()
	if err != nil {
		return
	}
	defer c.close()
	if linkDump, lseq, err = c.dump(unix.RTM_GETLINK, ifInfoMsgLen, unix.RTM_NEWLINK, nil); err != nil {
		return
	}
	linkDump = append([]byte(nil), linkDump...)
	addrDump, aseq, err = c.dump(unix.RTM_GETADDR, ifAddrMsgLen, unix.RTM_NEWADDR, nil)
	addrDump = append([]byte(nil), addrDump...)
	return linkDump, lseq, addrDump, aseq, c.PID, err
}

// DumpRetries returns how many times a pair of dumps was read again.
func DumpRetries() uint64 { return dumpRetries.Load() }

// MaxAttempts is the bound on reading a changing pair of dumps.
const MaxAttempts = maxAttempts
