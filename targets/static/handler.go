package static

import (
	"errors"
	"io/fs"
	"net/http"
	"strings"
)

// StatsPath is where a static target serves its counters as JSON. Requests
// to it are not counted.
const StatsPath = "/__stampede/stats"

// handler serves a static target's files and stats.
type handler struct {
	id        []string // the X-Backend header value
	files     *files
	rules     []Rule
	authorize func(*http.Request) bool
	stats     counters
}

// Header values shared by every response; see the note in package targets:
// they are assigned, never modified in place.
var (
	hdrAllow    = []string{"GET, HEAD"}
	hdrNoStore  = []string{"no-store"}
	hdrNoSniff  = []string{"nosniff"}
	hdrVary     = []string{"Authorization, Cookie"}
	hdrWWWAuth  = []string{`Bearer realm="stampede"`}
	hdrJSONType = []string{"application/json"}
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["X-Backend"] = h.id
	if r.URL.Path == StatsPath {
		h.serveStats(w, r)
		return
	}
	cw := &countingWriter{ResponseWriter: w}
	h.serveFile(cw, r)
	h.stats.record(cw.status, cw.bytes)
}

// serveFile answers a request for a file.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = hdrAllow
		http.Error(w, "405 method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	name, ok := fileName(r.URL.Path)
	if !ok {
		http.Error(w, "400 bad request: the path is not clean (no .., ., // or \\)", http.StatusBadRequest)
		return
	}
	private := h.authorize != nil && isPrivate(r.URL.Path)
	if private && !h.authorize(r) {
		w.Header()["Cache-Control"] = hdrNoStore
		w.Header()["Www-Authenticate"] = hdrWWWAuth
		http.Error(w, "401 unauthorized: log in to read /private/", http.StatusUnauthorized)
		return
	}
	f, err := h.files.open(name)
	if errors.Is(err, errNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "500 internal server error: cannot read the file", http.StatusInternalServerError)
		return
	}
	defer f.close()
	hd := w.Header()
	hd.Set("Content-Type", contentType(f.name))
	hd.Set("Etag", f.etag)
	hd["X-Content-Type-Options"] = hdrNoSniff
	cc := h.cacheControl(r.URL.Path)
	if private {
		// The answer depends on who asks: a shared cache (a CDN, the lab's
		// cache target) must neither serve it to someone else nor mix up
		// the answers to different credentials.
		cc = privateCacheControl(cc)
		hd["Vary"] = hdrVary
	}
	hd.Set("Cache-Control", cc)
	http.ServeContent(w, r, f.name, f.modTime, f.content)
}

// fileName returns the name of the file that a request path asks for, or
// false when the path is not clean. A path ending in a slash asks for the
// index.html of that directory.
func fileName(urlPath string) (string, bool) {
	name, ok := strings.CutPrefix(urlPath, "/")
	if !ok {
		return "", false
	}
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	if !fs.ValidPath(name) || strings.ContainsAny(name, "\\\x00") {
		return "", false
	}
	return name, true
}

// isPrivate reports whether urlPath is under /private/. The comparison
// ignores case, since on a case-insensitive file system /PRIVATE/x is the
// same file.
func isPrivate(urlPath string) bool {
	const p = "/private"
	return len(urlPath) >= len(p) && strings.EqualFold(urlPath[:len(p)], p) &&
		(len(urlPath) == len(p) || urlPath[len(p)] == '/')
}

// cacheControl returns the value of the longest rule prefix that urlPath
// starts with, or DefaultCacheControl. Rules are few: a scan is cheapest.
func (h *handler) cacheControl(urlPath string) string {
	best, v := -1, DefaultCacheControl
	for _, r := range h.rules {
		if len(r.Prefix) > best && strings.HasPrefix(urlPath, r.Prefix) {
			best, v = len(r.Prefix), r.Value
		}
	}
	return v
}

// privateCacheControl turns a Cache-Control value into one fit for a
// response to a logged-in user: "public" is dropped, and "private" is added
// unless "private" or "no-store" is already there.
func privateCacheControl(v string) string {
	var out []string
	restricted := false
	for d := range strings.SplitSeq(v, ",") {
		d = strings.TrimSpace(d)
		key, _, _ := strings.Cut(d, "=")
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "":
			continue
		case "public":
			continue
		case "private", "no-store":
			restricted = true
		}
		out = append(out, d)
	}
	if !restricted {
		out = append([]string{"private"}, out...)
	}
	return strings.Join(out, ", ")
}

var _ http.Handler = (*handler)(nil)
