package testkit

import (
	"regexp"
	"strings"
	"testing"
)

// GoNotePrefix starts every line an example prints where the Go program
// does what the C program does not: such lines are not the C program's.
const GoNotePrefix = "(Go: "

// WithoutGoNotes returns out without its GoNotePrefix lines.
func WithoutGoNotes(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, GoNotePrefix) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// cConv matches a printf conversion the C programs of the notes use.
var cConv = regexp.MustCompile(`%( ?d| ?s|\.\*s|%)`)

// CFormatRegexp turns the concatenation of C printf format strings into a
// regular expression matching exactly what they print, whatever the
// values: %d and "% d" match a number ("% d" with its leading space), %s a
// text without a newline, %.*s any text (a received buffer, newlines and
// all). Each conversion is a capturing group.
func CFormatRegexp(formats ...string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`\A`)
	for _, f := range formats {
		last := 0
		for _, m := range cConv.FindAllStringIndex(f, -1) {
			b.WriteString(regexp.QuoteMeta(f[last:m[0]]))
			switch conv := f[m[0]+1 : m[1]]; conv {
			case "d":
				b.WriteString(`(-?[0-9]+)`)
			case " d":
				b.WriteString(` ?(-?[0-9]+)`)
			case "s", " s":
				b.WriteString(`([^\n]*)`)
			case ".*s":
				b.WriteString(`((?s:.*?))`)
			case "%":
				b.WriteString(`%`)
			}
			last = m[1]
		}
		b.WriteString(regexp.QuoteMeta(f[last:]))
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// MatchC checks that out, without its Go notes, is what the C program's
// printf calls with these format strings print, in this order: the same
// lines with the same wording, any values in the conversions.
func MatchC(t testing.TB, out string, formats ...string) {
	t.Helper()
	got := WithoutGoNotes(out)
	if re := CFormatRegexp(formats...); !re.MatchString(got) {
		t.Errorf("output is not the C program's lines\n got: %q\nwant: %q (as printf formats)", got, strings.Join(formats, ""))
	}
}

// ScanC matches out, without its Go notes, against the C format strings as
// MatchC does and returns the values of the conversions, in order. It
// fails the test when out does not match.
func ScanC(t testing.TB, out string, formats ...string) []string {
	t.Helper()
	got := WithoutGoNotes(out)
	m := CFormatRegexp(formats...).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("output is not the C program's lines\n got: %q\nwant: %q (as printf formats)", got, strings.Join(formats, ""))
	}
	return m[1:]
}
