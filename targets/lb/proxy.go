package lb

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// copyBufSize is the size of the buffers that carry response bodies, as
// io.Copy's.
const copyBufSize = 32 << 10

// proxy is the L7 reverse proxy over one pool: net/http's server on the
// client side, an upstream (one per backend) on the other. The retry on
// another backend, the in-flight count and the latency sample each wrap
// exactly one exchange, and nothing is cloned that is not modified.
type proxy struct {
	pool  *Pool
	strip string // path prefix taken off before forwarding (Router), or ""
	bufs  sync.Pool
}

func newProxy(pool *Pool, strip string) *proxy {
	x := &proxy{pool: pool, strip: strip}
	x.bufs.New = func() any {
		b := make([]byte, copyBufSize)
		return &b
	}
	return x
}

// exchange is one request sent to one backend, whose response head has
// come back.
type exchange struct {
	t    *Target
	pc   *upConn
	resp *http.Response
	stop func() bool // stops pc's context watch; false if it fired
}

// ServeHTTP forwards r to a backend of the pool: 503 when none is
// available, 502 when the backend (and the retry, if any) failed.
func (x *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := x.pool
	sel := p.request(r)
	t := p.pick(&sel, nil)
	if t == nil {
		p.noBackend.Add(1)
		writeError(w, http.StatusServiceUnavailable, "no backend available")
		return
	}
	ex, err := x.send(t, r)
	if err != nil && r.Context().Err() == nil && retryable(r, err) {
		if t2 := p.pick(&sel, t); t2 != nil {
			p.retries.Add(1)
			ex, err = x.send(t2, r)
		}
	}
	if err != nil {
		if r.Context().Err() == nil {
			writeError(w, http.StatusBadGateway, "backend failed: "+err.Error())
		}
		return
	}
	defer ex.t.release()
	x.respond(w, r, ex)
}

// send makes one exchange with t. On success t stays in flight until the
// caller has copied the body; on error it is released here. A reused
// keep-alive connection that the backend had closed is not t's fault: a
// replayable request then goes once more on a fresh connection, and any
// other request checks its connection before it is written at all.
func (x *proxy) send(t *Target, r *http.Request) (*exchange, error) {
	ctx := r.Context()
	target := requestTarget(t, r, x.strip)
	start := time.Now()
	ex := &exchange{t: t}
	replay := replayable(r)
	pc, err := t.up.get(ctx, !replay)
	if err == nil {
		ex.pc, ex.stop = pc, pc.watch(ctx)
		ex.resp, err = pc.roundTrip(r, target)
		if err != nil && errors.Is(err, errNothingBack) && replay {
			ex.discard()
			if pc, err = t.up.dial(ctx); err == nil {
				ex.pc, ex.stop = pc, pc.watch(ctx)
				ex.resp, err = pc.roundTrip(r, target)
			}
		}
		if err != nil {
			ex.discard()
		}
	}
	if err != nil {
		t.release()
		if ctx.Err() == nil { // else the client left: not t's fault
			x.pool.failed(t)
		}
		return nil, err
	}
	t.observe(time.Since(start))
	x.pool.succeeded(t)
	return ex, nil
}

// discard closes the exchange's connection, if any.
func (ex *exchange) discard() {
	if ex.pc != nil {
		ex.stop()
		_ = ex.pc.nc.Close()
		ex.pc = nil
	}
}

// finish returns the connection to its upstream if the response was read
// to the end and both sides allow keep-alive; else it closes it.
func (ex *exchange) finish(complete bool) {
	stopped := ex.stop()
	if !complete || !stopped || ex.resp.Close || ex.resp.StatusCode == http.StatusSwitchingProtocols {
		_ = ex.pc.nc.Close() // first, so that Body.Close does not read on
		_ = ex.resp.Body.Close()
		return
	}
	_ = ex.resp.Body.Close()
	ex.t.up.put(ex.pc)
}

// respond writes the backend's response to the client. A backend that
// fails mid-body aborts the client's connection (http.ErrAbortHandler), as
// httputil.ReverseProxy does: the status is already sent, and a clean end
// would pass a truncated body off as whole.
func (x *proxy) respond(w http.ResponseWriter, r *http.Request, ex *exchange) {
	resp := ex.resp
	h := w.Header()
	for k, v := range resp.Header {
		if !hopHeader(k) {
			h[k] = v
		}
	}
	dropConnectionHeaders(h, resp.Header)
	w.WriteHeader(resp.StatusCode)
	stream := resp.ContentLength < 0 // chunked or until close: maybe a stream
	complete, err := x.copyBody(w, resp.Body, stream)
	ex.finish(complete)
	if err != nil {
		if r.Context().Err() == nil {
			x.pool.failed(ex.t)
		}
		panic(http.ErrAbortHandler)
	}
	for k, v := range resp.Trailer {
		h[http.TrailerPrefix+k] = v
	}
}

// copyBody copies body to w, flushing after every read when stream is
// set, so that server-sent events and the like are not held back. It
// reports whether the body was read to its end, and the backend's read
// error; a write error means the client went away, which ends the copy
// quietly.
func (x *proxy) copyBody(w http.ResponseWriter, body io.Reader, stream bool) (complete bool, err error) {
	bp := x.bufs.Get().(*[]byte)
	defer x.bufs.Put(bp)
	buf := *bp
	flusher, _ := w.(http.Flusher)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return false, nil
			}
			if stream && flusher != nil {
				flusher.Flush()
			}
		}
		if rerr == io.EOF {
			return true, nil
		}
		if rerr != nil {
			return false, rerr
		}
	}
}

// replayable reports whether r may be sent again whatever became of the
// first attempt: it has no body and an idempotent method.
func replayable(r *http.Request) bool {
	if hasBody(r) {
		return false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryable reports whether r may be sent again, to another backend,
// after err: it has no body, and either its method is idempotent or the
// connection could not even be opened, so the backend saw nothing.
func retryable(r *http.Request, err error) bool {
	if replayable(r) {
		return true
	}
	var op *net.OpError
	return !hasBody(r) && errors.As(err, &op) && op.Op == "dial"
}

// hopHeader reports whether the canonical header key k is hop-by-hop
// (RFC 9110, section 7.6.1), for this connection only.
func hopHeader(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// dropConnectionHeaders deletes from h the headers that src's Connection
// header names as hop-by-hop.
func dropConnectionHeaders(h, src http.Header) {
	for _, v := range src["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				delete(h, http.CanonicalHeaderKey(f))
			}
		}
	}
}

// writeError answers with a short plain-text error of the balancer's own.
func writeError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "stampede lb: "+msg+"\n")
}

var _ http.Handler = (*proxy)(nil)
