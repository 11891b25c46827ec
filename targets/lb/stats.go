package lb

import (
	"encoding/json"
	"net/http"
	"time"
)

// StatsPath is where an L7 balancer and a router serve their stats as
// JSON, on their own address. The path is never proxied.
const StatsPath = "/__stampede/stats"

// Stats is a snapshot of a pool's counters, all counted since start.
type Stats struct {
	Mode   string `json:"mode"`
	Policy string `json:"policy"`
	// Requests is how many requests (L7) or connections (L4) were sent
	// to a backend, retries included.
	Requests uint64 `json:"requests"`
	// NoBackend is how many were turned away (503, or a closed
	// connection) because no backend was available.
	NoBackend uint64 `json:"no_backend"`
	// Retries is how many were sent to a second backend after a
	// transport error.
	Retries  uint64         `json:"retries"`
	Backends []BackendStats `json:"backends"`
}

// BackendStats is one backend's part of Stats.
type BackendStats struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Weight int    `json:"weight"`
	// Available is Healthy and not Ejected nor Draining: the backend may
	// take new traffic.
	Available bool `json:"available"`
	Healthy   bool `json:"healthy"`
	Ejected   bool `json:"ejected"`
	Draining  bool `json:"draining"`
	// Requests counts requests (L7) or connections (L4) placed here.
	Requests uint64 `json:"requests"`
	InFlight int64  `json:"in_flight"`
	// Errors counts transport errors: refused, reset or broken
	// connections. HTTP error statuses are the backend's answers, not
	// errors of the balancer.
	Errors uint64 `json:"errors"`
	// BytesIn (client to backend) and BytesOut (backend to client) are
	// counted in L4 mode only, when a connection ends.
	BytesIn  uint64  `json:"bytes_in"`
	BytesOut uint64  `json:"bytes_out"`
	Latency  Latency `json:"latency"`
}

// Latency summarizes a backend's latency samples: time to response
// headers in L7 mode, time to connect in L4 mode. Durations are in
// nanoseconds in JSON.
type Latency struct {
	Count uint64        `json:"count"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
	// EWMA is the decayed peak EWMA that least-time uses.
	EWMA time.Duration `json:"ewma_ns"`
}

// Stats returns a snapshot of the pool's counters. Counters are read one by
// one while traffic flows, so they may be off by the requests in progress.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	targets := append([]*Target(nil), p.targets...)
	p.mu.Unlock()
	s := Stats{
		Mode:      p.mode,
		Policy:    p.policy,
		Requests:  p.placed.Load(),
		NoBackend: p.noBackend.Load(),
		Retries:   p.retries.Load(),
		Backends:  make([]BackendStats, len(targets)),
	}
	for i, t := range targets {
		s.Backends[i] = t.stats()
	}
	return s
}

// stats is t's part of Stats.
func (t *Target) stats() BackendStats {
	u := t.url.String()
	if t.url.Scheme == "tcp" {
		u = t.addr
	}
	b := BackendStats{
		ID:        t.id,
		URL:       u,
		Weight:    t.weight,
		Available: t.available(),
		Healthy:   t.healthy.Load(),
		Ejected:   t.ejected.Load(),
		Draining:  t.draining.Load(),
		Requests:  t.requests.Load(),
		InFlight:  t.inFlight.Load(),
		Errors:    t.errors.Load(),
		BytesIn:   t.bytesIn.Load(),
		BytesOut:  t.bytesOut.Load(),
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	t.mu.Lock()
	if n := t.hist.TotalCount(); n > 0 {
		b.Latency = Latency{
			Count: uint64(n),
			Mean:  time.Duration(t.hist.Mean() * float64(time.Microsecond)),
			P50:   us(t.hist.ValueAtPercentile(50)),
			P90:   us(t.hist.ValueAtPercentile(90)),
			P99:   us(t.hist.ValueAtPercentile(99)),
			Max:   us(t.hist.Max()),
		}
	}
	t.mu.Unlock()
	b.Latency.EWMA = t.Latency()
	return b
}

// statsHandler serves snapshot() as JSON to GET and HEAD.
func statsHandler(snapshot func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "stats: use GET or HEAD")
			return
		}
		body, err := json.MarshalIndent(snapshot(), "", "  ")
		if err != nil {
			writeError(w, http.StatusInternalServerError, "stats: "+err.Error())
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(append(body, '\n'))
		}
	})
}
