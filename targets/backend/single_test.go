package backend

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestSingleThreadedSerializes checks that two requests of 100 ms on
// separate connections are served one after the other.
func TestSingleThreadedSerializes(t *testing.T) {
	const d = 100 * time.Millisecond
	s, _ := startServer(t, t.Context(), Config{Kind: SingleThreaded, Default: WorkSpec{Sleep: d}.Model()})
	began := time.Now()
	var mu sync.Mutex
	var took []time.Duration
	var wg sync.WaitGroup
	for range 2 {
		c := newCloseClient(t)
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if r := c.fetch(ctx, "GET", s.URL()+"/work", ""); r.err != nil || r.status != 200 {
				t.Errorf("GET /work: %d, %v", r.status, r.err)
			}
			mu.Lock()
			took = append(took, time.Since(began))
			mu.Unlock()
		})
	}
	wg.Wait()
	if last := max(took[0], took[1]); last < 2*d {
		t.Errorf("the second of two concurrent %v requests finished after %v; want at least %v", d, last, 2*d)
	}
	st := s.Stats()
	if st.Connections != 2 || st.MaxInService != 1 || st.Workers != 1 || st.Kind != SingleThreaded {
		t.Errorf("stats: %d connections, max in service %d, workers %d, kind %q; want 2, 1, 1, single-threaded",
			st.Connections, st.MaxInService, st.Workers, st.Kind)
	}
}

// TestSingleThreadedKeepAliveHoldsServer checks that a client keeping its
// connection open blocks every other client until it closes it.
func TestSingleThreadedKeepAliveHoldsServer(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{Kind: SingleThreaded, IdleTimeout: 30 * time.Second})
	first := newClient(t)
	first.get(t, "GET", s.URL()+"/healthz", "") // its connection stays open, idle

	second := newClient(t)
	done := make(chan time.Time, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if r := second.fetch(ctx, "GET", s.URL()+"/healthz", ""); r.err != nil || r.status != 200 {
			t.Errorf("second client: %d, %v", r.status, r.err)
		}
		done <- time.Now()
	}()
	select {
	case <-done:
		t.Fatal("the second client was answered while the first held the server")
	case <-time.After(300 * time.Millisecond):
	}
	closed := time.Now()
	first.tr.CloseIdleConnections()
	if answered := recv(t, done, 10*time.Second, "answer to the second client"); answered.Before(closed) {
		t.Errorf("the second client was answered %v before the first closed its connection", closed.Sub(answered))
	}
}

// TestSingleThreadedIdleTimeout checks that an idle keep-alive connection
// holds the server only until the idle timeout.
func TestSingleThreadedIdleTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	s, _ := startServer(t, t.Context(), Config{Kind: SingleThreaded, IdleTimeout: idle})
	first := newClient(t)
	first.get(t, "GET", s.URL()+"/healthz", "")
	began := time.Now()
	if r, _ := newClient(t).timedGet(t, s.URL()+"/healthz"); r.status != 200 {
		t.Errorf("second client: %d", r.status)
	}
	if took := time.Since(began); took < idle-50*time.Millisecond {
		t.Errorf("the second client was answered after %v; want about the idle timeout %v", took, idle)
	}
}

// TestSelfRequest checks the self-request deadlock: a request that calls
// its own server waits out its timeout on a single-threaded server, and on
// a concurrent one whose only worker it holds, but succeeds on a concurrent
// one with workers to spare.
func TestSelfRequest(t *testing.T) {
	// Deadlocks wait out a short timeout; successes get a long one, which
	// they never wait out, so that a loaded machine does not fail them.
	const short, long = 300 * time.Millisecond, 5 * time.Second
	tests := []struct {
		name      string
		cfg       Config
		timeout   time.Duration
		status    int
		deadlocks uint64
		body      string
	}{
		{"single-threaded", Config{Kind: SingleThreaded}, short, 504, 1, "single-threaded server serves one connection at a time"},
		{"concurrent", Config{}, long, 200, 0, "answered 200"},
		{"concurrent, 1 worker", Config{Workers: 1}, short, 504, 1, "all 1 workers are busy"},
		{"concurrent, 2 workers", Config{Workers: 2}, long, 200, 0, "answered 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := startServer(t, t.Context(), tt.cfg)
			c := newCloseClient(t)
			r, took := c.timedGet(t, s.URL()+"/self?timeout="+tt.timeout.String())
			if r.status != tt.status || !strings.Contains(r.body, tt.body) {
				t.Errorf("GET /self: %d %q; want %d and %q", r.status, r.body, tt.status, tt.body)
			}
			if tt.status == 504 && (took < tt.timeout || !strings.Contains(r.body, "deadlock")) {
				t.Errorf("deadlock answered after %v with %q; want after the timeout %v, explained", took, r.body, tt.timeout)
			}
			if got := s.Stats().SelfDeadlocks; got != tt.deadlocks {
				t.Errorf("self_deadlocks %d; want %d", got, tt.deadlocks)
			}
		})
	}
}

func TestSelfRequestBadTimeout(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{})
	c := newClient(t)
	for _, q := range []string{"timeout=x", "timeout=0s", "timeout=-1s", "timeout=1h"} {
		if r := c.get(t, "GET", s.URL()+"/self?"+q, ""); r.status != 400 || !strings.Contains(r.body, "timeout") {
			t.Errorf("GET /self?%s: %d %q; want 400 naming timeout", q, r.status, r.body)
		}
	}
}

// TestSingleThreadedShutdownWhileHeld checks that Shutdown ends a
// single-threaded server held by an idle keep-alive connection, with
// another client queued behind it and an admin address, leaving no
// goroutine behind.
func TestSingleThreadedShutdownWhileHeld(t *testing.T) {
	s, err := Start(t.Context(), Config{Kind: SingleThreaded, Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", IdleTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	first := newClient(t)
	first.get(t, "GET", s.URL()+"/healthz", "")
	queued := make(chan result, 1)
	second := newClient(t)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		queued <- second.fetch(ctx, "GET", s.URL()+"/healthz", "")
	}()
	waitFor(t, "the queued client to connect", func() bool { return s.Stats().Connections == 1 })
	time.Sleep(50 * time.Millisecond) // let the second client's connection reach the backlog

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if r := recv(t, queued, 10*time.Second, "the queued client's result"); r.err == nil && r.status == 200 {
		t.Logf("the queued client was answered before the shutdown") // allowed: Shutdown may serve it
	}
	first.tr.CloseIdleConnections()
	second.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}
