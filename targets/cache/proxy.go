package cache

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// X-Cache values: how the cache answered a request.
const (
	// XCacheHit: from the store without the origin, or after the origin
	// confirmed the stored response with a 304 (counted in Revalidations
	// too).
	XCacheHit = "HIT"
	// XCacheMiss: from the origin, whether stored or not; requests that
	// bypass the cache (POST, no-store, Range, ...) are misses too.
	XCacheMiss = "MISS"
	// XCacheStale: a stale stored response, served because the origin
	// failed (ServeStaleOnError, stale-if-error), while it is revalidated
	// in the background (stale-while-revalidate), or because the client
	// accepts it (max-stale).
	XCacheStale = "STALE"
)

// proxy is the cache's handler. Its methods are safe for concurrent use.
type proxy struct {
	cfg       Config
	origin    *url.URL
	transport *http.Transport
	store     *store
	flights   flightGroup // coalesced fetches, when cfg.Coalesce
	now       func() time.Time
	stats     counters

	// base is the context of origin exchanges that outlive a client's
	// request; it ends when the server shuts down.
	base context.Context
	// spawn runs a background revalidation unless the server is closing.
	spawn func(func()) bool

	bgMu   sync.Mutex
	bgKeys map[string]bool // background revalidations in flight
}

// action is what to do with a stored entry for a request.
type action int

const (
	actHit             action = iota // serve it
	actStale                         // serve it stale (max-stale)
	actStaleRevalidate               // serve it stale, revalidate in the background
	actRevalidate                    // ask the origin first
)

// ServeHTTP answers from the store or the origin; see the package doc.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StatsPath {
		p.serveStats(w, r)
		return
	}
	rcc := requestCacheControl(r.Header)
	if !cacheableRequest(r, rcc) {
		p.pass(w, r)
		return
	}
	now := p.now()
	target := r.URL.RequestURI()
	if r.Method == http.MethodHead {
		// A stored GET response answers HEAD too (RFC 9110 9.3.2), when
		// it can be used as it is.
		if e := p.lookup("GET "+target, r); e != nil && decide(e, rcc, now) == actHit {
			p.stats.hits.Add(1)
			p.writeEntry(w, r, e, e.header, XCacheHit, now)
			return
		}
	}
	key := r.Method + " " + target
	e := p.lookup(key, r)
	if e != nil {
		switch decide(e, rcc, now) {
		case actHit:
			p.stats.hits.Add(1)
			p.writeEntry(w, r, e, e.header, XCacheHit, now)
			return
		case actStaleRevalidate:
			p.revalidateInBackground(newFetchReq(r, key, target, e))
			fallthrough
		case actStale:
			p.stats.stale.Add(1)
			p.writeEntry(w, r, e, e.header, XCacheStale, now)
			return
		}
	}
	if rcc.onlyIfCached {
		p.stats.misses.Add(1)
		writeError(w, http.StatusGatewayTimeout, "stampede cache: only-if-cached and no usable stored response")
		return
	}
	p.fill(w, r, key, target, e, rcc)
}

// lookup returns the stored entry of key that may answer r, or nil.
func (p *proxy) lookup(key string, r *http.Request) *entry {
	e := p.store.get(key, r.Header)
	if e != nil && r.Header.Get("Authorization") != "" && !e.sharedWithAuth() {
		return nil
	}
	return e
}

// requestCacheControl parses the request's Cache-Control; a request
// without one but with "Pragma: no-cache" (HTTP/1.0) asks for no-cache.
func requestCacheControl(h http.Header) cacheControl {
	cc := parseCacheControl(h["Cache-Control"])
	if len(h["Cache-Control"]) == 0 {
		for _, d := range parseDirectives(h["Pragma"]) {
			if d.name == "no-cache" {
				cc.noCache = true
			}
		}
	}
	return cc
}

// cacheableRequest reports whether r may be answered from the store: GET
// or HEAD, no no-store, no Range (the cache does not do ranges) and no
// precondition other than If-None-Match and If-Modified-Since.
func cacheableRequest(r *http.Request, rcc cacheControl) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	h := r.Header
	return !rcc.noStore && h.Get("Range") == "" && h.Get("If-Match") == "" &&
		h.Get("If-Unmodified-Since") == "" && h.Get("If-Range") == ""
}

// decide applies RFC 9111 4 to a stored entry and a request's directives.
func decide(e *entry, rcc cacheControl, now time.Time) action {
	age := e.age(now)
	forced := e.cc.noCache || rcc.noCache || rcc.maxAge == 0 ||
		(rcc.maxAge != absent && age > time.Duration(rcc.maxAge)*time.Second)
	if forced {
		return actRevalidate
	}
	if e.fresh(now) {
		if rcc.minFresh != absent && e.lifetime-age < time.Duration(rcc.minFresh)*time.Second {
			return actRevalidate
		}
		return actHit
	}
	if !e.mayServeStale() {
		return actRevalidate
	}
	stale := e.staleness(now)
	if rcc.maxStale == anyStale || (rcc.maxStale != absent && stale <= time.Duration(rcc.maxStale)*time.Second) {
		return actStale
	}
	if w := e.cc.staleWhileRevalidate; w != absent && stale <= time.Duration(w)*time.Second {
		return actStaleRevalidate
	}
	return actRevalidate
}

// staleOnError reports whether e may stand in for a failed origin.
func (p *proxy) staleOnError(e *entry, rcc cacheControl, now time.Time) bool {
	if e == nil || !e.mayServeStale() {
		return false
	}
	stale := e.staleness(now)
	within := func(secs int64) bool { return secs != absent && stale <= time.Duration(secs)*time.Second }
	return p.cfg.ServeStaleOnError || within(e.cc.staleIfError) || within(rcc.staleIfError)
}

// fill gets the response from the origin, revalidating base when there is
// one, through a coalesced flight when configured.
func (p *proxy) fill(w http.ResponseWriter, r *http.Request, key, target string, base *entry, rcc cacheControl) {
	fr := newFetchReq(r, key, target, base)
	if !p.cfg.Coalesce {
		p.respond(w, r, p.fetch(fr), base, rcc, true)
		return
	}
	// Requests for variants already known to differ are not collapsed;
	// for a key never seen, waiters check the variant afterwards.
	fkey := key + "\x00" + variantKey(p.store.vary(key), r.Header)
	res, leader, err := p.flights.do(r.Context(), fkey, func() outcome {
		// A flight that ended between this request's lookup and now has
		// stored its response: use it rather than start another.
		if e := p.lookup(key, r); e != nil && decide(e, rcc, p.now()) == actHit {
			return outcome{kind: kindHit, entry: e}
		}
		return p.fetch(fr)
	})
	if err != nil {
		// The client went away (or the server is closing) while waiting.
		writeError(w, http.StatusServiceUnavailable, "stampede cache: gave up waiting for the origin")
		return
	}
	if !leader {
		p.stats.coalesced.Add(1)
		if !usableByWaiter(res, r, rcc, p.now()) {
			res = p.fetch(newFetchReq(r, key, target, base))
			leader = true
		}
	}
	p.respond(w, r, res, base, rcc, leader)
}

// usableByWaiter reports whether a coalesced outcome may answer r, whose
// directives are rcc: it must be shareable and, when it is a response,
// match r's variant and Authorization. A response the leader found stored
// must also suit rcc (it was not validated for this request).
func usableByWaiter(res outcome, r *http.Request, rcc cacheControl, now time.Time) bool {
	if !res.shareable() {
		return false
	}
	e := res.entry
	if e == nil {
		return res.kind == kindFailed
	}
	if res.kind == kindHit && decide(e, rcc, now) != actHit {
		return false
	}
	if r.Header.Get("Authorization") != "" && !e.sharedWithAuth() {
		return false
	}
	if _, star := varyNames(e.header); star {
		return false
	}
	return variantKey(e.vary, r.Header) == e.variant
}

// respond writes an outcome. base is the entry that was being revalidated,
// which stands in when the origin fails and the rules allow it.
func (p *proxy) respond(w http.ResponseWriter, r *http.Request, res outcome, base *entry, rcc cacheControl, leader bool) {
	now := p.now()
	if res.failed() && p.staleOnError(base, rcc, now) {
		if res.stream != nil && leader {
			res.stream.close()
		}
		p.stats.stale.Add(1)
		p.writeEntry(w, r, base, base.header, XCacheStale, now)
		return
	}
	switch res.kind {
	case kindHit, kindRevalidated:
		p.stats.hits.Add(1)
		p.writeEntry(w, r, res.entry, res.entry.header, XCacheHit, now)
	case kindStored, kindFetched:
		p.stats.misses.Add(1)
		h := res.entry.header
		if leader && res.leaderHeader != nil {
			h = res.leaderHeader
		}
		p.writeEntry(w, r, res.entry, h, XCacheMiss, now)
	case kindStream:
		p.stats.misses.Add(1)
		p.writeStream(w, r, res.stream, XCacheMiss)
	case kindFailed:
		p.stats.misses.Add(1)
		writeError(w, errorStatus(res.err), "stampede cache: origin failed: "+res.err.Error())
	default:
		p.stats.misses.Add(1)
		writeError(w, http.StatusBadGateway, "stampede cache: the request this one waited for failed")
	}
}

// revalidateInBackground refreshes a stale entry served under
// stale-while-revalidate; one at a time per entry.
func (p *proxy) revalidateInBackground(fr *fetchReq) {
	bkey := fr.key + "\x00" + fr.base.variant
	p.bgMu.Lock()
	if p.bgKeys[bkey] {
		p.bgMu.Unlock()
		return
	}
	p.bgKeys[bkey] = true
	p.bgMu.Unlock()
	started := p.spawn(func() {
		defer p.endBackground(bkey)
		if res := p.fetch(fr); res.stream != nil {
			res.stream.close()
		}
	})
	if !started {
		p.endBackground(bkey)
	}
}

func (p *proxy) endBackground(bkey string) {
	p.bgMu.Lock()
	delete(p.bgKeys, bkey)
	p.bgMu.Unlock()
}
