package cache

import (
	"container/list"
	"net/http"
	"strconv"
	"time"
)

// entry is one response, stored or about to be. Everything but elem is
// immutable once the entry is built, so handlers read entries without
// locks; a revalidation builds a new entry rather than updating one.
type entry struct {
	key     string   // primary key: method and request target
	variant string   // secondary key: variantKey(vary, request header)
	vary    []string // field names of the Vary of the response

	status int
	// header holds the end-to-end fields to serve, without Age (computed
	// per response) and without the fields a qualified private or
	// no-cache forbids to share. Its slices are clipped (len == cap).
	header        http.Header
	body          []byte
	contentLength []string // len(body), as a shared header value

	cc           cacheControl
	etag         string
	lastModified string
	date         time.Time

	// responseTime is when the response (or the 304 that last refreshed
	// it) arrived; initialAge is its age then: the origin's Age plus the
	// time the exchange took (corrected_age_value of RFC 9111 4.2.3).
	responseTime time.Time
	initialAge   time.Duration
	// lifetime is the freshness lifetime; hasLifetime says it was stated
	// (s-maxage, max-age, Expires) or given by Config.DefaultTTL.
	lifetime    time.Duration
	hasLifetime bool

	size int64         // bytes charged to the store
	elem *list.Element // the store's LRU element; guarded by the store's lock
}

// entryOverhead approximates the bookkeeping bytes of an entry (struct,
// map and list slots), so that many tiny entries still count.
const entryOverhead = 256

// newEntry builds an entry from a response that arrived at respTime for a
// request sent at reqTime. h must be the response's end-to-end fields; it
// is not modified. defaultTTL is Config.DefaultTTL.
//
// The age ignores Date (the apparent_age of RFC 9111 4.2.3), as Varnish
// and nginx do: Date has a resolution of one second and the origin's clock
// may be off, so with it a response of max-age=1 can arrive already stale.
// Age and the time the exchange took are what count.
func newEntry(key, variant string, vary []string, status int, h http.Header, body []byte,
	reqTime, respTime time.Time, defaultTTL time.Duration) *entry {
	e := &entry{
		key: key, variant: variant, vary: vary,
		status: status, body: body, contentLength: []string{strconv.Itoa(len(body))},
		cc:           parseCacheControl(h["Cache-Control"]),
		etag:         h.Get("Etag"),
		lastModified: h.Get("Last-Modified"),
		responseTime: respTime,
	}
	hdr := h.Clone()
	hdr.Del("Age")
	for _, f := range e.cc.privateFields {
		hdr.Del(f)
	}
	for _, f := range e.cc.noCacheFields {
		hdr.Del(f)
	}
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		// RFC 9110 6.6.1: a recipient adds the Date that is missing.
		date = respTime
		hdr.Set("Date", respTime.UTC().Format(http.TimeFormat))
	}
	e.header, e.date = hdr, date

	var ageValue time.Duration
	if n, ok := parseDelta(h.Get("Age")); ok {
		ageValue = time.Duration(n) * time.Second
	}
	e.initialAge = ageValue + max(0, respTime.Sub(reqTime))
	e.lifetime, e.hasLifetime = freshnessLifetime(e.cc, h, date, defaultTTL)

	e.size = entryOverhead + int64(len(key)+len(variant)+len(body))
	for k, vs := range hdr {
		for _, v := range vs {
			e.size += int64(len(k) + len(v) + 4)
		}
	}
	return e
}

// setBody gives the entry its body; only while it is not yet shared.
func (e *entry) setBody(b []byte) {
	e.body = b
	e.contentLength = []string{strconv.Itoa(len(b))}
	e.size += int64(len(b))
}

// freshnessLifetime applies RFC 9111 4.2.1 for a shared cache: s-maxage,
// then max-age, then Expires minus Date (an invalid Expires means already
// expired), then defaultTTL in place of a heuristic.
func freshnessLifetime(cc cacheControl, h http.Header, date time.Time, defaultTTL time.Duration) (time.Duration, bool) {
	switch {
	case cc.sMaxAge != absent:
		return time.Duration(cc.sMaxAge) * time.Second, true
	case cc.maxAge != absent:
		return time.Duration(cc.maxAge) * time.Second, true
	case len(h["Expires"]) > 0:
		exp, err := http.ParseTime(h.Get("Expires"))
		if err != nil {
			return 0, true
		}
		return max(0, exp.Sub(date)), true
	case defaultTTL > 0:
		return defaultTTL, true
	}
	return 0, false
}

// age is the current_age of RFC 9111 4.2.3 at now.
func (e *entry) age(now time.Time) time.Duration {
	return max(0, e.initialAge+now.Sub(e.responseTime))
}

// fresh reports whether the entry is still fresh at now.
func (e *entry) fresh(now time.Time) bool { return e.lifetime > e.age(now) }

// staleness is how long the entry has been stale at now (<= 0: fresh).
func (e *entry) staleness(now time.Time) time.Duration { return e.age(now) - e.lifetime }

// mayServeStale reports whether the response allows being served stale at
// all: must-revalidate and no-cache forbid it, and for a shared cache so do
// proxy-revalidate and s-maxage (RFC 9111 5.2.2.10).
func (e *entry) mayServeStale() bool {
	cc := e.cc
	return !cc.mustRevalidate && !cc.proxyRevalidate && !cc.noCache && cc.sMaxAge == absent
}

// hasValidator reports whether the entry can be revalidated conditionally.
func (e *entry) hasValidator() bool { return e.etag != "" || e.lastModified != "" }

// sharedWithAuth reports whether the response may answer a request that
// carries Authorization (RFC 9111 3.5).
func (e *entry) sharedWithAuth() bool {
	return e.cc.public || e.cc.mustRevalidate || e.cc.sMaxAge != absent
}

// cacheableStatus lists the status codes the cache understands and stores
// (with freshness): those RFC 9110 15.1 calls heuristically cacheable,
// less 206 (the cache does not handle ranges).
func cacheableStatus(code int) bool {
	switch code {
	case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501:
		return true
	}
	return false
}

// storable reports whether e, the response to a request with the given
// Authorization presence, may be stored by a shared cache (RFC 9111 3):
// a status the cache understands, no no-store (unless must-understand
// overrides it for such a status), no bare private, no "Vary: *", and a
// lifetime, or else no-cache with a validator (stored only to be
// revalidated). Without a lifetime and without DefaultTTL a response is
// not stored: there is no heuristic freshness.
func storable(e *entry, varyStar, reqAuth bool) bool {
	cc := e.cc
	switch {
	case !cacheableStatus(e.status), varyStar:
		return false
	case cc.noStore && !cc.mustUnderstand:
		return false
	case cc.private && cc.privateFields == nil:
		return false
	case reqAuth && !e.sharedWithAuth():
		return false
	}
	return e.hasLifetime || (cc.noCache && e.hasValidator())
}

// refreshed returns the entry updated by a 304 that arrived at respTime
// (RFC 9111 3.2 and 4.3.4): the 304's fields replace the stored ones,
// except Content-Length, and the age and freshness start over.
func (e *entry) refreshed(h304 http.Header, reqTime, respTime time.Time, defaultTTL time.Duration) *entry {
	h := e.header.Clone()
	for k, vs := range h304 {
		if k == "Content-Length" {
			continue
		}
		h[k] = vs
	}
	return newEntry(e.key, e.variant, e.vary, e.status, h, e.body, reqTime, respTime, defaultTTL)
}
