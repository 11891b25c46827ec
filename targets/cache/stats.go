package cache

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
)

// StatsPath is where the cache serves its Stats as JSON (GET or HEAD). The
// path is the cache's own: it is never forwarded to the origin.
const StatsPath = "/__stampede/stats"

// Stats are the cache's counters since it started. Every proxied request
// is counted once in Hits, Misses or Stale, as its X-Cache says.
type Stats struct {
	// Hits: answered from the store, including after a 304 from the
	// origin confirmed the stored response.
	Hits uint64 `json:"hits"`
	// Misses: answered from the origin's response (stored or not),
	// including Passes and the origin's failures.
	Misses uint64 `json:"misses"`
	// Stale: a stale stored response was served (X-Cache: STALE).
	Stale uint64 `json:"stale"`
	// Revalidations: 304 answers from the origin to the cache's
	// conditional requests.
	Revalidations uint64 `json:"revalidations"`
	// Coalesced: requests that waited for another request's origin
	// exchange instead of sending their own (Config.Coalesce).
	Coalesced uint64 `json:"coalesced_waiters"`
	// OriginRequests: requests sent to the origin, for any reason.
	OriginRequests uint64 `json:"origin_requests"`
	// OriginErrors: origin exchanges that failed (no answer, or a broken
	// body) or answered 500, 502, 503 or 504.
	OriginErrors uint64 `json:"origin_errors"`
	// Passes: requests forwarded without looking at the store (methods
	// other than GET and HEAD, no-store, Range, If-Match, ...).
	Passes uint64 `json:"passes"`
	// Evictions: entries dropped to keep the store within MaxBytes.
	Evictions uint64 `json:"evictions"`
	// Bytes is what the stored entries are charged (bodies, fields and
	// bookkeeping); Entries is how many there are, variants counted apart.
	Bytes   int64 `json:"bytes_stored"`
	Entries int   `json:"entries"`
}

// counters are the request counters behind Stats; the store keeps the
// others.
type counters struct {
	hits, misses, stale, revalidations, coalesced atomic.Uint64
	originRequests, originErrors, passes          atomic.Uint64
}

func (p *proxy) snapshot() Stats {
	bytes, entries, evictions := p.store.usage()
	c := &p.stats
	return Stats{
		Hits:           c.hits.Load(),
		Misses:         c.misses.Load(),
		Stale:          c.stale.Load(),
		Revalidations:  c.revalidations.Load(),
		Coalesced:      c.coalesced.Load(),
		OriginRequests: c.originRequests.Load(),
		OriginErrors:   c.originErrors.Load(),
		Passes:         c.passes.Load(),
		Evictions:      evictions,
		Bytes:          bytes,
		Entries:        entries,
	}
}

func (p *proxy) serveStats(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "stampede cache: stats: use GET", http.StatusMethodNotAllowed)
		return
	}
	body, _ := json.Marshal(p.snapshot()) // Stats always marshals
	body = append(body, '\n')
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
