package lb

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDrainWaitsForInFlight: Drain sends nothing new to the backend and
// returns only when its last request is done; Undrain brings it back.
func TestDrainWaitsForInFlight(t *testing.T) {
	bs := startBackends(t, 2)
	lb := startLB(t, Config{Policy: "least-conn", Backends: configOf(bs)})
	c := newClient(t)
	held := make(chan reply, 1)
	go func() {
		r, _ := do(c, http.MethodGet, lb.URL()+"/hold", "")
		held <- r
	}()
	var busy string
	waitFor(t, 2*time.Second, "the held request", func() bool {
		for _, b := range lb.Stats().Backends {
			if b.InFlight == 1 {
				busy = b.ID
				return true
			}
		}
		return false
	})
	drained := make(chan error, 1)
	go func() { drained <- lb.Drain(context.Background(), busy) }()
	waitFor(t, 2*time.Second, "draining", func() bool { return backendStats(t, lb.Pool, busy).Draining })
	if got := count(c, lb.URL(), 20, 2); got[busy] != 0 || got["error"] != 0 {
		t.Errorf("while %s drains: %v, want all on the other", busy, got)
	}
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	for _, b := range bs {
		b.release()
	}
	if r := <-held; r.status != http.StatusOK || r.backend != busy {
		t.Errorf("the held request: %+v, want 200 from %s", r, busy)
	}
	if err := <-drained; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if st := backendStats(t, lb.Pool, busy); st.InFlight != 0 || st.Available {
		t.Errorf("drained backend: %+v", st)
	}
	if err := lb.Undrain(busy); err != nil {
		t.Fatal(err)
	}
	if got := count(c, lb.URL(), 20, 1); got[busy] == 0 {
		t.Errorf("after Undrain: %v, want some on %s", got, busy)
	}
}

func TestDrainStopsAtContext(t *testing.T) {
	bs := startBackends(t, 1)
	lb := startLB(t, Config{Backends: configOf(bs)})
	c := newClient(t)
	go func() { _, _ = do(c, http.MethodGet, lb.URL()+"/hold", "") }()
	waitFor(t, 2*time.Second, "the held request", func() bool { return lb.Stats().Backends[0].InFlight == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := lb.Drain(ctx, "b1")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 still in flight") {
		t.Errorf("Drain = %v, want a deadline error naming the request in flight", err)
	}
	bs[0].release()
}

func TestUnknownBackend(t *testing.T) {
	lb := startLB(t, Config{Backends: configOf(startBackends(t, 1))})
	for name, err := range map[string]error{
		"Drain":          lb.Drain(context.Background(), "nope"),
		"Undrain":        lb.Undrain("nope"),
		"RemoveBackend":  lb.RemoveBackend("nope"),
		"ReplaceBackend": lb.ReplaceBackend(context.Background(), "nope", Backend{URL: "http://127.0.0.1:1"}),
	} {
		if !errors.Is(err, ErrUnknownBackend) {
			t.Errorf("%s(nope) = %v, want ErrUnknownBackend", name, err)
		}
	}
	if err := lb.AddBackend(Backend{ID: "b1", URL: "http://127.0.0.1:1"}); err == nil {
		t.Error("AddBackend accepted a duplicate ID")
	}
	if err := lb.AddBackend(Backend{URL: "ftp://x"}); err == nil {
		t.Error("AddBackend accepted a bad URL")
	}
}

// load sends requests from conc goroutines until stop is closed, a third
// of them POSTs with a body (never retried), and records every failure.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
	wg         sync.WaitGroup
}

func startLoad(c *http.Client, url string, conc int, stop <-chan struct{}) *load {
	l := &load{}
	for g := range conc {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				method, body := http.MethodGet, ""
				if (i+g)%3 == 0 {
					method, body = http.MethodPost, "payload-"+itoa(i)
				}
				r, err := do(c, method, url, body)
				if err == nil && r.status == http.StatusOK && (body == "" || r.body == body) {
					l.ok.Add(1)
					continue
				}
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.errs) < 10 {
					l.errs = append(l.errs, method+": "+itoa(r.status)+" "+r.body+" "+errString(err))
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRollingRestartUnderLoad: every backend is restarted in turn while
// requests flow without pause, and not one fails.
func TestRollingRestartUnderLoad(t *testing.T) {
	bs := startBackends(t, 3)
	byID := map[string]*testBackend{}
	for _, b := range bs {
		byID[b.id] = b
	}
	lb := startLB(t, Config{
		Backends: configOf(bs),
		Health:   HealthCheck{Interval: 50 * time.Millisecond, Path: "/healthz"},
	})
	stop := make(chan struct{})
	l := startLoad(newClient(t), lb.URL(), 4, stop)
	time.Sleep(100 * time.Millisecond) // under way before the first drain
	restarted := map[string]int64{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := lb.RollingRestart(ctx, func(ctx context.Context, id string) error {
		b := byID[id]
		if err := b.stop(ctx); err != nil {
			return err
		}
		restarted[id] = b.hits.Load()
		time.Sleep(20 * time.Millisecond) // down for a while, as a real restart
		b.listen()
		return nil
	})
	time.Sleep(100 * time.Millisecond) // and on a while after the last
	close(stop)
	l.wg.Wait()
	if err != nil {
		t.Fatalf("RollingRestart: %v", err)
	}
	if n := l.failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during the rolling restart: %v", n, n+l.ok.Load(), l.errs)
	}
	if l.ok.Load() < 100 {
		t.Errorf("only %d requests succeeded: the load did not run", l.ok.Load())
	}
	for _, b := range bs {
		if restarted[b.id] == 0 || b.hits.Load() <= restarted[b.id] {
			t.Errorf("%s: %d hits at its restart, %d at the end: want traffic before and after",
				b.id, restarted[b.id], b.hits.Load())
		}
	}
	for _, st := range lb.Stats().Backends {
		if !st.Available || st.Errors != 0 {
			t.Errorf("after the rolling restart: %+v", st)
		}
	}
}

// TestReplaceBackendUnderLoad swaps one backend for another without a
// failed request.
func TestReplaceBackendUnderLoad(t *testing.T) {
	bs := startBackends(t, 3)
	lb := startLB(t, Config{Policy: "p2c", Backends: configOf(bs[:2])})
	stop := make(chan struct{})
	l := startLoad(newClient(t), lb.URL(), 4, stop)
	time.Sleep(50 * time.Millisecond)
	err := lb.ReplaceBackend(context.Background(), "b1", bs[2].backend())
	time.Sleep(50 * time.Millisecond)
	close(stop)
	l.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n := l.failed.Load(); n != 0 {
		t.Errorf("%d requests failed: %v", n, l.errs)
	}
	var ids []string
	for _, st := range lb.Stats().Backends {
		ids = append(ids, st.ID)
	}
	if strings.Join(ids, ",") != "b2,b3" {
		t.Errorf("backends after replace: %v", ids)
	}
	if bs[2].hits.Load() == 0 {
		t.Error("the new backend got no traffic")
	}
}

func TestRollingRestartRefusesLastBackend(t *testing.T) {
	lb := startLB(t, Config{Backends: configOf(startBackends(t, 1))})
	err := lb.RollingRestart(context.Background(), func(context.Context, string) error {
		t.Error("restart called with no other backend to take the traffic")
		return nil
	})
	if !errors.Is(err, ErrLastBackend) {
		t.Errorf("RollingRestart = %v, want ErrLastBackend", err)
	}
	if st := lb.Stats().Backends[0]; st.Draining {
		t.Error("the only backend was left draining")
	}
}
