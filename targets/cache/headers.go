package cache

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// hopByHop are the connection-level fields of RFC 9110 7.6.1 that a proxy
// must not forward (nor a cache store), besides those that Connection
// names. Proxy-Connection and Keep-Alive are not standard but common.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// endToEnd returns a copy of h without its hop-by-hop fields.
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = make(http.Header)
	}
	for _, line := range h["Connection"] {
		for f := range strings.SplitSeq(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out.Del(f)
			}
		}
	}
	for _, f := range hopByHop {
		out.Del(f)
	}
	return out
}

// conditionalFields are the request preconditions of RFC 9110 13.1. The
// cache strips If-None-Match and If-Modified-Since from the requests it
// sends to fill the store (it needs the full response, and answers the
// client's own conditions itself); the other three make a request bypass
// the store.
var conditionalFields = []string{
	"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range",
}

// varyNames parses the Vary fields of a response into sorted canonical
// field names; star reports "Vary: *", which no request can match.
func varyNames(h http.Header) (names []string, star bool) {
	for _, line := range h["Vary"] {
		for f := range strings.SplitSeq(line, ",") {
			f = strings.TrimSpace(f)
			switch {
			case f == "*":
				star = true
			case f != "":
				names = append(names, http.CanonicalHeaderKey(f))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), star
}

// variantKey is the secondary cache key of a request for a response that
// varies on names: the request's values of those fields, normalized (lines
// combined, whitespace around commas dropped, RFC 9111 4.1). A missing
// field and an empty one are told apart. Values are length-prefixed so
// that no two lists of values give the same key.
func variantKey(names []string, h http.Header) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	for _, name := range names {
		vs, ok := h[name]
		if !ok {
			b.WriteString("-;")
			continue
		}
		v := normalizeValue(vs)
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

func normalizeValue(vs []string) string {
	var parts []string
	for _, line := range vs {
		for f := range strings.SplitSeq(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				parts = append(parts, f)
			}
		}
	}
	return strings.Join(parts, ",")
}

// appendVia adds this cache to the Via field (RFC 9110 7.6.3), without
// touching the slice h shares with a stored entry.
func appendVia(h http.Header) {
	if prior := h["Via"]; len(prior) > 0 {
		h["Via"] = append(slices.Clip(prior), viaValue[0])
		return
	}
	h["Via"] = viaValue
}

// viaValue is the Via of this cache, shared (len == cap: appending copies).
var viaValue = []string{"1.1 stampede-cache"}
