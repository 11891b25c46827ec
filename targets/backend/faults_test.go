package backend

import (
	"context"
	"errors"
	"math"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// refused reports whether a connection to addr is refused.
func refused(t *testing.T, addr string) bool {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		conn.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func TestKillAndRestart(t *testing.T) {
	for _, kind := range []Kind{Concurrent, SingleThreaded} {
		t.Run(string(kind), func(t *testing.T) {
			s, w := startServer(t, t.Context(), Config{Kind: kind})
			c := newClient(t)
			c.get(t, "GET", s.URL()+"/healthz", "")
			c.tr.CloseIdleConnections() // free a single-threaded server for the request below

			inFlight := make(chan result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				inFlight <- c.fetch(ctx, "GET", s.URL()+"/work?sleep=30s", "")
			}()
			waitFor(t, "the request in service", func() bool {
				select {
				case uri := <-w.entered:
					return uri == "/work?sleep=30s"
				default:
					return false
				}
			})

			addr := s.Addr()
			s.Kill()
			s.Kill() // no-op
			if !refused(t, addr) {
				t.Errorf("a connection to a killed server was not refused")
			}
			if r := recv(t, inFlight, 5*time.Second, "the killed request's result"); r.err == nil {
				t.Errorf("a request in flight when the server was killed got %d", r.status)
			}
			if !s.Stats().Faults.Killed {
				t.Errorf("Stats().Faults.Killed is false after Kill")
			}

			if err := s.Restart(); err != nil {
				t.Fatal(err)
			}
			if err := s.Restart(); err != nil {
				t.Errorf("Restart of a running server: %v", err)
			}
			if s.Addr() != addr {
				t.Errorf("address %s after Restart; want %s", s.Addr(), addr)
			}
			if r := c.get(t, "GET", s.URL()+"/healthz", ""); r.status != 200 {
				t.Errorf("GET /healthz after Restart: %d", r.status)
			}
			if s.Stats().Faults.Killed {
				t.Errorf("Stats().Faults.Killed is true after Restart")
			}
			c.tr.CloseIdleConnections()
		})
	}
}

func TestHang(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{})
	c := newClient(t)
	s.Hang(true)

	// A client with a deadline gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	if r := c.fetch(ctx, "GET", s.URL()+"/healthz", ""); !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("GET /healthz on a hung server: %d, %v; want the client's timeout", r.status, r.err)
	}
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Errorf("hung request ended after %v", took)
	}

	// A patient client is answered once the hang ends; meanwhile the
	// admin endpoints answer.
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- c.fetch(ctx, "GET", s.URL()+"/work", "")
	}()
	waitFor(t, "a hung request in flight", func() bool { return s.Stats().InFlight == 1 })
	if st := s.Stats(); !st.Faults.Hung || st.InService != 0 {
		t.Errorf("stats while hung: %+v; want hung, nothing in service", st.Faults)
	}
	select {
	case r := <-done:
		t.Fatalf("a hung server answered %d, %v", r.status, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	s.Hang(false)
	if r := recv(t, done, 5*time.Second, "answer after the hang"); r.err != nil || r.status != 200 {
		t.Errorf("request after the hang ended: %d, %v", r.status, r.err)
	}
}

func TestSlow(t *testing.T) {
	const extra = 150 * time.Millisecond
	s, _ := startServer(t, t.Context(), Config{Default: WorkSpec{Sleep: 50 * time.Millisecond}.Model()})
	c := newClient(t)
	if err := s.Slow(extra); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		min  time.Duration
	}{{"/work", 50*time.Millisecond + extra}, {"/work?sleep=0", extra}, {"/healthz", extra}, {"/", extra}} {
		if r, took := c.timedGet(t, s.URL()+tt.path); r.status != 200 || took < tt.min {
			t.Errorf("GET %s while slow by %v: %d after %v; want 200 after at least %v", tt.path, extra, r.status, took, tt.min)
		}
	}
	if got := s.Stats().Faults.SlowMS; got != 150 {
		t.Errorf("Faults.SlowMS %v; want 150", got)
	}
	for _, bad := range []time.Duration{-1, MaxSleep + 1} {
		if err := s.Slow(bad); err == nil {
			t.Errorf("Slow(%v) succeeded", bad)
		}
	}
}

func TestSetErrorRate(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{})
	c := newClient(t)
	if err := s.SetErrorRate(1); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/work", "/healthz", "/"} {
		if r := c.get(t, "GET", s.URL()+path, ""); r.status != 503 {
			t.Errorf("GET %s at error rate 1: %d", path, r.status)
		}
	}
	if st := s.Stats(); st.ErrorsInjected != 3 || st.Faults.ErrorRate != 1 {
		t.Errorf("errors_injected %d, error rate %v; want 3, 1", st.ErrorsInjected, st.Faults.ErrorRate)
	}
	if err := s.SetErrorRate(0); err != nil {
		t.Fatal(err)
	}
	if r := c.get(t, "GET", s.URL()+"/work", ""); r.status != 200 {
		t.Errorf("GET /work at error rate 0: %d", r.status)
	}
	for _, bad := range []float64{-0.1, 1.1, math.NaN(), math.Inf(1)} {
		if err := s.SetErrorRate(bad); err == nil {
			t.Errorf("SetErrorRate(%v) succeeded", bad)
		}
	}
}

// TestShutdownWhileKilled checks that a killed server shuts down at once
// and leaves no goroutine behind, and that Restart then fails.
func TestShutdownWhileKilled(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	s.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := s.Restart(); err == nil {
		t.Errorf("Restart after Shutdown succeeded")
	}
	goleak.VerifyNone(t)
}

// TestShutdownWhileHung checks that requests hung at Shutdown are cut off
// when its context ends, and no goroutine is left behind.
func TestShutdownWhileHung(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	s.Hang(true)
	c := newClient(t)
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- c.fetch(ctx, "GET", s.URL()+"/healthz", "")
	}()
	waitFor(t, "a hung request", func() bool { return s.Stats().InFlight == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown of a hung server: %v; want it cut short", err)
	}
	if r := recv(t, done, 5*time.Second, "the hung request's result"); r.err == nil && r.status == 200 {
		t.Errorf("the hung request got 200")
	}
	c.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}
