package backend

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fault posts an admin action and returns the answer.
func (c *testClient) fault(t *testing.T, base, query string) result {
	t.Helper()
	return c.get(t, "POST", base+"/__stampede/fault?"+query, "")
}

func TestAdminFaults(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{})
	c := newClient(t)
	tests := []struct {
		query  string
		status int
		check  func(FaultState, int) bool
		after  string // a GET on the main address after the action
		want   int    // its status
	}{
		{"action=error_rate&p=1", 200, func(f FaultState, _ int) bool { return f.ErrorRate == 1 }, "/work", 503},
		{"action=error_rate&p=0", 200, func(f FaultState, _ int) bool { return f.ErrorRate == 0 }, "/work", 200},
		{"action=slow&duration=20ms", 200, func(f FaultState, _ int) bool { return f.SlowMS == 20 }, "/work", 200},
		{"action=workers&n=3", 200, func(_ FaultState, w int) bool { return w == 3 }, "/work", 200},
		{"action=hang", 200, func(f FaultState, _ int) bool { return f.Hung }, "", 0},
		{"action=hang&on=false", 200, func(f FaultState, _ int) bool { return !f.Hung }, "/work", 200},
		{"action=hang&on=true", 200, func(f FaultState, _ int) bool { return f.Hung }, "", 0},
		{"action=unhang", 200, func(f FaultState, _ int) bool { return !f.Hung }, "/work", 200},
		{"action=heal", 200, func(f FaultState, _ int) bool { return f == FaultState{} }, "/work", 200},
		{"action=restart", 200, func(f FaultState, _ int) bool { return !f.Killed }, "/work", 200},
		{"action=explode", 400, nil, "", 0},
		{"", 400, nil, "", 0},
		{"action=slow&duration=soon", 400, nil, "", 0},
		{"action=slow&duration=-1s", 400, nil, "", 0},
		{"action=error_rate&p=2", 400, nil, "", 0},
		{"action=error_rate", 400, nil, "", 0},
		{"action=hang&on=maybe", 400, nil, "", 0},
		{"action=workers&n=-1", 400, nil, "", 0},
	}
	for _, tt := range tests {
		r := c.fault(t, s.URL(), tt.query)
		if r.status != tt.status {
			t.Errorf("POST fault?%s: %d %q; want %d", tt.query, r.status, r.body, tt.status)
			continue
		}
		if tt.check != nil {
			var reply faultReply
			if err := json.Unmarshal([]byte(r.body), &reply); err != nil || reply.ID != "b1" || !tt.check(reply.Faults, reply.Workers) {
				t.Errorf("POST fault?%s: %s (%v)", tt.query, r.body, err)
			}
		}
		if tt.after != "" {
			if got := c.get(t, "GET", s.URL()+tt.after, ""); got.status != tt.want {
				t.Errorf("GET %s after %s: %d; want %d", tt.after, tt.query, got.status, tt.want)
			}
		}
	}
	if r := c.get(t, "GET", s.URL()+"/__stampede/fault?action=kill", ""); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET fault: %d, Allow %q; want 405, POST", r.status, r.header.Get("Allow"))
	}
	if r := c.get(t, "POST", s.URL()+"/__stampede/stats", ""); r.status != 405 {
		t.Errorf("POST stats: %d; want 405", r.status)
	}
	// Form bodies work too.
	req := "action=error_rate&p=0.25"
	r := c.fetchForm(t, s.URL()+"/__stampede/fault", req)
	if r.status != 200 || s.Stats().Faults.ErrorRate != 0.25 {
		t.Errorf("POST fault with form %q: %d %q", req, r.status, r.body)
	}
}

// fetchForm posts a form body.
func (c *testClient) fetchForm(t *testing.T, url, form string) result {
	t.Helper()
	res, err := c.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, header: res.Header, body: string(b), err: err}
}

// TestAdminKillOwnAddress checks that a kill over the main address is
// answered, and the server is down by the time the answer arrives.
func TestAdminKillOwnAddress(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{})
	c := newClient(t)
	r := c.fault(t, s.URL(), "action=kill")
	var reply faultReply
	if err := json.Unmarshal([]byte(r.body), &reply); r.status != 200 || err != nil || !reply.Faults.Killed {
		t.Errorf("POST fault?action=kill: %d %q (%v); want 200 and killed", r.status, r.body, err)
	}
	if !refused(t, s.Addr()) {
		t.Errorf("the server accepts connections after answering kill")
	}
	if got := c.dials.Load(); got != 1 {
		t.Errorf("%d connections dialled", got)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if r := c.get(t, "GET", s.URL()+"/healthz", ""); r.status != 200 {
		t.Errorf("GET /healthz after Restart: %d", r.status)
	}
}

// TestAdminAddress checks the separate admin address: it serves only the
// admin endpoints, and stays up while the backend is killed, so that it can
// restart it.
func TestAdminAddress(t *testing.T) {
	for _, kind := range []Kind{Concurrent, SingleThreaded} {
		t.Run(string(kind), func(t *testing.T) {
			s, _ := startServer(t, t.Context(), Config{ID: "b9", Kind: kind, AdminAddr: "127.0.0.1:0"})
			if s.AdminURL() == "" || s.AdminURL() == s.URL() {
				t.Fatalf("AdminURL %q, URL %q", s.AdminURL(), s.URL())
			}
			admin := newClient(t)
			if r := admin.fault(t, s.AdminURL(), "action=kill"); r.status != 200 || r.header.Get("X-Backend") != "b9" {
				t.Errorf("kill over the admin address: %d, X-Backend %q", r.status, r.header.Get("X-Backend"))
			}
			if !refused(t, s.Addr()) {
				t.Errorf("the main address accepts connections after kill")
			}
			if r := admin.get(t, "GET", s.AdminURL()+"/__stampede/stats", ""); r.status != 200 || !strings.Contains(r.body, `"killed": true`) {
				t.Errorf("stats over the admin address while killed: %d %q", r.status, r.body)
			}
			if r := admin.fault(t, s.AdminURL(), "action=restart"); r.status != 200 {
				t.Errorf("restart over the admin address: %d %q", r.status, r.body)
			}
			c := newCloseClient(t)
			if r := c.get(t, "GET", s.URL()+"/healthz", ""); r.status != 200 {
				t.Errorf("GET /healthz after restart: %d", r.status)
			}
			if r := admin.get(t, "GET", s.AdminURL()+"/healthz", ""); r.status != 404 {
				t.Errorf("GET /healthz on the admin address: %d; want 404", r.status)
			}
			admin.tr.CloseIdleConnections()
		})
	}
}

func TestStatsJSON(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{ID: "s1", Seed: 99, Workers: 4, Endpoints: map[string]WorkModel{
		"/err": {Inject: []Injection{{P: 1, Status: 500}}},
	}})
	c := newClient(t)
	for _, p := range []string{"/work?sleep=10ms", "/work", "/err", "/nope", "/self?timeout=1s"} {
		c.get(t, "GET", s.URL()+p, "")
	}
	r := c.get(t, "GET", s.URL()+"/__stampede/stats", "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET stats: %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "kind", "seed", "workers", "requests", "in_flight", "in_service", "max_in_service",
		"connections", "errors_injected", "closes_injected", "self_deadlocks", "status", "queue", "service_time", "faults"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("stats JSON has no %q: %s", k, r.body)
		}
	}
	var st Stats
	if err := json.Unmarshal([]byte(r.body), &st); err != nil {
		t.Fatal(err)
	}
	// /self made a request of its own: 6 requests in all.
	want := map[string]uint64{"200": 4, "500": 1, "404": 1}
	if st.ID != "s1" || st.Kind != Concurrent || st.Seed != 99 || st.Workers != 4 || st.Requests != 6 || st.ErrorsInjected != 1 {
		t.Errorf("stats %+v", st)
	}
	for k, n := range want {
		if st.Status[k] != n {
			t.Errorf("status %v; want %v", st.Status, want)
			break
		}
	}
	if st.ServiceTime.Count != 6 || st.ServiceTime.MaxMS < 10 || st.ServiceTime.P99MS < st.ServiceTime.P50MS {
		t.Errorf("service time %+v; want 6 requests, the longest at least 10 ms", st.ServiceTime)
	}
	if _, ok := raw["queue"].(map[string]any)["max_waiting"]; !ok {
		t.Errorf("queue has no max_waiting: %v", raw["queue"])
	}
}

// TestStatsInFlight checks the gauges while requests are in service and
// queued.
func TestStatsInFlight(t *testing.T) {
	s, w := startServer(t, t.Context(), Config{Workers: 1})
	c := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 3)
	for range 3 {
		go func() { done <- c.fetch(ctx, "GET", s.URL()+"/work?sleep=30s", "").err }()
	}
	recv(t, w.entered, 5*time.Second, "a request")
	waitFor(t, "1 in service and 2 queued", func() bool {
		st := s.Stats()
		return st.InFlight == 3 && st.InService == 1 && st.Queue.Waiting == 2
	})
	cancel()
	for range 3 {
		if err := recv(t, done, 5*time.Second, "a cancelled request"); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled request: %v", err)
		}
	}
	waitFor(t, "the gauges back at 0", func() bool {
		st := s.Stats()
		// Each ends unanswered, or 503 if it got a worker before its
		// server noticed the client had gone.
		return st.InFlight == 0 && st.InService == 0 && st.Queue.Waiting == 0 && st.Status["none"]+st.Status["503"] == 3
	})
}

// FuzzAdminFault checks that no admin request makes the fault API panic,
// and that whatever it accepts leaves a valid fault state.
func FuzzAdminFault(f *testing.F) {
	for _, q := range []string{
		"action=kill", "action=restart", "action=hang&on=false", "action=slow&duration=1ms",
		"action=error_rate&p=0.5", "action=error_rate&p=NaN", "action=workers&n=99999999999999999999",
		"action=heal", "action=slow&duration=-9223372036854775808ns", "action=", "%zz",
	} {
		f.Add(q)
	}
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0"})
	if err != nil {
		f.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			f.Error(err)
		}
	}()
	f.Fuzz(func(t *testing.T, query string) {
		form, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		_, _ = s.applyFault(form.Get("action"), form)
		st := s.Stats()
		if !isProbability(st.Faults.ErrorRate) || st.Faults.SlowMS < 0 || st.Faults.SlowMS > ms(MaxSleep) || st.Workers < 0 {
			t.Fatalf("after %q: %+v, workers %d", query, st.Faults, st.Workers)
		}
	})
}
