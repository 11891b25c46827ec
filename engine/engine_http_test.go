package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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
