package backend

import (
	"net/http"
	"time"
)

// mainHandler is the handler of a server's main address.
type mainHandler struct{ s *Server }

func (h mainHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	w.Header()["X-Backend"] = s.idHdr
	if isAdmin(r.URL.Path) {
		s.serveAdmin(w, r)
		return
	}
	s.stats.inFlight.Add(1)
	status := statusNone
	defer func() { // deferred, so that a handler's panic leaves the gauges right
		s.stats.inFlight.Add(-1)
		s.stats.finish(status)
	}()
	status = s.handle(w, r)
}

// handle takes a request through the steps every route shares and returns
// the status answered, or statusNone.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) int {
	if !drainBody(w, r) {
		return http.StatusBadRequest
	}
	ctx := r.Context()
	if s.faults.waitUnhung(ctx) != nil {
		return statusNone
	}
	queued := time.Now()
	err := s.pool.acquire(ctx)
	began := time.Now()
	s.stats.queue.record(began.Sub(queued))
	if err != nil {
		return statusNone
	}
	defer func() {
		s.pool.release()
		s.stats.service.record(time.Since(began))
	}()
	return s.route(w, r)
}

// route serves a request holding a worker.
func (s *Server) route(w http.ResponseWriter, r *http.Request) int {
	if e := s.endpoints[r.URL.Path]; e != nil {
		return e.serve(w, r)
	}
	switch r.URL.Path {
	case "/":
		return s.serveStatic(w, r, s.root)
	case "/healthz":
		return s.serveStatic(w, r, healthzResponse)
	case "/self":
		return s.serveSelf(w, r)
	}
	notFoundResponse.write(w, r)
	return http.StatusNotFound
}

var (
	healthzResponse  = newStaticResponse(http.StatusOK, "ok")
	notFoundResponse = newStaticResponse(http.StatusNotFound, "404 page not found\n")
	injectedResponse = newStaticResponse(http.StatusServiceUnavailable, "503 injected error\n")
	methodResponse   = func() *staticResponse {
		r := newStaticResponse(http.StatusMethodNotAllowed, "405 method not allowed: use GET or HEAD\n")
		r.allow = hdrAllowGetHead
		return r
	}()
)

// serveStatic writes resp to a GET or HEAD request, and 405 to any other,
// after the Slow fault's extra time and subject to the error rate.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, resp *staticResponse) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodResponse.write(w, r)
		return methodResponse.status
	}
	if extra := s.faults.slowBy(); extra > 0 {
		if err := sleep(r.Context(), extra); err != nil {
			http.Error(w, "interrupted: "+err.Error(), http.StatusServiceUnavailable)
			return http.StatusServiceUnavailable
		}
	}
	if p := s.faults.errorRate(); p > 0 {
		rng, pooled := s.rand.get(r.Context())
		if rng.Float64() < p {
			resp = injectedResponse
			s.stats.errorsInjected.Add(1)
		}
		if pooled {
			s.rand.put(rng)
		}
	}
	resp.write(w, r)
	return resp.status
}

var _ http.Handler = mainHandler{}
