package lb

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestActiveHealthEjectsKilledBackend: a killed backend is out within two
// check intervals (Unhealthy = 2), after which no request fails or reaches
// it; restarted, it is back after Healthy passes.
func TestActiveHealthEjectsKilledBackend(t *testing.T) {
	const interval = 100 * time.Millisecond
	bs := startBackends(t, 3)
	lb := startLB(t, Config{
		Backends: configOf(bs),
		Health:   HealthCheck{Interval: interval, Path: "/healthz", Healthy: 2, Unhealthy: 2},
		Passive:  Passive{Failures: -1}, // active checks alone
	})
	c := newClient(t)
	dead := bs[1]
	dead.kill()
	// Slack for scheduling on a loaded machine with -race: half an interval.
	took := waitFor(t, 2*interval+interval/2+time.Second, "ejection", func() bool {
		return !backendStats(t, lb.Pool, dead.id).Healthy
	})
	if took > 2*interval+interval/2 {
		t.Errorf("killed backend ejected after %v, want within two intervals (%v)", took, 2*interval)
	}
	got := count(c, lb.URL(), 300, 4)
	if got["error"] != 0 || got[dead.id] != 0 {
		t.Errorf("after ejection: %v, want no errors and nothing on %s", got, dead.id)
	}
	dead.listen()
	waitFor(t, 2*time.Second, "readmission", func() bool { return backendStats(t, lb.Pool, dead.id).Available })
	if got := count(c, lb.URL(), 30, 1); got[dead.id] != 10 {
		t.Errorf("after readmission: %v, want 10 on %s", got, dead.id)
	}
}

// TestActiveHealthFailsOnStatus: a 503 from the health path is a failure.
func TestActiveHealthFailsOnStatus(t *testing.T) {
	bs := startBackends(t, 2)
	bs[0].sick.Store(true)
	lb := startLB(t, Config{
		Backends: configOf(bs),
		Health:   HealthCheck{Interval: 20 * time.Millisecond, Path: "/healthz", Unhealthy: 1, Healthy: 1},
	})
	waitFor(t, 2*time.Second, "sick backend out", func() bool { return !backendStats(t, lb.Pool, "b1").Healthy })
	bs[0].sick.Store(false)
	waitFor(t, 2*time.Second, "recovered backend in", func() bool { return backendStats(t, lb.Pool, "b1").Healthy })
}

// TestPassiveEjection: with active checks off, transport errors eject a
// killed backend for the cooldown, and its failed requests are retried on
// another backend, so the client sees none of them.
func TestPassiveEjection(t *testing.T) {
	const cooldown = 300 * time.Millisecond
	bs := startBackends(t, 3)
	lb := startLB(t, Config{Backends: configOf(bs), Passive: Passive{Failures: 2, Cooldown: cooldown}})
	c := newClient(t)
	dead := bs[0]
	dead.kill()
	got := count(c, lb.URL(), 60, 1)
	if got["error"] != 0 || got[dead.id] != 0 {
		t.Errorf("with %s killed: %v, want every request answered by the others", dead.id, got)
	}
	st := backendStats(t, lb.Pool, dead.id)
	if !st.Ejected || st.Available || st.Errors != 2 {
		t.Errorf("killed backend: ejected %v available %v errors %d, want true, false, 2", st.Ejected, st.Available, st.Errors)
	}
	if s := lb.Stats(); s.Retries != 2 {
		t.Errorf("retries %d, want 2 (one per failure before ejection)", s.Retries)
	}
	dead.listen()
	waitFor(t, cooldown+time.Second, "the cooldown to end", func() bool { return backendStats(t, lb.Pool, dead.id).Available })
	if got := count(c, lb.URL(), 30, 1); got[dead.id] != 10 {
		t.Errorf("after the cooldown: %v, want 10 on %s", got, dead.id)
	}
}

// TestAllDownAnswers503Quickly: with every backend out, the balancer
// answers 503 at once instead of trying them.
func TestAllDownAnswers503Quickly(t *testing.T) {
	bs := startBackends(t, 2)
	lb := startLB(t, Config{
		Backends: configOf(bs),
		Health:   HealthCheck{Interval: 20 * time.Millisecond, Unhealthy: 1},
	})
	for _, b := range bs {
		b.kill()
	}
	waitFor(t, 2*time.Second, "every backend out", func() bool { return len(*lb.avail.Load()) == 0 })
	c := newClient(t)
	for range 5 {
		start := time.Now()
		r, err := do(c, http.MethodGet, lb.URL(), "")
		if err != nil || r.status != http.StatusServiceUnavailable {
			t.Fatalf("all down: %d %q %v, want 503", r.status, r.body, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("503 took %v", d)
		}
	}
	if n := lb.Stats().NoBackend; n != 5 {
		t.Errorf("no_backend = %d, want 5", n)
	}
}

// TestRetryRules: after a transport error, only requests that cannot
// repeat a side effect go to another backend.
func TestRetryRules(t *testing.T) {
	tests := []struct {
		method, body string
		retried      bool
	}{
		{http.MethodGet, "", true},
		{http.MethodPut, "", true},
		{http.MethodPost, "", true}, // connection refused: nothing was sent
		{http.MethodPost, "payload", false},
		{http.MethodPut, "payload", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.body, func(t *testing.T) {
			bs := startBackends(t, 2)
			lb := startLB(t, Config{Backends: configOf(bs), Passive: Passive{Failures: -1}})
			bs[0].kill()
			c := newClient(t)
			status := map[int]int{}
			for range 4 {
				r, err := do(c, tt.method, lb.URL(), tt.body)
				if err != nil {
					t.Fatal(err)
				}
				status[r.status]++
				if r.status == http.StatusOK && r.body != tt.body && tt.body != "" {
					t.Errorf("body %q, want it echoed", r.body)
				}
				if r.status == http.StatusBadGateway && !strings.Contains(r.body, "backend failed") {
					t.Errorf("502 body %q", r.body)
				}
			}
			if tt.retried && status[http.StatusOK] != 4 {
				t.Errorf("statuses %v, want four 200s: the request should be retried", status)
			}
			if !tt.retried && (status[http.StatusBadGateway] == 0 || status[http.StatusOK]+status[http.StatusBadGateway] != 4) {
				t.Errorf("statuses %v, want 502s for the dead backend: a body must not be replayed", status)
			}
		})
	}
}

// TestStaleKeepAliveIsRetried: a backend that closes idle connections
// quickly costs nothing, even to non-idempotent requests without a body:
// the request goes again on a fresh connection.
func TestStaleKeepAliveIsRetried(t *testing.T) {
	b := startBackend(t, "b1", func(s *http.Server) { s.IdleTimeout = 20 * time.Millisecond })
	lb := startLB(t, Config{Backends: []Backend{b.backend()}, Passive: Passive{Failures: 1}})
	c := newClient(t)
	for range 5 {
		get(t, c, lb.URL())
		time.Sleep(60 * time.Millisecond) // the backend closes the idle connection
		if r, err := do(c, http.MethodPost, lb.URL(), ""); err != nil || r.status != http.StatusOK {
			t.Fatalf("POST without body on a stale connection: %v %v", r.status, err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	st := backendStats(t, lb.Pool, "b1")
	if st.Errors != 0 || st.Ejected {
		t.Errorf("stale connections counted as backend errors: %+v", st)
	}
}
