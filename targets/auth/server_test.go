package auth

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestStartStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, err := Start(ctx, Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	login(t, c, s.URL(), "user1")
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
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/me", nil)
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Error("the server still answers after its context ended")
	}
	if _, err := Start(ctx, Config{Addr: "127.0.0.1:0"}); err == nil {
		t.Error("Start with a done context succeeded")
	}
	if _, err := StartStoreServer(ctx, StoreConfig{Addr: "127.0.0.1:0"}); err == nil {
		t.Error("StartStoreServer with a done context succeeded")
	}
}

// TestShutdownCutsSlowRequest checks that Shutdown returns when its
// context ends, interrupting a request that sleeps.
func TestShutdownCutsSlowRequest(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	login(t, c, s.URL(), "user1")
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", s.URL()+"/api/slow?sleep=10s", nil)
		resp, err := c.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait until the request is in flight.
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Authenticated == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err == nil {
		t.Error("shutdown with a request in flight returned no error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	if status := <-done; status == 200 {
		t.Errorf("the slow request completed: %d", status)
	}
}
