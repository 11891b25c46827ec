package lb

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func startRouter(t testing.TB, routes []Route, hc HealthCheck) *Router {
	t.Helper()
	rt, err := StartRouter(context.Background(), "127.0.0.1:0", routes, hc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rt.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return rt
}

func TestRouterLongestPrefix(t *testing.T) {
	app := []*testBackend{startBackend(t, "app1"), startBackend(t, "app2")}
	static, api, v2 := startBackend(t, "static"), startBackend(t, "api"), startBackend(t, "v2")
	rt := startRouter(t, []Route{
		{Prefix: "/", Policy: PolicyRoundRobin, Backends: configOf(app)},
		{Prefix: "/static/", Policy: PolicyLeastConn, Backends: []Backend{static.backend()}},
		{Prefix: "/api", Policy: PolicyP2C, Backends: []Backend{api.backend()}},
		{Prefix: "/api/v2", Backends: []Backend{v2.backend()}, StripPrefix: true},
	}, HealthCheck{Interval: time.Second, Path: "/healthz"})
	c := newClient(t)
	tests := []struct {
		path, backend, seenPath string
	}{
		{"/index.html", "app", "/index.html"},
		{"/static", "app", "/static"}, // "/static/" does not match "/static"
		{"/static/site.css?v=3", "static", "/static/site.css?v=3"},
		{"/api/users", "api", "/api/users"},
		{"/apix", "api", "/apix"}, // plain string prefix, as nginx
		{"/api/v2/users?id=7", "v2", "/users?id=7"},
		{"/api/v2", "v2", "/"},
		{"/api/v2%2Fodd", "v2", "/%2Fodd"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := get(t, c, rt.URL()+tt.path)
			if !strings.HasPrefix(r.backend, tt.backend) {
				t.Errorf("%s went to %q, want %s", tt.path, r.backend, tt.backend)
			}
			if got := r.header.Get("X-Seen-Path"); got != tt.seenPath {
				t.Errorf("%s reached the backend as %q, want %q", tt.path, got, tt.seenPath)
			}
		})
	}
	var s RouterStats
	if err := json.Unmarshal([]byte(get(t, c, rt.URL()+StatsPath).body), &s); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range s.Routes {
		order = append(order, r.Prefix+"="+r.Policy+":"+itoa(int(r.Requests)))
	}
	if got, want := strings.Join(order, " "), "/static/=least-conn:1 /api/v2=round-robin:3 /api=p2c:2 /=round-robin:2"; got != want {
		t.Errorf("router stats %q, want %q", got, want)
	}
	if rt.Pool("/api") == nil || rt.Pool("/nope") != nil {
		t.Error("Pool(prefix) does not find routes by exact prefix")
	}
}

func TestRouterNoRoute404(t *testing.T) {
	rt := startRouter(t, []Route{{Prefix: "/api/", Backends: []Backend{startBackend(t, "api").backend()}}}, HealthCheck{})
	r, err := do(newClient(t), http.MethodGet, rt.URL()+"/other", "")
	if err != nil || r.status != http.StatusNotFound {
		t.Errorf("unrouted path: %d %v, want 404", r.status, err)
	}
}

func TestRouterDrainOneRoute(t *testing.T) {
	a, b := startBackend(t, "a"), startBackend(t, "b")
	rt := startRouter(t, []Route{{Prefix: "/", Backends: []Backend{a.backend(), b.backend()}}}, HealthCheck{})
	if err := rt.Pool("/").Drain(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if got := count(newClient(t), rt.URL(), 10, 1); got["b"] != 10 {
		t.Errorf("with a drained: %v", got)
	}
}

func TestValidateRoutes(t *testing.T) {
	ok := []Backend{{URL: "http://127.0.0.1:9001"}}
	tests := []struct {
		name   string
		routes []Route
		hc     HealthCheck
		want   []string
	}{
		{"fine", []Route{{Prefix: "/", Backends: ok}, {Prefix: "/api", Policy: "ip-hash", Backends: ok}}, HealthCheck{}, nil},
		{"none", nil, HealthCheck{}, []string{"routes: none given"}},
		{"every problem", []Route{
			{Prefix: "api", Backends: ok},
			{Prefix: "/x", Policy: "fastest"},
			{Prefix: "/x", Backends: []Backend{{URL: "http://nohost"}}},
		}, HealthCheck{Interval: -1}, []string{
			`routes[0].prefix: "api" does not start with /`,
			`routes[1].policy: "fastest" is not a policy`,
			"routes[1].backends: none given",
			`routes[2].prefix: "/x" is already the prefix of routes[1]`,
			"routes[2].backends[0].url",
			"health.interval",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := ValidateRoutes(tt.routes, tt.hc)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tt.want), errs)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want %q", i, err, tt.want[i])
				}
			}
		})
	}
	if _, err := StartRouter(context.Background(), "127.0.0.1:0", nil, HealthCheck{}); err == nil {
		t.Error("StartRouter accepted no routes")
	}
}
