package cache

import (
	"net/http"
	"slices"
	"strings"
)

// notModified evaluates the client's If-None-Match, else its
// If-Modified-Since, against a 200 response with fields h (RFC 9110
// 13.2.2). If-None-Match uses the weak comparison; If-Modified-Since
// compares with Last-Modified or, lacking it, Date (RFC 9111 4.3.2).
func notModified(r *http.Request, status int, h http.Header) bool {
	if status != http.StatusOK || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		tags, star := parseETags(inm)
		if star {
			return true
		}
		tag, ok := opaqueTag(h.Get("Etag"))
		return ok && slices.Contains(tags, tag)
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	if err != nil {
		return false
	}
	lm := h.Get("Last-Modified")
	if lm == "" {
		lm = h.Get("Date")
	}
	t, err := http.ParseTime(lm)
	return err == nil && !t.After(ims)
}

// writeNotModified sends a 304, keeping the fields that RFC 9110 15.4.5
// lets it carry and dropping the content ones.
func writeNotModified(w http.ResponseWriter) {
	h := w.Header()
	for _, f := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Transfer-Encoding"} {
		h.Del(f)
	}
	w.WriteHeader(http.StatusNotModified)
}

// parseETags parses the entity-tag list of If-None-Match. It returns the
// opaque tags with any weak prefix dropped (If-None-Match uses the weak
// comparison), or star=true for "*". Malformed elements are skipped.
func parseETags(lines []string) (tags []string, star bool) {
	for _, s := range lines {
		i := 0
		for i < len(s) {
			i = skipSpaceAndCommas(s, i)
			if i >= len(s) {
				break
			}
			if s[i] == '*' {
				star = true
				i++
				continue
			}
			if strings.HasPrefix(s[i:], "W/") {
				i += 2
			}
			if i >= len(s) || s[i] != '"' {
				i = skipElement(s, i)
				continue
			}
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				break
			}
			tags = append(tags, s[i+1:i+1+end])
			i += end + 2
		}
	}
	return tags, star
}

// opaqueTag strips the weak prefix and quotes of an ETag value, for the
// weak comparison; ok is false when etag is not an entity-tag.
func opaqueTag(etag string) (string, bool) {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	if len(etag) < 2 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		return "", false
	}
	return etag[1 : len(etag)-1], true
}
