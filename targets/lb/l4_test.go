package lb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func startTCPBackends(t testing.TB, n int) ([]*tcpBackend, []Backend) {
	t.Helper()
	bs := make([]*tcpBackend, n)
	cfg := make([]Backend, n)
	for i := range bs {
		bs[i] = startTCPBackend(t, "t"+itoa(i+1))
		cfg[i] = Backend{ID: bs[i].id, URL: bs[i].addr()} // bare host:port
	}
	return bs, cfg
}

func TestL4ProxiesBytesExactly(t *testing.T) {
	_, cfg := startTCPBackends(t, 2)
	lb := startLB(t, Config{Mode: ModeL4, Backends: cfg})
	payload := make([]byte, 1<<20)
	_, _ = rand.Read(payload)
	for range 2 { // both backends
		c, id := dialGreeting(t, lb.Addr())
		errc := make(chan error, 1)
		go func() {
			_, err := c.Write(payload)
			if err == nil {
				err = c.(*net.TCPConn).CloseWrite()
			}
			errc <- err
		}()
		got, err := io.ReadAll(c)
		c.Close()
		if err != nil || <-errc != nil {
			t.Fatalf("via %s: read %v", id, err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("via %s: %d bytes back, differing from the %d sent", id, len(got), len(payload))
		}
		greeting := uint64(len(id) + 1)
		waitFor(t, 2*time.Second, "byte counts", func() bool {
			st := backendStats(t, lb.Pool, id)
			return st.InFlight == 0 && st.BytesIn == uint64(len(payload)) && st.BytesOut == greeting+uint64(len(payload))
		})
	}
	if s := lb.Stats(); s.Mode != ModeL4 || s.Requests != 2 {
		t.Errorf("stats: mode %q, %d connections; want l4, 2", s.Mode, s.Requests)
	}
}

func TestL4Policies(t *testing.T) {
	t.Run("round-robin", func(t *testing.T) {
		_, cfg := startTCPBackends(t, 3)
		lb := startLB(t, Config{Mode: ModeL4, Backends: cfg})
		got := map[string]int{}
		for range 30 {
			c, id := dialGreeting(t, lb.Addr())
			c.Close()
			got[id]++
		}
		for _, b := range cfg {
			if got[b.ID] != 10 {
				t.Errorf("connections %v, want 10 each", got)
			}
		}
	})
	t.Run("weighted", func(t *testing.T) {
		_, cfg := startTCPBackends(t, 2)
		cfg[1].Weight = 3
		lb := startLB(t, Config{Mode: ModeL4, Policy: PolicyWeighted, Backends: cfg})
		got := map[string]int{}
		for range 40 {
			c, id := dialGreeting(t, lb.Addr())
			c.Close()
			got[id]++
		}
		if got["t1"] != 10 || got["t2"] != 30 {
			t.Errorf("connections %v, want 10 and 30", got)
		}
	})
	t.Run("least-conn", func(t *testing.T) {
		_, cfg := startTCPBackends(t, 2)
		lb := startLB(t, Config{Mode: ModeL4, Policy: PolicyLeastConn, Backends: cfg})
		held, busy := dialGreeting(t, lb.Addr())
		defer held.Close()
		for range 10 {
			c, id := dialGreeting(t, lb.Addr())
			c.Close()
			if id == busy {
				t.Fatalf("a new connection went to %s, which holds one open", busy)
			}
			waitFor(t, 2*time.Second, "the connection to end", func() bool {
				return backendStats(t, lb.Pool, id).InFlight == 0
			})
		}
	})
	t.Run("ip-hash", func(t *testing.T) {
		_, cfg := startTCPBackends(t, 4)
		lb := startLB(t, Config{Mode: ModeL4, Policy: PolicyIPHash, Backends: cfg})
		got := map[string]int{}
		for range 10 {
			c, id := dialGreeting(t, lb.Addr())
			c.Close()
			got[id]++
		}
		if len(got) != 1 {
			t.Errorf("one client IP spread over %v", got)
		}
	})
}

// TestL4Health: a TCP connect check takes a closed backend out; a
// connection that meets a dead backend before that goes to another.
func TestL4Health(t *testing.T) {
	bs, cfg := startTCPBackends(t, 2)
	lb := startLB(t, Config{Mode: ModeL4, Backends: cfg, Health: HealthCheck{Interval: 20 * time.Millisecond, Unhealthy: 1}})
	bs[0].close()
	for range 4 { // before or after the check notices, every connection lands
		c, id := dialGreeting(t, lb.Addr())
		c.Close()
		if id != "t2" {
			t.Fatalf("connection greeted by %s", id)
		}
	}
	waitFor(t, 2*time.Second, "ejection", func() bool { return !backendStats(t, lb.Pool, "t1").Healthy })
	bs[1].close()
	waitFor(t, 2*time.Second, "all out", func() bool { return len(*lb.avail.Load()) == 0 })
	c, err := net.Dial("tcp", lb.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("with no backend: read %d, %v; want the connection closed", n, err)
	}
}

// TestL4HTTPBackendsAndStatsAddr: L4 carries HTTP untouched, and serves
// its stats on StatsAddr.
func TestL4HTTPBackendsAndStatsAddr(t *testing.T) {
	bs := startBackends(t, 2)
	lb := startLB(t, Config{Mode: ModeL4, Backends: configOf(bs), StatsAddr: "127.0.0.1:0",
		Health: HealthCheck{Interval: time.Second, Path: "/healthz"}})
	c := newClient(t)
	got := map[string]int{}
	for range 4 {
		r := get(t, c, lb.URL())
		if r.header.Get("X-Seen-XFF") != "" {
			t.Error("L4 added X-Forwarded-For: it must not parse HTTP")
		}
		got[r.backend]++
		c.CloseIdleConnections() // one request per connection, so round robin shows
	}
	if got["b1"] != 2 || got["b2"] != 2 {
		t.Errorf("requests %v, want 2 each", got)
	}
	var s Stats
	r := get(t, c, lb.StatsURL())
	if err := json.Unmarshal([]byte(r.body), &s); err != nil {
		t.Fatal(err)
	}
	if s.Mode != ModeL4 || len(s.Backends) != 2 || s.Backends[0].BytesOut == 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestL4DrainAndShutdown(t *testing.T) {
	_, cfg := startTCPBackends(t, 2)
	b, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Mode: ModeL4, Policy: PolicyLeastConn, Backends: cfg})
	if err != nil {
		t.Fatal(err)
	}
	held, busy := dialGreeting(t, b.Addr())
	drained := make(chan error, 1)
	go func() { drained <- b.Drain(context.Background(), busy) }()
	waitFor(t, 2*time.Second, "draining", func() bool { return backendStats(t, b.Pool, busy).Draining })
	c, id := dialGreeting(t, b.Addr())
	if id == busy {
		t.Errorf("new connection placed on draining %s", busy)
	}
	held.Close()
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	// c stays open: Shutdown waits for it until its deadline, then cuts it.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want a deadline error", err)
	}
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Errorf("cut-off connection: %v, want EOF", err)
	}
	c.Close()
	if _, err := net.Dial("tcp", b.Addr()); err == nil {
		t.Error("balancer still accepts after Shutdown")
	}
}
