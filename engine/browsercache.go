package engine

import (
	"strconv"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/engine/h1"
)

// browserCache is one VU's private HTTP cache, as a browser keeps one: a
// fresh stored response is used without a request (a hit), a stale one
// with a validator is revalidated with If-None-Match / If-Modified-Since
// (a 304 is a revalidation), anything else goes to the network (a miss).
// It keeps validators and freshness only, not bodies: a load test needs
// the traffic a browser would make, not the bytes it would show.
type browserCache struct {
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	etag, lastModified string
	expires            time.Time
}

// maxBrowserEntries bounds one VU's cache; beyond it nothing new is kept.
const maxBrowserEntries = 4096

func newBrowserCache() *browserCache { return &browserCache{entries: map[string]*cacheEntry{}} }

// lookup reports whether url is fresh in the cache, and otherwise the
// conditional headers to send (nil when there is nothing to revalidate).
func (c *browserCache) lookup(url string, now time.Time) (fresh bool, conditional [][2]string) {
	e := c.entries[url]
	if e == nil {
		return false, nil
	}
	if now.Before(e.expires) {
		return true, nil
	}
	if e.etag != "" {
		conditional = append(conditional, [2]string{"If-None-Match", e.etag})
	}
	if e.lastModified != "" {
		conditional = append(conditional, [2]string{"If-Modified-Since", e.lastModified})
	}
	return false, conditional
}

// store updates the cache from a response to a GET of url.
func (c *browserCache) store(url string, status int, resp *h1.Capture, now time.Time) {
	cc, _ := resp.Get("Cache-Control")
	if hasDirective(cc, "no-store") {
		delete(c.entries, url)
		return
	}
	e := c.entries[url]
	if status == 304 {
		if e != nil {
			e.expires = now.Add(maxAge(cc))
		}
		return
	}
	if status != 200 {
		return
	}
	etag, _ := resp.Get("ETag")
	lm, _ := resp.Get("Last-Modified")
	age := maxAge(cc)
	if hasDirective(cc, "no-cache") {
		age = 0
	}
	if etag == "" && lm == "" && age == 0 {
		delete(c.entries, url)
		return
	}
	if e == nil {
		if len(c.entries) >= maxBrowserEntries {
			return
		}
		e = &cacheEntry{}
		c.entries[url] = e
	}
	e.etag, e.lastModified, e.expires = etag, lm, now.Add(age)
}

func hasDirective(cc, name string) bool {
	for _, d := range strings.Split(cc, ",") {
		if strings.EqualFold(strings.TrimSpace(d), name) {
			return true
		}
	}
	return false
}

// maxAge reads max-age from a Cache-Control value (0 when absent).
func maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		if v, ok := strings.CutPrefix(strings.ToLower(d), "max-age="); ok {
			if n, err := strconv.Atoi(strings.Trim(v, `"`)); err == nil && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}
