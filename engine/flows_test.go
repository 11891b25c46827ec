package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/auth"
	"github.com/stampede-lab/stampede/targets/static"
)

// tpl splits ${var} references the way the scenario loader does.
func tpl(raw string) scenarios.Template {
	t := scenarios.Template{Raw: raw}
	for raw != "" {
		i := strings.Index(raw, "${")
		if i < 0 {
			t.Parts = append(t.Parts, scenarios.TemplatePart{Literal: raw})
			break
		}
		if i > 0 {
			t.Parts = append(t.Parts, scenarios.TemplatePart{Literal: raw[:i]})
		}
		j := strings.Index(raw[i:], "}")
		t.Parts = append(t.Parts, scenarios.TemplatePart{Var: raw[i+2 : i+j]})
		raw = raw[i+j+1:]
	}
	return t
}

func flowPlan(base string, flow scenarios.Flow) *scenarios.Plan {
	return &scenarios.Plan{
		Name: "flow", BaseURL: base, Flows: []scenarios.Flow{flow},
		Load:   scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 2, MaxVUs: 2, Duration: 500 * time.Millisecond, Grace: time.Second},
		Client: scenarios.Client{KeepAlive: true, Timeout: 5 * time.Second},
	}
}

func runFlow(t *testing.T, p *scenarios.Plan) *Result {
	t.Helper()
	c, err := NewClient(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := Run(context.Background(), p, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func stepByName(t *testing.T, res *Result, name string) StepResult {
	t.Helper()
	for _, s := range res.Steps {
		if s.Step == name {
			return s
		}
	}
	t.Fatalf("no step %q in %+v", name, res.Steps)
	return StepResult{}
}

func startAuth(t *testing.T, mode string) *auth.Server {
	t.Helper()
	srv, err := auth.Start(context.Background(), auth.Config{Addr: "127.0.0.1:0", ID: "a1", Mode: mode,
		Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// TestFlowSessionsAndJWT logs in and calls /me: with the cookie jar the
// session carries; without it the check fails; a JWT extracted from the
// login answer works as a bearer token, and a tampered one is refused.
func TestFlowSessionsAndJWT(t *testing.T) {
	status200 := scenarios.Check{Name: "me is 200", Kind: scenarios.CheckStatus, Statuses: []int{200}}
	isUser := scenarios.Check{Name: "me is user1", Kind: scenarios.CheckJSON, Path: "user", Value: "user1"}
	login := scenarios.Step{Name: "login", Request: &scenarios.StepRequest{Method: "POST", URL: tpl("/login"),
		Body: tpl("user=user${vu}&password=pass"), BodyKind: "form",
		Checks: []scenarios.Check{{Name: "logged in", Kind: scenarios.CheckStatus, Class: 2}}}}
	login1 := login
	login1.Request = &scenarios.StepRequest{Method: "POST", URL: tpl("/login"), Body: tpl(`{"user":"user1","password":"pass"}`), BodyKind: "json",
		Extract: []scenarios.Extract{{Var: "token", From: scenarios.FromJSON, Expr: "token"}}}
	tests := []struct {
		name      string
		mode      string
		cookies   bool
		login     scenarios.Step
		meHeaders []scenarios.TemplateHeader
		checks    []scenarios.Check
		wantPass  bool
	}{
		{"session with cookie jar", auth.ModeSession, true, login, nil, []scenarios.Check{status200}, true},
		{"session without cookie jar", auth.ModeSession, false, login, nil, []scenarios.Check{status200}, false},
		{"jwt bearer", auth.ModeJWT, false, login1, []scenarios.TemplateHeader{{Name: "Authorization", Value: tpl("Bearer ${token}")}}, []scenarios.Check{status200, isUser}, true},
		{"tampered jwt", auth.ModeJWT, false, login1, []scenarios.TemplateHeader{{Name: "Authorization", Value: tpl("Bearer ${token}x")}}, []scenarios.Check{status200}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startAuth(t, tc.mode)
			me := scenarios.Step{Name: "me", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/me"), Headers: tc.meHeaders, Checks: tc.checks}}
			res := runFlow(t, flowPlan(srv.URL(), scenarios.Flow{Name: "f", Weight: 1, Cookies: tc.cookies, Steps: []scenarios.Step{tc.login, me}}))
			st := stepByName(t, res, "me")
			if st.Total.Requests == 0 {
				t.Fatal("no /me request")
			}
			for _, ck := range st.Checks {
				if tc.wantPass && (ck.Fail != 0 || ck.Passes == 0) {
					t.Errorf("check %q: %d passes, %d failures", ck.Name, ck.Passes, ck.Fail)
				}
				if !tc.wantPass && ck.Passes != 0 {
					t.Errorf("check %q passed %d times; expected it to fail", ck.Name, ck.Passes)
				}
			}
			if got := stepByName(t, res, "login"); got.ExtractFailures != 0 {
				t.Errorf("login extraction failures %d", got.ExtractFailures)
			}
		})
	}
}

// TestFlowBrowserCache: repeated fetches of a page become revalidations
// (no-cache + ETag) or hits (max-age) with the browser cache on.
func TestFlowBrowserCache(t *testing.T) {
	tests := []struct {
		name         string
		cacheControl []static.Rule
		wantHits     bool
	}{
		{"revalidate every time", nil, false},
		{"fresh for an hour", []static.Rule{{Prefix: "/", Value: "max-age=3600"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := static.Start(context.Background(), static.Config{Addr: "127.0.0.1:0", ID: "s",
				Generate: map[string]int{"/a.js": 5000}, CacheControl: tc.cacheControl})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown(context.Background())
			get := scenarios.Step{Name: "a", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/a.js")}}
			flow := scenarios.Flow{Name: "f", Cookies: true, BrowserCache: true,
				Steps: []scenarios.Step{{Name: "g", Group: &scenarios.Group{Repeat: 5, Steps: []scenarios.Step{get}}}}}
			res := runFlow(t, flowPlan(srv.URL(), flow))
			st := stepByName(t, res, "a")
			t.Logf("hits %d revalidations %d misses %d requests %d", st.CacheHits, st.CacheRevalidations, st.CacheMisses, st.Total.Requests)
			if st.CacheMisses == 0 {
				t.Fatal("no first fetch")
			}
			if tc.wantHits && (st.CacheHits == 0 || st.CacheRevalidations != 0) {
				t.Fatalf("want hits only after the first fetch")
			}
			if !tc.wantHits && (st.CacheRevalidations == 0 || st.CacheHits != 0 || st.Total.Status[304] == 0) {
				t.Fatalf("want 304 revalidations")
			}
		})
	}
}

// TestDependentStepLatency: in the open model a later step's intended
// start follows the plan (the previous step's intended start plus its
// running median), so a stall in step a shows in the latency of step b,
// while b's own service time stays short.
func TestDependentStepLatency(t *testing.T) {
	start := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			since := time.Since(start)
			if since > 1200*time.Millisecond && since < 1700*time.Millisecond {
				time.Sleep(1700*time.Millisecond - since)
			} else {
				time.Sleep(10 * time.Millisecond)
			}
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	flow := scenarios.Flow{Name: "f", Steps: []scenarios.Step{
		{Name: "a", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/a")}},
		{Name: "b", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/b")}},
	}}
	p := flowPlan(srv.URL, flow)
	p.Load = scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 40, Duration: 3 * time.Second, VUs: 10, MaxVUs: 200,
		MaxBacklog: 10 * time.Second, Grace: 2 * time.Second}
	res := runFlow(t, p)
	b := stepByName(t, res, "b")
	lat, svc := b.Total.Hists[metrics.Latency], b.Total.Hists[metrics.Service]
	t.Logf("step b: latency p99 %dµs max %dµs, service p99 %dµs", lat.ValueAtQuantile(99), lat.Max(), svc.ValueAtQuantile(99))
	if lat.ValueAtQuantile(99) < 200_000 {
		t.Errorf("step b latency p99 %dµs: the stall of step a does not show", lat.ValueAtQuantile(99))
	}
	if svc.ValueAtQuantile(99) > 100_000 {
		t.Errorf("step b service p99 %dµs: b itself is fast", svc.ValueAtQuantile(99))
	}
}

// TestFeederUnique: with select unique every iteration takes a row no
// other took.
func TestFeederUnique(t *testing.T) {
	seen := make(chan string, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.URL.Query().Get("u")
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var rows [][]string
	for i := range 200 {
		rows = append(rows, []string{fmt.Sprintf("user%d", i)})
	}
	p := flowPlan(srv.URL, scenarios.Flow{Name: "f", Steps: []scenarios.Step{
		{Name: "s", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/s?u=${data.users.name}")}}}})
	p.Data = []scenarios.Data{{Name: "users", Select: scenarios.SelectUnique, Columns: []string{"name"}, Rows: rows}}
	p.Load = scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 200, Duration: 500 * time.Millisecond, VUs: 4, MaxVUs: 20,
		MaxBacklog: time.Second, Grace: time.Second}
	res := runFlow(t, p)
	close(seen)
	got := map[string]int{}
	for u := range seen {
		got[u]++
	}
	if res.Total.Requests != 100 || len(got) != 100 {
		t.Fatalf("requests %d, distinct rows %d: want 100 and 100", res.Total.Requests, len(got))
	}
	for u, n := range got {
		if n != 1 {
			t.Fatalf("row %s used %d times", u, n)
		}
	}
}

// TestExpiredSessionRefused: a session that outlives its TTL is refused
// by the auth target, and the check counts it.
func TestExpiredSessionRefused(t *testing.T) {
	srv, err := auth.Start(context.Background(), auth.Config{Addr: "127.0.0.1:0", ID: "a", Mode: auth.ModeSession, TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	login := scenarios.Step{Name: "login", Request: &scenarios.StepRequest{Method: "POST", URL: tpl("/login"),
		Body: tpl("user=user1&password=pass"), BodyKind: "form"}, Think: scenarios.Think{Min: 1500 * time.Millisecond}}
	me := scenarios.Step{Name: "me", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/me"),
		Checks: []scenarios.Check{{Name: "me 200", Kind: scenarios.CheckStatus, Statuses: []int{200}}}}}
	p := flowPlan(srv.URL(), scenarios.Flow{Name: "f", Cookies: true, Steps: []scenarios.Step{login, me}})
	p.Load.Duration, p.Load.VUs, p.Load.MaxVUs = 2*time.Second, 1, 1
	res := runFlow(t, p)
	st := stepByName(t, res, "me")
	if st.Total.Requests == 0 || st.Checks[0].Fail == 0 || st.Checks[0].Passes != 0 || st.Total.Status[401] == 0 {
		t.Fatalf("me: requests %d, checks %+v, status %v: want the expired session refused", st.Total.Requests, st.Checks, st.Total.Status)
	}
}
