package backend

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestWorkersLimit checks the instance size: with K workers, 6 concurrent
// requests of 100 ms take at least ceil(6/K) rounds, with at most K in
// service at once and the rest waiting.
func TestWorkersLimit(t *testing.T) {
	const n, d = 6, 100 * time.Millisecond
	for _, k := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("K=%d", k), func(t *testing.T) {
			s, _ := startServer(t, t.Context(), Config{Workers: k, Default: WorkSpec{Sleep: d}.Model()})
			c := newClient(t)
			began := time.Now()
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if r := c.fetch(ctx, "GET", s.URL()+"/work", ""); r.err != nil || r.status != 200 {
						t.Errorf("GET /work: %d, %v", r.status, r.err)
					}
				})
			}
			wg.Wait()
			took := time.Since(began)
			rounds := (n + k - 1) / k
			if want := time.Duration(rounds)*d - 20*time.Millisecond; took < want {
				t.Errorf("%d requests of %v on %d workers took %v; want at least %v", n, d, k, took, want)
			}
			st := s.Stats()
			if st.Workers != k || st.MaxInService < 1 || st.MaxInService > k {
				t.Errorf("workers %d, max in service %d; want %d and 1 to %d", st.Workers, st.MaxInService, k, k)
			}
			if st.Queue.Wait.Count != n || st.ServiceTime.Count != n {
				t.Errorf("queue wait recorded %d times, service time %d; want %d", st.Queue.Wait.Count, st.ServiceTime.Count, n)
			}
			// The last to start waited for all rounds but its own, less the
			// spread of arrivals: allow 75 ms of spread per round.
			if want := float64(rounds-1) * 25; st.Queue.Wait.MaxMS < want {
				t.Errorf("longest queue wait %.1f ms; want at least %.0f ms", st.Queue.Wait.MaxMS, want)
			}
			if st.ServiceTime.P50MS < 100 {
				t.Errorf("median service time %.1f ms; want at least 100", st.ServiceTime.P50MS)
			}
			if st.Queue.Waiting != 0 || st.InService != 0 || st.InFlight != 0 {
				t.Errorf("after the requests: waiting %d, in service %d, in flight %d; want 0", st.Queue.Waiting, st.InService, st.InFlight)
			}
		})
	}
}

// TestSetWorkersScalesUp checks that raising K starts the queued requests
// at once.
func TestSetWorkersScalesUp(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{Workers: 1, Default: WorkSpec{Sleep: time.Second}.Model()})
	c := newClient(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if r := c.fetch(ctx, "GET", s.URL()+"/work", ""); r.err != nil || r.status != 200 {
				t.Errorf("GET /work: %d, %v", r.status, r.err)
			}
		})
	}
	waitFor(t, "3 requests queued", func() bool { return s.Stats().Queue.Waiting == 3 })
	if err := s.SetWorkers(4); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.InService != 4 || st.Queue.Waiting != 0 || st.Workers != 4 {
		t.Errorf("after SetWorkers(4): in service %d, waiting %d, workers %d; want 4, 0, 4", st.InService, st.Queue.Waiting, st.Workers)
	}
	wg.Wait()
	if err := s.SetWorkers(-1); err == nil {
		t.Errorf("SetWorkers(-1) succeeded")
	}
}

// TestPoolFIFO checks that waiters get workers in the order they came.
func TestPoolFIFO(t *testing.T) {
	p := newPool(1)
	ctx := context.Background()
	if err := p.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 8
	order := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := p.acquire(ctx); err != nil {
				t.Error(err)
				return
			}
			order <- i
			p.release()
		})
		waitFor(t, "waiter queued", func() bool { return p.stats().waiting == i+1 })
	}
	p.release()
	wg.Wait()
	close(order)
	want := 0
	for got := range order {
		if got != want {
			t.Errorf("waiter %d got a worker in turn %d", got, want)
		}
		want++
	}
	if st := p.stats(); st.busy != 0 || st.waiting != 0 || st.maxBusy != 1 || st.maxWaiting != n {
		t.Errorf("stats %+v; want busy 0, waiting 0, max busy 1, max waiting %d", st, n)
	}
}

// TestPoolCancel checks that a waiter whose context ends leaves the queue,
// also when it is granted a worker as it gives up: the worker then goes on
// to the next waiter, never lost.
func TestPoolCancel(t *testing.T) {
	p := newPool(1)
	if err := p.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.acquire(ctx) }()
	waitFor(t, "waiter queued", func() bool { return p.stats().waiting == 1 })
	cancel()
	if err := recv(t, done, 5*time.Second, "acquire's return"); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire with a cancelled context: %v", err)
	}
	if st := p.stats(); st.waiting != 0 || st.busy != 1 {
		t.Errorf("stats %+v; want the waiter gone", st)
	}
	p.release()

	// Race cancellations with releases; the worker count must end at 0.
	for range 200 {
		if err := p.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { done <- p.acquire(ctx) }()
		waitFor(t, "waiter queued", func() bool { return p.stats().waiting == 1 })
		go cancel()
		p.release()
		if err := <-done; err == nil {
			p.release()
		}
		cancel()
		if st := p.stats(); st.busy != 0 || st.waiting != 0 {
			t.Fatalf("stats %+v after a cancel raced a release; want busy 0, waiting 0", st)
		}
	}
}

func TestPoolResizeToUnlimited(t *testing.T) {
	p := newPool(1)
	ctx := context.Background()
	_ = p.acquire(ctx)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { _ = p.acquire(ctx) })
	}
	waitFor(t, "3 waiters", func() bool { return p.stats().waiting == 3 })
	p.resize(0)
	wg.Wait()
	if st := p.stats(); st.busy != 4 || st.waiting != 0 {
		t.Errorf("stats %+v after resize(0); want all 4 busy", st)
	}
}
