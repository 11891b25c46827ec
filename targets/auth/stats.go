package auth

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// StatsPath is where an auth target serves its counters as JSON.
const StatsPath = "/__stampede/stats"

// statsTimeout bounds how long Stats waits for the store's Len.
const statsTimeout = 2 * time.Second

// Stats are an auth target's counters since it started.
type Stats struct {
	ID            string `json:"id"`
	Mode          string `json:"mode"`
	Logins        uint64 `json:"logins"`
	LoginFailures uint64 `json:"login_failures"` // every POST /login that did not log in
	// Authenticated counts requests to /me and /api/ that were let in.
	Authenticated uint64 `json:"authenticated"`
	// Unauthenticated counts 401s by Reason, every reason present.
	Unauthenticated map[Reason]uint64 `json:"unauthenticated"`
	// StoreErrors counts requests answered 503 because the store failed.
	StoreErrors uint64 `json:"store_errors"`
	// SessionsLive is the store's count of unexpired sessions (the shared
	// store's, when shared); 0 in jwt mode, which keeps none; -1 when the
	// store did not answer.
	SessionsLive int `json:"sessions_live"`
}

// counters are the live values behind Stats.
type counters struct {
	logins, loginFailures, authenticated, storeErrors atomic.Uint64
	// unauth has a counter per reason; the map is filled once and only
	// read after.
	unauth map[Reason]*atomic.Uint64
}

func newCounters() *counters {
	c := &counters{unauth: make(map[Reason]*atomic.Uint64, len(reasons))}
	for _, r := range reasons {
		c.unauth[r] = new(atomic.Uint64)
	}
	return c
}

func (h *handler) snapshot(ctx context.Context) Stats {
	c := h.stats
	st := Stats{
		ID:              h.id,
		Mode:            h.mode,
		Logins:          c.logins.Load(),
		LoginFailures:   c.loginFailures.Load(),
		Authenticated:   c.authenticated.Load(),
		Unauthenticated: make(map[Reason]uint64, len(reasons)),
		StoreErrors:     c.storeErrors.Load(),
	}
	for r, n := range c.unauth {
		st.Unauthenticated[r] = n.Load()
	}
	if h.store != nil {
		ctx, cancel := context.WithTimeout(ctx, statsTimeout)
		defer cancel()
		n, err := h.store.Len(ctx)
		if err != nil {
			n = -1
		}
		st.SessionsLive = n
	}
	return st
}

func (h *handler) serveStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, h.snapshot(r.Context()))
}
