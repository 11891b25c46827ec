package cache

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// newTransport is the client side towards the origin, tuned for a proxy
// under load: keep-alive with enough idle connections that a burst does
// not end in a storm of new connections, no proxy from the environment, and
// no transparent decompression (bodies are stored and forwarded as sent).
// Redirects are forwarded, not followed: the transport is used directly.
func newTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// joinOrigin returns the origin URL of a request target (path and query).
func joinOrigin(origin *url.URL, target string) string {
	base := strings.TrimSuffix(origin.String(), "/")
	if !strings.HasPrefix(target, "/") {
		target = "/" + target
	}
	return base + target
}

// outcomeKind says what an exchange with the origin for the cacheable
// path came to.
type outcomeKind int

const (
	kindNone        outcomeKind = iota // no outcome: the leader panicked
	kindStored                         // a complete response, storable (and stored if it fit)
	kindRevalidated                    // a 304 refreshed the stored entry
	kindHit                            // no exchange: another flight had just stored the response
	kindFetched                        // a complete response that is not storable
	kindStream                         // a response whose body is not read yet
	kindFailed                         // the origin could not be reached
)

// outcome is the result of one origin exchange. A coalesced flight hands
// the same outcome to every waiter: entry is immutable and shared, while
// stream and leaderHeader belong to the leader alone.
type outcome struct {
	kind  outcomeKind
	entry *entry
	err   error // kindFailed
	// originError: the origin answered 500, 502, 503 or 504, which lets a
	// stale entry be served in its place.
	originError bool
	// leaderHeader is the full header of a stored response whose entry
	// dropped fields (qualified private or no-cache): the requester that
	// caused the fetch still gets them.
	leaderHeader http.Header
	stream       *stream
}

// failed reports whether the origin gave no usable answer.
func (o outcome) failed() bool { return o.kind == kindFailed || o.originError }

// shareable reports whether waiters of a coalesced flight may use the
// outcome: a storable response, a refreshed entry, or a failure (the
// origin is down for them too). A response not storable (private,
// no-store, ...) is not shared: each waiter fetches its own.
func (o outcome) shareable() bool {
	switch o.kind {
	case kindStored, kindRevalidated, kindHit, kindFailed:
		return true
	case kindFetched:
		return o.originError
	}
	return false
}

// stream is a response whose body is still to be copied; prefix holds the
// bytes already read from it. close must be called once done.
type stream struct {
	resp   *http.Response
	header http.Header // end-to-end fields of resp
	prefix []byte
	cancel context.CancelFunc
}

func (s *stream) close() {
	_ = s.resp.Body.Close()
	s.cancel()
}

// fetchReq is one exchange with the origin for the cacheable path. Its
// fields are owned by it, so it can outlive the client's request (a
// background revalidation, a coalesced flight whose leader went away).
type fetchReq struct {
	method   string
	target   string      // request target, path and query
	key      string      // primary key
	header   http.Header // end-to-end request fields, without preconditions
	clientIP string
	reqAuth  bool   // the request carries Authorization
	base     *entry // the stored entry to revalidate, or nil
}

func newFetchReq(r *http.Request, key, target string, base *entry) *fetchReq {
	h := endToEnd(r.Header)
	for _, f := range conditionalFields {
		h.Del(f)
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	return &fetchReq{
		method: r.Method, target: target, key: key, header: h,
		clientIP: ip, reqAuth: r.Header.Get("Authorization") != "", base: base,
	}
}

// originRequest builds the outgoing request: the client's end-to-end
// fields plus X-Forwarded-For and Via.
func (p *proxy) originRequest(ctx context.Context, method, target string, h http.Header, clientIP string, body io.ReadCloser) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, joinOrigin(p.origin, target), body)
	if err != nil {
		return nil, err
	}
	req.Header = h
	if clientIP != "" {
		if prior := h["X-Forwarded-For"]; len(prior) > 0 {
			clientIP = strings.Join(prior, ", ") + ", " + clientIP
		}
		h.Set("X-Forwarded-For", clientIP)
	}
	appendVia(h)
	return req, nil
}

// fetch does the exchange: a conditional request when fr.base has a
// validator, else a plain one. It reads a storable response (or an error
// response, to share it) into memory up to MaxObjectBytes; anything else,
// or anything larger, comes back as a stream for the leader.
func (p *proxy) fetch(fr *fetchReq) outcome {
	ctx, cancel := context.WithTimeout(p.base, p.cfg.OriginTimeout)
	req, err := p.originRequest(ctx, fr.method, fr.target, fr.header.Clone(), fr.clientIP, nil)
	if err != nil {
		cancel()
		return outcome{kind: kindFailed, err: err}
	}
	if b := fr.base; b != nil {
		if b.etag != "" {
			req.Header.Set("If-None-Match", b.etag)
		}
		if b.lastModified != "" {
			req.Header.Set("If-Modified-Since", b.lastModified)
		}
	}
	reqTime := p.now()
	p.stats.originRequests.Add(1)
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		cancel()
		p.stats.originErrors.Add(1)
		return outcome{kind: kindFailed, err: err}
	}
	respTime := p.now()
	h := endToEnd(resp.Header)

	if resp.StatusCode == http.StatusNotModified && fr.base != nil {
		drain(resp.Body)
		cancel()
		if !sameETag(fr.base.etag, h.Get("Etag")) {
			// The 304 is about another representation (RFC 9111 4.3.4):
			// fetch the current one in full.
			again := *fr
			again.base = nil
			return p.fetch(&again)
		}
		e := fr.base.refreshed(h, reqTime, respTime, p.cfg.DefaultTTL)
		if _, star := varyNames(e.header); storable(e, star, fr.reqAuth) {
			p.store.put(e)
		} else { // the 304 withdrew the permission to store
			p.store.drop(e.key, e.variant)
		}
		p.stats.revalidations.Add(1)
		return outcome{kind: kindRevalidated, entry: e}
	}

	vary, star := varyNames(h)
	e := newEntry(fr.key, variantKey(vary, fr.header), vary, resp.StatusCode, h, nil, reqTime, respTime, p.cfg.DefaultTTL)
	out := outcome{kind: kindFetched, originError: isOriginError(resp.StatusCode)}
	if out.originError {
		p.stats.originErrors.Add(1)
	}
	keep := storable(e, star, fr.reqAuth)
	st := &stream{resp: resp, header: h, cancel: cancel}
	tooLarge := fr.method != http.MethodHead && resp.ContentLength > p.cfg.MaxObjectBytes
	if (!keep && !out.originError) || tooLarge {
		out.kind, out.stream = kindStream, st
		return out
	}
	body, complete, err := readUpTo(resp.Body, resp.ContentLength, p.cfg.MaxObjectBytes)
	if err != nil {
		st.close()
		p.stats.originErrors.Add(1)
		return outcome{kind: kindFailed, err: err}
	}
	if !complete {
		st.prefix = body
		out.kind, out.stream = kindStream, st
		return out
	}
	st.close()
	e.setBody(body)
	out.entry = e
	if keep {
		out.kind = kindStored
		if len(e.cc.privateFields)+len(e.cc.noCacheFields) > 0 {
			out.leaderHeader = h
		}
		p.store.put(e)
	}
	return out
}

// isOriginError reports the statuses that mean the origin is failing, for
// which a stale response may be served instead (RFC 5861 4 names these).
func isOriginError(code int) bool {
	switch code {
	case 500, 502, 503, 504:
		return true
	}
	return false
}

// sameETag compares a stored ETag with the one of a 304, weakly; a 304
// without an ETag matches.
func sameETag(stored, got string) bool {
	if got == "" || stored == "" {
		return true
	}
	a, okA := opaqueTag(stored)
	b, okB := opaqueTag(got)
	return okA && okB && a == b
}

// readUpTo reads r to its end if that is at most limit bytes; complete is
// false (and body holds the first limit+1 bytes) otherwise. size is the
// announced length, or -1. A complete body is returned without spare
// capacity, since the store charges its length.
func readUpTo(r io.Reader, size, limit int64) (body []byte, complete bool, err error) {
	var buf bytes.Buffer
	if size >= 0 && size <= limit {
		buf.Grow(int(size) + bytes.MinRead)
	}
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	b := buf.Bytes()
	if n > limit {
		return b, false, nil
	}
	if cap(b) > len(b)+len(b)/8+64 {
		b = bytes.Clone(b)
	}
	return b, true, nil
}

// drain reads a little of a body so that its connection can be reused,
// then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// errorStatus is the status the cache answers when the origin could not
// be reached: 504 when it timed out, 502 otherwise.
func errorStatus(err error) int {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}
