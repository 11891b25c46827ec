package cache

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// writeEntry writes a stored (or just fetched) response with fields h,
// Age and X-Cache; a client precondition that the response satisfies gets
// a 304 instead.
func (p *proxy) writeEntry(w http.ResponseWriter, r *http.Request, e *entry, h http.Header, xcache string, now time.Time) {
	out := w.Header()
	for k, vs := range h {
		out[k] = vs // shared, clipped slices: nothing appends in place
	}
	out.Set("Age", strconv.FormatInt(int64(e.age(now)/time.Second), 10))
	out["X-Cache"] = xcacheValue(xcache)
	appendVia(out)
	if notModified(r, e.status, h) {
		writeNotModified(w)
		return
	}
	headOnly := strings.HasPrefix(e.key, "HEAD ")
	if bodyAllowed(e.status) && !headOnly {
		out["Content-Length"] = e.contentLength
	}
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead && !headOnly {
		_, _ = w.Write(e.body) // a failed write means the client went away
	}
}

// X-Cache values as header slices, shared by every response: their len
// equals their cap, so appending to them copies.
var (
	xcacheHit   = []string{XCacheHit}
	xcacheMiss  = []string{XCacheMiss}
	xcacheStale = []string{XCacheStale}
)

func xcacheValue(x string) []string {
	switch x {
	case XCacheHit:
		return xcacheHit
	case XCacheStale:
		return xcacheStale
	}
	return xcacheMiss
}

// writeStream copies a response that is not stored to the client.
func (p *proxy) writeStream(w http.ResponseWriter, r *http.Request, s *stream, xcache string) {
	defer s.close()
	out := w.Header()
	for k, vs := range s.header {
		out[k] = vs
	}
	out["X-Cache"] = xcacheValue(xcache)
	appendVia(out)
	if cacheableRequest(r, cacheControl{}) && notModified(r, s.resp.StatusCode, s.header) {
		writeNotModified(w)
		return
	}
	w.WriteHeader(s.resp.StatusCode)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(s.prefix); err != nil {
		return
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	_, _ = io.CopyBuffer(w, s.resp.Body, *bp)
}

// copyBufs are the buffers of streamed bodies.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// bodyAllowed reports whether a response with this status has content.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// writeError answers a request the cache could not satisfy.
func writeError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Cache", XCacheMiss)
	h.Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// pass forwards a request that the store must not answer (any method but
// GET and HEAD, no-store, Range, preconditions) and streams the answer
// back. A successful answer to an unsafe method invalidates the stored
// responses of its target (RFC 9111 4.4).
func (p *proxy) pass(w http.ResponseWriter, r *http.Request) {
	p.stats.misses.Add(1)
	p.stats.passes.Add(1)
	var body io.ReadCloser
	if r.ContentLength != 0 {
		body = r.Body
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	req, err := p.originRequest(r.Context(), r.Method, r.URL.RequestURI(), endToEnd(r.Header), ip, body)
	if err != nil {
		writeError(w, http.StatusBadGateway, "stampede cache: "+err.Error())
		return
	}
	req.ContentLength = r.ContentLength
	p.stats.originRequests.Add(1)
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		p.stats.originErrors.Add(1)
		writeError(w, errorStatus(err), "stampede cache: origin failed: "+err.Error())
		return
	}
	if isOriginError(resp.StatusCode) {
		p.stats.originErrors.Add(1)
	}
	if !safeMethod(r.Method) && resp.StatusCode < 400 {
		target := r.URL.RequestURI()
		p.store.remove("GET " + target)
		p.store.remove("HEAD " + target)
	}
	noop := func() {}
	p.writeStream(w, r, &stream{resp: resp, header: endToEnd(resp.Header), cancel: noop}, XCacheMiss)
}

// safeMethod lists the methods of RFC 9110 9.2.1.
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}
