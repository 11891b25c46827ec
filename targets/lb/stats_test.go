package lb

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestStatsEndpoint(t *testing.T) {
	bs := startBackends(t, 2)
	lb := startLB(t, Config{Policy: PolicyWeighted, Backends: configOf(bs, 1, 3)})
	c := newClient(t)
	count(c, lb.URL(), 8, 1)
	if lb.StatsURL() != lb.URL()+StatsPath {
		t.Errorf("StatsURL %q", lb.StatsURL())
	}
	r := get(t, c, lb.StatsURL())
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.backend != "" {
		t.Error("stats request was proxied to a backend")
	}
	var s Stats
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		t.Fatalf("stats JSON: %v\n%s", err, r.body)
	}
	if s.Mode != "l7" || s.Policy != "weighted" || s.Requests != 8 || len(s.Backends) != 2 {
		t.Fatalf("stats %+v", s)
	}
	for i, b := range s.Backends {
		want := uint64(2 + 4*i) // weights 1:3 of 8
		if b.ID != bs[i].id || b.URL != bs[i].url() || b.Weight != 1+2*i || b.Requests != want ||
			!b.Available || !b.Healthy || b.Latency.Count != want || b.Latency.P50 <= 0 || b.Latency.EWMA <= 0 {
			t.Errorf("backend %d: %+v", i, b)
		}
	}
	// Field names are part of the contract with dashboards and labs.
	var raw map[string]any
	_ = json.Unmarshal([]byte(r.body), &raw)
	b0 := raw["backends"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "url", "weight", "available", "healthy", "ejected", "draining", "requests", "in_flight", "errors", "bytes_in", "bytes_out", "latency"} {
		if _, ok := b0[k]; !ok {
			t.Errorf("backend JSON lacks %q", k)
		}
	}
	for _, k := range []string{"count", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "max_ns", "ewma_ns"} {
		if _, ok := b0["latency"].(map[string]any)[k]; !ok {
			t.Errorf("latency JSON lacks %q", k)
		}
	}
	if r, _ := do(c, http.MethodPost, lb.StatsURL(), "x"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST stats: %d, want 405", r.status)
	}
}

// TestStatsCountersMove checks that every counter changes when it should.
func TestStatsCountersMove(t *testing.T) {
	type env struct {
		lb *Balancer
		bs []*testBackend
		c  *http.Client
	}
	tests := []struct {
		name   string
		cfg    Config
		act    func(t *testing.T, e env)
		before func(s Stats) bool
		after  func(s Stats) bool
	}{
		{
			name:   "requests and latency",
			act:    func(t *testing.T, e env) { get(t, e.c, e.lb.URL()) },
			before: func(s Stats) bool { return s.Requests == 0 && s.Backends[0].Latency.Count == 0 },
			after: func(s Stats) bool {
				return s.Requests == 1 && s.Backends[0].Requests == 1 && s.Backends[0].Latency.Count == 1
			},
		},
		{
			name: "in flight",
			act: func(t *testing.T, e env) {
				go func() { _, _ = do(e.c, http.MethodGet, e.lb.URL()+"/hold", "") }()
				waitFor(t, 2*time.Second, "in flight", func() bool { return e.lb.Stats().Backends[0].InFlight == 1 })
				t.Cleanup(e.bs[0].release)
			},
			before: func(s Stats) bool { return s.Backends[0].InFlight == 0 },
			after:  func(s Stats) bool { return s.Backends[0].InFlight == 1 },
		},
		{
			name: "errors, retries and ejection",
			cfg:  Config{Passive: Passive{Failures: 1, Cooldown: time.Minute}},
			act: func(t *testing.T, e env) {
				e.bs[0].kill()
				get(t, e.c, e.lb.URL()) // round robin starts at b1: fails, retried on b2
			},
			before: func(s Stats) bool { return s.Backends[0].Errors == 0 && s.Retries == 0 && !s.Backends[0].Ejected },
			after: func(s Stats) bool {
				return s.Backends[0].Errors == 1 && s.Retries == 1 && s.Backends[0].Ejected && !s.Backends[0].Available
			},
		},
		{
			name:   "draining",
			act:    func(t *testing.T, e env) { _ = e.lb.Drain(context.Background(), "b1") },
			before: func(s Stats) bool { return !s.Backends[0].Draining && s.Backends[0].Available },
			after:  func(s Stats) bool { return s.Backends[0].Draining && !s.Backends[0].Available },
		},
		{
			name: "healthy and no backend",
			cfg:  Config{Health: HealthCheck{Interval: 10 * time.Millisecond, Unhealthy: 1}},
			act: func(t *testing.T, e env) {
				for _, b := range e.bs {
					b.kill()
				}
				waitFor(t, 2*time.Second, "all out", func() bool { return len(*e.lb.avail.Load()) == 0 })
				_, _ = do(e.c, http.MethodGet, e.lb.URL(), "")
			},
			before: func(s Stats) bool { return s.Backends[0].Healthy && s.NoBackend == 0 },
			after:  func(s Stats) bool { return !s.Backends[0].Healthy && !s.Backends[1].Healthy && s.NoBackend == 1 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := startBackends(t, 2)
			cfg := tt.cfg
			cfg.Backends = configOf(bs)
			e := env{lb: startLB(t, cfg), bs: bs, c: newClient(t)}
			if s := e.lb.Stats(); !tt.before(s) {
				t.Fatalf("before: %+v", s)
			}
			tt.act(t, e)
			if s := e.lb.Stats(); !tt.after(s) {
				t.Errorf("after: %+v", s)
			}
		})
	}
}
