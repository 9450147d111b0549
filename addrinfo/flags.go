package addrinfo

import (
	"strings"

	"github.com/posixkit/posixkit/internal/cname"
)

// Flags are the ai_flags of getaddrinfo(3)'s hints, with glibc's values.
type Flags int

// getaddrinfo flags (glibc's values on every OS).
const (
	AI_PASSIVE     Flags = 0x0001 // wildcard address for bind when host is empty
	AI_CANONNAME   Flags = 0x0002 // fill in the canonical name of the first entry
	AI_NUMERICHOST Flags = 0x0004 // host must be a numeric address: no look-up
	AI_V4MAPPED    Flags = 0x0008 // with AF_INET6: IPv4 results as ::ffff:a.b.c.d
	AI_ALL         Flags = 0x0010 // with AI_V4MAPPED: IPv6 and mapped IPv4 results
	AI_ADDRCONFIG  Flags = 0x0020 // only families the system has a non-loopback address of
	AI_NUMERICSERV Flags = 0x0400 // service must be a port number: no look-up
)

// glibc also accepts its IDN bits (AI_IDN, AI_CANONIDN and the two
// deprecated ones); for ASCII names they change nothing.
const aiIDNBits = 0x0040 | 0x0080 | 0x0100 | 0x0200

const aiKnown = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV | aiIDNBits

var flagNames = []cname.Name{
	{V: uint64(AI_PASSIVE), Name: "AI_PASSIVE"},
	{V: uint64(AI_CANONNAME), Name: "AI_CANONNAME"},
	{V: uint64(AI_NUMERICHOST), Name: "AI_NUMERICHOST"},
	{V: uint64(AI_V4MAPPED), Name: "AI_V4MAPPED"},
	{V: uint64(AI_ALL), Name: "AI_ALL"},
	{V: uint64(AI_ADDRCONFIG), Name: "AI_ADDRCONFIG"},
	{V: uint64(AI_NUMERICSERV), Name: "AI_NUMERICSERV"},
}

// String joins the C names with "|", such as "AI_PASSIVE|AI_NUMERICSERV".
func (f Flags) String() string { return cname.Flags(uint64(uint32(f)), flagNames) }

// NIFlags are the flags of getnameinfo(3), with glibc's values.
type NIFlags int

// getnameinfo flags (glibc's values on every OS).
const (
	NI_NUMERICHOST NIFlags = 1  // numeric host, no reverse look-up
	NI_NUMERICSERV NIFlags = 2  // numeric port, no services file
	NI_NOFQDN      NIFlags = 4  // local hosts: only the part before the domain
	NI_NAMEREQD    NIFlags = 8  // EAI_NONAME when the host has no name
	NI_DGRAM       NIFlags = 16 // the udp service name, not the tcp one
)

// NI_IDN and glibc's two deprecated IDN bits: accepted, no effect on ASCII
// names.
const niIDN = 32 | 64 | 128

const niKnown = NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | niIDN

// Buffer sizes of C's getnameinfo callers. Go strings need no buffer; these
// exist for code ported from C and are never enforced.
const (
	NI_MAXHOST = 1025
	NI_MAXSERV = 32
)

var niFlagNames = []cname.Name{
	{V: uint64(NI_NUMERICHOST), Name: "NI_NUMERICHOST"},
	{V: uint64(NI_NUMERICSERV), Name: "NI_NUMERICSERV"},
	{V: uint64(NI_NOFQDN), Name: "NI_NOFQDN"},
	{V: uint64(NI_NAMEREQD), Name: "NI_NAMEREQD"},
	{V: uint64(NI_DGRAM), Name: "NI_DGRAM"},
}

// String joins the C names with "|", such as "NI_NUMERICHOST|NI_DGRAM".
func (f NIFlags) String() string { return cname.Flags(uint64(uint32(f)), niFlagNames) }

// Code is an EAI_* error code of getaddrinfo(3) and getnameinfo(3), with
// glibc's (negative) values. It implements error with gai_strerror(3)'s
// text, so errors.Is(err, EAI_NONAME) works on every error this package
// returns.
type Code int

// Error codes (glibc's values on every OS).
const (
	EAI_BADFLAGS   Code = -1  // invalid value for ai_flags or NI flags
	EAI_NONAME     Code = -2  // name or service not known
	EAI_AGAIN      Code = -3  // temporary failure: try again later
	EAI_FAIL       Code = -4  // non-recoverable failure in name resolution
	EAI_NODATA     Code = -5  // the name has no address
	EAI_FAMILY     Code = -6  // address family not supported
	EAI_SOCKTYPE   Code = -7  // socket type not supported
	EAI_SERVICE    Code = -8  // service not supported for the socket type
	EAI_ADDRFAMILY Code = -9  // the host has no address of the family asked for
	EAI_MEMORY     Code = -10 // memory allocation failure
	EAI_SYSTEM     Code = -11 // system error: the Error's Err holds the errno
	EAI_OVERFLOW   Code = -12 // argument buffer overflow (never returned here)
)

var codeNames = []cname.Name{
	{V: codeV(EAI_BADFLAGS), Name: "EAI_BADFLAGS"},
	{V: codeV(EAI_NONAME), Name: "EAI_NONAME"},
	{V: codeV(EAI_AGAIN), Name: "EAI_AGAIN"},
	{V: codeV(EAI_FAIL), Name: "EAI_FAIL"},
	{V: codeV(EAI_NODATA), Name: "EAI_NODATA"},
	{V: codeV(EAI_FAMILY), Name: "EAI_FAMILY"},
	{V: codeV(EAI_SOCKTYPE), Name: "EAI_SOCKTYPE"},
	{V: codeV(EAI_SERVICE), Name: "EAI_SERVICE"},
	{V: codeV(EAI_ADDRFAMILY), Name: "EAI_ADDRFAMILY"},
	{V: codeV(EAI_MEMORY), Name: "EAI_MEMORY"},
	{V: codeV(EAI_SYSTEM), Name: "EAI_SYSTEM"},
	{V: codeV(EAI_OVERFLOW), Name: "EAI_OVERFLOW"},
}

// Name returns the C name of the code, such as "EAI_NONAME".
func (c Code) Name() string { return cname.Value(int64(c), codeNames) }

// Error returns gai_strerror(3)'s text for the code, exactly as glibc 2.36
// words it (glibc has no text for EAI_OVERFLOW and says "Unknown error").
func (c Code) Error() string {
	switch c {
	case EAI_ADDRFAMILY:
		return "Address family for hostname not supported"
	case EAI_AGAIN:
		return "Temporary failure in name resolution"
	case EAI_BADFLAGS:
		return "Bad value for ai_flags"
	case EAI_FAIL:
		return "Non-recoverable failure in name resolution"
	case EAI_FAMILY:
		return "ai_family not supported"
	case EAI_MEMORY:
		return "Memory allocation failure"
	case EAI_NODATA:
		return "No address associated with hostname"
	case EAI_NONAME:
		return "Name or service not known"
	case EAI_SERVICE:
		return "Servname not supported for ai_socktype"
	case EAI_SOCKTYPE:
		return "ai_socktype not supported"
	case EAI_SYSTEM:
		return "System error"
	}
	return "Unknown error"
}

// Error is the error returned by [Lookup] and [NameInfo]: the EAI code, the
// host and service asked for, and the underlying error if there is one (the
// errno for EAI_SYSTEM, the DNS or context error for EAI_AGAIN).
// errors.Is matches both the Code and the underlying error.
type Error struct {
	Code    Code
	Host    string
	Service string
	Err     error
}

// Error returns "lookup HOST SERVICE: TEXT", for [Lookup] and [NameInfo]
// alike, where TEXT is the Code's gai_strerror text; an empty host or
// service is left out. An underlying error (an errno behind EAI_SYSTEM)
// follows as ": ERR". A nil *Error reads "<nil>".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("lookup")
	if e.Host != "" {
		b.WriteString(" ")
		b.WriteString(e.Host)
	}
	if e.Service != "" {
		b.WriteString(" ")
		b.WriteString(e.Service)
	}
	b.WriteString(": ")
	b.WriteString(e.Code.Error())
	if e.Err == nil {
		return b.String()
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the Code and, when set, the underlying error.
func (e *Error) Unwrap() []error {
	if e == nil {
		return nil
	}
	if e.Err == nil {
		return []error{e.Code}
	}
	return []error{e.Code, e.Err}
}

// codeV is the table value of a (negative) code, as cname.Value compares it.
func codeV(c Code) uint64 { return uint64(int64(c)) }
