package static

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0", Generate: testGenerate})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	if resp, _ := fetch(t, c, "GET", s.URL()+"/app.js"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Errorf("shutdown after cancel: %v", err)
	}
	if err := s.Shutdown(sctx); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
	c.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/app.js", nil)
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Error("the server still answers after its context ended")
	}
	if _, err := Start(ctx, Config{Generate: testGenerate}); err == nil {
		t.Error("Start with a done context succeeded")
	}
}

// TestHandlerMounted serves the handler over TLS through httptest, as a
// topology may.
func TestHandlerMounted(t *testing.T) {
	s := startStatic(t, Config{Generate: testGenerate, ID: "m"})
	ts := httptest.NewTLSServer(s.Handler())
	t.Cleanup(ts.Close)
	resp, body := fetch(t, ts.Client(), "GET", ts.URL+"/static/gen.css")
	if resp.StatusCode != 200 || len(body) != 1000 || resp.Header.Get("X-Backend") != "m" || resp.TLS == nil {
		t.Errorf("%d, %d bytes, X-Backend %q", resp.StatusCode, len(body), resp.Header.Get("X-Backend"))
	}
	if waitStats(s, Stats{ID: "m", Requests: 1, Bytes: 1000}).Requests != 1 {
		t.Errorf("the mounted handler shares the counters: %+v", s.Stats())
	}
}
