package addrinfo

import (
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// Domain names as glibc checks and prints them: res_hnok, binary_hnok,
// ns_name_pton and ns_name_ntop's escaping.

// hnok is glibc's res_hnok on a name in text form: printable ASCII, a
// valid domain name once its backslash escapes are read, its first label
// not starting with '-', and every label of letters, digits, '-' and '_'.
func hnok(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return false
		}
	}
	labels, ok := namePton(name)
	if !ok {
		return false
	}
	return binaryHnok(labels)
}

// binaryHnok is glibc's binary_hnok with the leading-dash check.
func binaryHnok(labels []string) bool {
	if len(labels) > 0 && len(labels[0]) > 0 && labels[0][0] == '-' {
		return false
	}
	for _, l := range labels {
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// namePton is ns_name_pton: the labels of a text name with "\X" and
// "\DDD" escapes; empty labels (other than the root), labels over 63
// bytes and names over 255 bytes in wire form fail.
func namePton(s string) ([]string, bool) {
	if s == "." {
		return nil, true
	}
	var labels []string
	var cur []byte
	wire := 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return nil, false
			}
			if isDigit(s[i+1]) {
				if i+3 >= len(s)+0 && i+3 > len(s)-1 {
					if i+3 > len(s)-1 || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
						return nil, false
					}
				}
				if !isDigit(s[i+2]) || !isDigit(s[i+3]) {
					return nil, false
				}
				v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
				if v > 255 {
					return nil, false
				}
				cur = append(cur, byte(v))
				i += 3
			} else {
				cur = append(cur, s[i+1])
				i++
			}
		case c == '.':
			if len(cur) == 0 || len(cur) > 63 {
				return nil, false
			}
			labels = append(labels, string(cur))
			wire += 1 + len(cur)
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		if len(cur) > 63 {
			return nil, false
		}
		labels = append(labels, string(cur))
		wire += 1 + len(cur)
	}
	if wire > 255 {
		return nil, false
	}
	return labels, true
}

// wireName is a name read by dnsmessage in the form glibc's ns_name_ntop
// gives it: its labels, and the text without the final dot. dnsmessage
// refuses a label holding a dot, which glibc would escape as "\." and
// then reject in res_hnok: the same outcome.
func wireName(n dnsmessage.Name) ([]string, string) {
	s := string(n.Data[:n.Length])
	if s == "." {
		return nil, "."
	}
	s = strings.TrimSuffix(s, ".")
	return strings.Split(s, "."), escapeName(s)
}

// escapeName is ns_name_ntop's escaping of label bytes: the special
// characters get a backslash, other bytes outside '!'..'~' become \DDD.
func escapeName(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || strings.IndexByte("\";$()@\\", c) >= 0 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("\";$()@\\", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c <= ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteString(strconv.Itoa(int(c) + 1000)[1:])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// nameHnok is glibc's __res_binary_hnok on a name read from a reply.
func nameHnok(labels []string) bool { return binaryHnok(labels) }

// textFits reports whether ns_name_ntop's text of a name fits glibc's
// MAXHOSTNAMELEN+1 buffer.
func textFits(text string) bool { return len(text) < maxHostLen+1 }

// sameName is glibc's __ns_samebinaryname: the same labels, ASCII letters
// compared without case.
func sameName(a, b dnsmessage.Name) bool {
	return a.Length == b.Length && lowerASCII(string(a.Data[:a.Length])) == lowerASCII(string(b.Data[:b.Length]))
}
