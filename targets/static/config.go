package static

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// DefaultAddr is where the static target listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// DefaultCacheControl is the Cache-Control of a file that no Rule matches:
// caches may store it but must revalidate (a conditional request) before
// each reuse, which is what makes ETags and 304s visible in a lab.
const DefaultCacheControl = "no-cache"

// MaxGenerateSize is the largest generated file. Generated content is never
// held in memory (it is computed from a shared 64 KiB block), but Start
// hashes every generated file for its ETag, which takes about a second per
// GiB.
const MaxGenerateSize = 1 << 30

// Config of the static target.
type Config struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port. An
	// empty host means 127.0.0.1.
	Addr string
	// ID names this instance in the X-Backend header of every response, so
	// that a test behind a load balancer sees which backend answered.
	// Default: the address the server listens on.
	ID string
	// Dir is a directory to serve. Nothing outside it can be reached.
	Dir string
	// Generate maps URL paths (such as "/img/a.jpg") to sizes in bytes of
	// generated files; see Series for many files at once. The content of a
	// path depends only on the path and the size, so every instance and
	// every run serves the same bytes with the same ETag and the same
	// Last-Modified (2024-01-01 00:00:00 UTC). A generated path hides a
	// file of Dir with the same path.
	Generate map[string]int
	// CacheControl holds the Cache-Control rules by path prefix; the
	// longest matching prefix wins. Files no rule matches get
	// DefaultCacheControl.
	CacheControl []Rule
	// Authorizer, when not nil, decides who may read paths under /private/
	// (case-insensitive): the others get 401. Nil leaves /private/ open
	// like any other path. It must be safe for concurrent use.
	Authorizer func(*http.Request) bool
	// ErrorLog receives net/http's own errors (malformed requests, accept
	// errors); requests themselves are never logged. Nil discards them.
	ErrorLog *log.Logger
}

// Rule sets the Cache-Control header of the files whose URL path starts
// with Prefix, such as {"/static/", "public, max-age=3600"}.
type Rule struct {
	Prefix string
	Value  string
}

// Validate reports every problem of c at once, or nil. It touches no file:
// whether Dir can be opened is found out by Start.
func (c Config) Validate() []error {
	var errs []error
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("addr %q: want host:port, such as %s or 127.0.0.1:0", c.Addr, DefaultAddr))
		}
	}
	if !validHeaderValue(c.ID) {
		errs = append(errs, fmt.Errorf("id %q: control characters are not allowed in a header value", c.ID))
	}
	if c.Dir == "" && len(c.Generate) == 0 {
		errs = append(errs, errors.New("nothing to serve: set Dir, Generate or both"))
	}
	for _, p := range slices.Sorted(maps.Keys(c.Generate)) {
		if !validFilePath(p) {
			errs = append(errs, fmt.Errorf("generate %q: want a clean absolute path to a file, such as /img/a.jpg", p))
		}
		if n := c.Generate[p]; n < 0 || n > MaxGenerateSize {
			errs = append(errs, fmt.Errorf("generate %q: size %d: want 0 to %d bytes", p, n, MaxGenerateSize))
		}
	}
	seen := map[string]bool{}
	for i, r := range c.CacheControl {
		if !strings.HasPrefix(r.Prefix, "/") {
			errs = append(errs, fmt.Errorf("cache-control rule %d: prefix %q: want a path starting with /", i, r.Prefix))
		}
		if seen[r.Prefix] {
			errs = append(errs, fmt.Errorf("cache-control rule %d: prefix %q appears twice", i, r.Prefix))
		}
		seen[r.Prefix] = true
		if strings.TrimSpace(r.Value) == "" || !validHeaderValue(r.Value) {
			errs = append(errs, fmt.Errorf("cache-control rule %d (%s): value %q: want directives such as \"public, max-age=3600\"", i, r.Prefix, r.Value))
		}
	}
	return errs
}

// Series returns count generated files of size bytes each, named
// prefix + i + ext for i from 0, such as Series("/img/", ".jpg", 3, 50_000)
// for /img/0.jpg, /img/1.jpg and /img/2.jpg. Merge several with maps.Copy.
func Series(prefix, ext string, count, size int) map[string]int {
	m := make(map[string]int, max(count, 0))
	for i := range count {
		m[prefix+strconv.Itoa(i)+ext] = size
	}
	return m
}

// listenAddr applies the defaults to a configured address.
func listenAddr(addr string) string { return httpserve.ListenAddr(addr, DefaultAddr) }

// validFilePath reports whether p is a URL path that can name a generated
// file: a slash, then a clean relative path as io/fs means it.
func validFilePath(p string) bool {
	name, ok := strings.CutPrefix(p, "/")
	return ok && fs.ValidPath(name) && name != "." && !strings.ContainsAny(name, "\\\x00")
}

// validHeaderValue reports whether v can be sent as a header value: no
// control characters other than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
