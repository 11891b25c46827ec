package cache

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

// directive is one element of a Cache-Control list: a lower-case name and
// its argument, unquoted. hasValue tells `name` from `name=""`.
type directive struct {
	name     string
	value    string
	hasValue bool
}

// parseDirectives splits Cache-Control field lines into directives (RFC
// 9111 5.2: a comma-separated list of token [ "=" ( token / quoted-string ) ]).
//
// It is lenient, as a cache facing real servers must be: empty list
// elements and whitespace around "=" are tolerated, an unterminated quoted
// string runs to the end of the line, and an element that is not a
// directive (no token name, or junk after its argument) is skipped up to the
// next comma outside quotes, so one bad element never hides the others.
// Names are lower-cased (directive names are case-insensitive); arguments
// keep their case.
func parseDirectives(lines []string) []directive {
	var out []directive
	for _, s := range lines {
		out = appendDirectives(out, s)
	}
	return out
}

func appendDirectives(out []directive, s string) []directive {
	i := 0
	for i < len(s) {
		i = skipSpaceAndCommas(s, i)
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		if i == start { // not a token: skip this element
			i = skipElement(s, i)
			continue
		}
		d := directive{name: asciiLower(s[start:i])}
		i = skipSpace(s, i)
		if i < len(s) && s[i] == '=' {
			d.hasValue = true
			i = skipSpace(s, i+1)
			if i < len(s) && s[i] == '"' {
				d.value, i = readQuoted(s, i+1)
			} else {
				vstart := i
				for i < len(s) && isTchar(s[i]) {
					i++
				}
				d.value = s[vstart:i]
			}
			i = skipSpace(s, i)
		}
		if i < len(s) && s[i] != ',' { // junk after the directive
			i = skipElement(s, i)
			continue
		}
		out = append(out, d)
	}
	return out
}

// readQuoted reads a quoted-string body starting just after its opening
// quote, undoing backslash escapes; it returns the text and the index just
// past the closing quote (or len(s) when the string is unterminated).
func readQuoted(s string, i int) (string, int) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1
		case c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), i
}

// skipElement advances to the next comma that is not inside a quoted string.
func skipElement(s string, i int) int {
	inQuote := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == ',':
			return i
		}
	}
	return i
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func skipSpaceAndCommas(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
		i++
	}
	return i
}

// isTchar reports whether c may appear in an RFC 9110 token.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// formatDirectives is the inverse of parseDirectives: arguments that are
// tokens are written bare, others quoted with escapes, so that
// parseDirectives(formatDirectives(ds)) == ds for any ds parseDirectives
// returns (the fuzz test checks this).
func formatDirectives(ds []directive) string {
	var b strings.Builder
	for i, d := range ds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.name)
		if d.hasValue {
			b.WriteByte('=')
			writeArg(&b, d.value)
		}
	}
	return b.String()
}

func writeArg(b *strings.Builder, v string) {
	token := v != ""
	for i := 0; i < len(v) && token; i++ {
		token = isTchar(v[i])
	}
	if token {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte('"')
}

// Sentinels of the second-valued fields of cacheControl.
const (
	absent = -1 // the directive is not there
	// maxDelta caps delta-seconds, as RFC 9111 1.2.2 tells caches to do
	// with larger values (2^31, about 68 years).
	maxDelta = 1 << 31
	// anyStale is maxStale for a bare max-stale: any staleness will do.
	anyStale = math.MaxInt64
)

// cacheControl holds the directives of one Cache-Control header, request
// or response; each side reads the fields that apply to it. Seconds are
// absent (-1) when the directive is missing. When a directive appears more
// than once, the first occurrence wins (RFC 9111 4.2.1 allows this).
type cacheControl struct {
	maxAge, sMaxAge, minFresh, maxStale int64
	staleWhileRevalidate, staleIfError  int64 // RFC 5861

	noStore, noCache, private, public         bool
	mustRevalidate, proxyRevalidate           bool
	mustUnderstand, noTransform, onlyIfCached bool

	// noCacheFields and privateFields are the field names of the
	// qualified forms (no-cache="Set-Cookie"), canonicalized; nil for the
	// bare forms.
	noCacheFields, privateFields []string
}

// parseCacheControl parses Cache-Control field lines into a cacheControl.
//
// Invalid arguments are read the safe way: a max-age or s-maxage that is
// not a number makes the response stale (RFC 9111 4.2.1 encourages this),
// a request max-age that is not a number forces revalidation, and a broken
// stale-* or min-fresh argument is ignored.
func parseCacheControl(lines []string) cacheControl {
	cc := cacheControl{
		maxAge: absent, sMaxAge: absent, minFresh: absent, maxStale: absent,
		staleWhileRevalidate: absent, staleIfError: absent,
	}
	var seen uint32 // bits of the known directives met so far
	for _, d := range parseDirectives(lines) {
		bit := directiveBit(d.name)
		if bit == 0 || seen&bit != 0 {
			continue
		}
		seen |= bit
		cc.apply(d)
	}
	return cc
}

// knownDirectives are the directives cacheControl understands.
var knownDirectives = []string{
	"max-age", "s-maxage", "min-fresh", "max-stale", "stale-while-revalidate",
	"stale-if-error", "no-store", "no-cache", "private", "public", "must-revalidate",
	"proxy-revalidate", "must-understand", "no-transform", "only-if-cached",
}

// directiveBit is a bit of its own for each known directive, 0 for others,
// so that parseCacheControl keeps first occurrences without allocating.
func directiveBit(name string) uint32 {
	for i, k := range knownDirectives {
		if k == name {
			return 1 << i
		}
	}
	return 0
}

func (cc *cacheControl) apply(d directive) {
	switch d.name {
	case "max-age":
		cc.maxAge = deltaOr(d, 0)
	case "s-maxage":
		cc.sMaxAge = deltaOr(d, 0)
	case "min-fresh":
		cc.minFresh = deltaOr(d, absent)
	case "max-stale":
		if !d.hasValue {
			cc.maxStale = anyStale
		} else {
			cc.maxStale = deltaOr(d, absent)
		}
	case "stale-while-revalidate":
		cc.staleWhileRevalidate = deltaOr(d, absent)
	case "stale-if-error":
		cc.staleIfError = deltaOr(d, absent)
	case "no-store":
		cc.noStore = true
	case "no-cache":
		cc.noCache = true
		cc.noCacheFields = fieldNames(d)
	case "private":
		cc.private = true
		cc.privateFields = fieldNames(d)
	case "public":
		cc.public = true
	case "must-revalidate":
		cc.mustRevalidate = true
	case "proxy-revalidate":
		cc.proxyRevalidate = true
	case "must-understand":
		cc.mustUnderstand = true
	case "no-transform":
		cc.noTransform = true
	case "only-if-cached":
		cc.onlyIfCached = true
	}
}

// deltaOr parses the delta-seconds argument of d, capped at maxDelta; bad
// (missing, empty, not all digits) gives bad.
func deltaOr(d directive, bad int64) int64 {
	if !d.hasValue {
		return bad
	}
	n, ok := parseDelta(d.value)
	if !ok {
		return bad
	}
	return n
}

// parseDelta parses delta-seconds (1*DIGIT), capped at maxDelta.
func parseDelta(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < maxDelta {
			n = n*10 + int64(c-'0')
		}
	}
	return min(n, maxDelta), true
}

// fieldNames reads the argument of a qualified no-cache or private: a
// quoted, comma-separated list of field names.
func fieldNames(d directive) []string {
	if !d.hasValue {
		return nil
	}
	var out []string
	for f := range strings.SplitSeq(d.value, ",") {
		f = strings.TrimSpace(f)
		if f == "" || !isToken(f) {
			continue
		}
		out = append(out, http.CanonicalHeaderKey(f))
	}
	return out
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return s != ""
}

// String formats cc canonically: parseCacheControl of the result gives cc
// back (the fuzz test checks this). Unknown directives are not kept.
func (cc cacheControl) String() string {
	var ds []directive
	flag := func(on bool, name string) {
		if on {
			ds = append(ds, directive{name: name})
		}
	}
	secs := func(v int64, name string) {
		switch {
		case v == anyStale:
			ds = append(ds, directive{name: name})
		case v != absent:
			ds = append(ds, directive{name: name, value: strconv.FormatInt(v, 10), hasValue: true})
		}
	}
	fields := func(on bool, fs []string, name string) {
		switch {
		case !on:
		case fs == nil:
			ds = append(ds, directive{name: name})
		default:
			ds = append(ds, directive{name: name, value: strings.Join(fs, ", "), hasValue: true})
		}
	}
	secs(cc.maxAge, "max-age")
	secs(cc.sMaxAge, "s-maxage")
	secs(cc.minFresh, "min-fresh")
	secs(cc.maxStale, "max-stale")
	secs(cc.staleWhileRevalidate, "stale-while-revalidate")
	secs(cc.staleIfError, "stale-if-error")
	flag(cc.noStore, "no-store")
	fields(cc.noCache, cc.noCacheFields, "no-cache")
	fields(cc.private, cc.privateFields, "private")
	flag(cc.public, "public")
	flag(cc.mustRevalidate, "must-revalidate")
	flag(cc.proxyRevalidate, "proxy-revalidate")
	flag(cc.mustUnderstand, "must-understand")
	flag(cc.noTransform, "no-transform")
	flag(cc.onlyIfCached, "only-if-cached")
	return formatDirectives(ds)
}
