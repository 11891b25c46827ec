package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

func plan(url string, load scenarios.Load) *scenarios.Plan {
	if load.Grace == 0 {
		load.Grace = time.Second
	}
	if load.MaxVUs == 0 {
		load.MaxVUs = load.VUs
	}
	return &scenarios.Plan{
		Name:     "test",
		Requests: []scenarios.Request{{Method: "GET", URL: url}},
		Load:     load,
		Client:   scenarios.Client{KeepAlive: true, Timeout: 5 * time.Second},
	}
}

func TestRunHTTPClosed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello"))
	}))
	defer srv.Close()
	p := plan(srv.URL+"/", scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 4, Duration: time.Second})
	c, err := NewClient(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := Run(context.Background(), p, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tot := res.Total
	t.Logf("requests=%d errors=%d rps=%.0f p50=%dus p99=%dus conns=%d", tot.Requests, tot.Errors, tot.RPS(),
		tot.Hists[0].ValueAtQuantile(50), tot.Hists[0].ValueAtQuantile(99), tot.Connections)
	if tot.Requests == 0 || tot.Errors != 0 || tot.Status[200] != tot.Requests {
		t.Fatalf("requests %d errors %d status %v classes %v", tot.Requests, tot.Errors, tot.Status, tot.ErrClasses)
	}
	if tot.Connections != 4 {
		t.Fatalf("connections = %d, want 4 (keep-alive, one per VU)", tot.Connections)
	}
}

// TestCoordinatedOmissionHTTP is the coordinated-omission check over real
// sockets: a server that stalls every answer during the first 500 ms of
// every 2 s, driven by the open model at a constant rate and by a few
// closed-model VUs. The open model's p99 must reflect the stall (about
// 480 ms: a quarter of arrivals land in a stall and wait 0–500 ms), while
// the closed model's p99 hides it.
func TestCoordinatedOmissionHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("12 s of real time")
	}
	start := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if phase := time.Since(start) % (2 * time.Second); phase < 500*time.Millisecond {
			time.Sleep(500*time.Millisecond - phase)
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	run := func(load scenarios.Load) *Result {
		p := plan(srv.URL+"/", load)
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
	// Both runs start at a stall: 6 s holds three of them.
	time.Sleep(time.Until(start.Add(2 * time.Second)))
	open := run(scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 100, Duration: 6 * time.Second,
		VUs: 10, MaxVUs: 200, MaxBacklog: 10 * time.Second})
	time.Sleep(time.Until(start.Add(10 * time.Second)))
	closed := run(scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 4, Duration: 6 * time.Second})

	ol, cl := open.Total.Hists[metrics.Latency], closed.Total.Hists[metrics.Latency]
	t.Logf("open:   p50 %dµs p90 %dµs p99 %dµs max %dµs requests %d dropped %d", ol.ValueAtQuantile(50), ol.ValueAtQuantile(90), ol.ValueAtQuantile(99), ol.Max(), open.Total.Requests, open.Total.Dropped)
	t.Logf("closed: p50 %dµs p90 %dµs p99 %dµs max %dµs requests %d", cl.ValueAtQuantile(50), cl.ValueAtQuantile(90), cl.ValueAtQuantile(99), cl.Max(), closed.Total.Requests)
	if p99 := ol.ValueAtQuantile(99); p99 < 400_000 || p99 > 600_000 {
		t.Errorf("open model p99 = %dµs, want ≈480ms: the stall must show", p99)
	}
	if p90 := ol.ValueAtQuantile(90); p90 < 200_000 || p90 > 400_000 {
		t.Errorf("open model p90 = %dµs, want ≈300ms", p90)
	}
	if open.Total.Dropped != 0 || open.Total.Requests != 600 {
		t.Errorf("open model: %d requests, %d dropped; want 600 and 0", open.Total.Requests, open.Total.Dropped)
	}
	if p99 := cl.ValueAtQuantile(99); p99 > 50_000 {
		t.Errorf("closed model p99 = %dµs: expected the omission to hide the stall", p99)
	}
	if cl.Max() < 400_000 {
		t.Errorf("closed model max = %dµs: the stall should still be its max", cl.Max())
	}
}
