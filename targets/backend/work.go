package backend

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
)

// env is what an endpoint needs from its server: random draws, the fault
// state and the counters. A handler made by NewWorkHandler has one of its
// own, with no faults.
type env struct {
	rand   *randSource
	faults *faults
	stats  *counters
}

// endpoint serves one path with one work model.
type endpoint struct {
	plan *plan
	env  *env
}

// serve does the work of one request and answers it, or drops its
// connection; it returns the status answered, or statusNone. The query may
// override the drawn service time, size and status (see NewWorkHandler);
// injected faults override the query.
func (e *endpoint) serve(w http.ResponseWriter, r *http.Request) int {
	ctx := r.Context()
	rng, pooled := e.env.rand.get(ctx)
	d := e.plan.draw(rng)
	if p := e.env.faults.errorRate(); p > 0 && rng.Float64() < p && d.fault == (fault{}) {
		d.fault.status = http.StatusServiceUnavailable
	}
	if pooled {
		e.env.rand.put(rng)
	}

	spec, cl := d.spec, e.plan.cl
	if q := r.URL.RawQuery; q != "" {
		var err error
		if spec, err = parseWork(q, d.spec); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return http.StatusBadRequest
		}
		if spec.Size != e.plan.spec.Size {
			cl = contentLength(spec.Size)
		}
	}
	if d.fault != (fault{}) {
		e.env.stats.errorsInjected.Add(1)
		if d.fault.status != 0 {
			spec.Status = d.fault.status
		}
	}

	if err := doWork(ctx, d.cpu, spec.Sleep+e.env.faults.slowBy()); err != nil {
		// Usually the client has gone and this write goes nowhere; when
		// the server is closing, the client learns why.
		http.Error(w, "work interrupted: "+err.Error(), http.StatusServiceUnavailable)
		return http.StatusServiceUnavailable
	}
	if d.fault.drop != "" {
		dropConn(w, d.fault.drop)
		return statusNone
	}
	if d.close {
		w.Header()["Connection"] = hdrClose
		e.env.stats.closesInjected.Add(1)
	}
	writeWork(w, r, spec, cl)
	return spec.Status
}

// writeWork writes spec's status and a body of spec.Size filler bytes with
// its Content-Length cl; HEAD gets the headers only, and 204 and 304 get no
// body.
func writeWork(w http.ResponseWriter, r *http.Request, spec WorkSpec, cl []string) {
	hdr := w.Header()
	hdr["Content-Type"] = hdrTextPlain
	noBody := spec.Status == http.StatusNoContent || spec.Status == http.StatusNotModified
	if !noBody {
		hdr["Content-Length"] = cl
	}
	w.WriteHeader(spec.Status)
	if noBody || r.Method == http.MethodHead {
		return
	}
	writeFill(w, spec.Size)
}

// dropConn ends the request's connection without an answer: a reset (RST,
// by closing with SO_LINGER 0) or a clean close (FIN). Where the connection
// cannot be taken over (HTTP/2, a test recorder) it answers nothing and
// returns.
func dropConn(w http.ResponseWriter, mode DropMode) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if mode == DropReset {
		setLingerZero(conn)
	}
	_ = conn.Close()
}

// setLingerZero makes closing c send a reset, looking through wrappers for
// the TCP connection.
func setLingerZero(c net.Conn) {
	for {
		switch v := c.(type) {
		case interface{ SetLinger(int) error }:
			_ = v.SetLinger(0)
			return
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return
		}
	}
}

// drainBody reads and discards the request body, so that net/http can reuse
// the connection and notices a client that goes away (it watches the
// connection only once the body is read). On a read error it answers 400
// and returns false.
func drainBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// NewWorkHandler returns a handler that serves the work of def to any path,
// on its own, to be mounted in other servers: it reads and discards the
// request body, waits the service time, then writes the status and a body
// of filler bytes with its Content-Length. Any method is accepted; HEAD gets
// the headers only, and 204 and 304 get no body. It sets no X-Backend
// header and keeps no statistics: that is the Server's job.
//
// The query may override def, parameter by parameter:
//
//	sleep   a Go duration (5ms, 1.5s) or a plain number of milliseconds (5, 2.5); 0 to MaxSleep
//	size    body bytes, 0 to MaxSize
//	status  200 to 599
//
// Other parameters are ignored (cache busters pass through); when a parameter
// is repeated the last one counts. A bad parameter gets 400 and a message that
// names it. The wait ends early when the request's context is done (the
// client went away, or the server is closing); the handler then answers 503
// if anyone is still listening.
//
// The handler is safe for concurrent use. Steady state, it allocates nothing
// of its own: the body is sliced from a shared buffer, header values are
// shared (replace them, never modify them in place), and timers are pooled.
//
// NewWorkHandler panics if def is invalid (see WorkSpec.Validate), as
// http.ServeMux.Handle panics on a bad pattern: check configuration from users
// with Validate first.
func NewWorkHandler(def WorkSpec) http.Handler {
	if err := def.Validate(); err != nil {
		panic("backend: NewWorkHandler: " + err.Error())
	}
	p, err := newPlan(def.Model())
	if err != nil {
		panic("backend: NewWorkHandler: " + err.Error()) // cannot happen: def is valid
	}
	e := &endpoint{plan: p, env: &env{rand: newRandSource(rand.Uint64()), faults: &faults{}, stats: newCounters()}}
	return workHandler{e}
}

// workHandler is the handler of NewWorkHandler.
type workHandler struct{ e *endpoint }

func (h workHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if drainBody(w, r) {
		h.e.serve(w, r)
	}
}

var _ http.Handler = workHandler{}
