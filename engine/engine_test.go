package engine

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClient answers after a service time chosen per request, on whatever
// clock the test runs (synctest's fake one).
type fakeClient struct {
	service   func(sent time.Time) time.Duration
	stop      chan struct{}
	once      sync.Once
	inFlight  atomic.Int64
	maxFlight atomic.Int64
}

func newFake(service func(time.Time) time.Duration) *fakeClient {
	return &fakeClient{service: service, stop: make(chan struct{})}
}

func (f *fakeClient) Do(_ int, s *metrics.Sample) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.maxFlight.Load(); n > m && !f.maxFlight.CompareAndSwap(m, n); m = f.maxFlight.Load() {
	}
	s.Sent = time.Now()
	t := time.NewTimer(f.service(s.Sent))
	defer t.Stop()
	select {
	case <-t.C:
		s.Status = 200
		s.FirstByte = time.Now()
	case <-f.stop:
		s.Err = metrics.ErrInterrupted
	}
	s.Done = time.Now()
}

func (f *fakeClient) Interrupt()   { f.once.Do(func() { close(f.stop) }) }
func (f *fakeClient) Close() error { f.Interrupt(); return nil }

func constant(d time.Duration) func(time.Time) time.Duration {
	return func(time.Time) time.Duration { return d }
}

func runFake(t *testing.T, p *scenarios.Plan, c Client) *Result {
	t.Helper()
	res, err := Run(context.Background(), p, c, Options{CoarseTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOpenModelPacing checks, on a fake clock, that the open-model
// executors start exactly the scheduled number of requests per interval.
func TestOpenModelPacing(t *testing.T) {
	tests := []struct {
		name     string
		load     scenarios.Load
		perSec   []float64 // expected requests per 1 s interval
		total    uint64
		maxDelta float64
	}{
		{
			name:   "constant 1000/s",
			load:   scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 1000, Duration: 5 * time.Second, VUs: 5, MaxVUs: 50},
			perSec: []float64{1000, 1000, 1000, 1000, 1000},
			total:  5000,
		},
		{
			name: "ramp 0 to 1000/s over 4s",
			load: scenarios.Load{Executor: scenarios.RampingArrivalRate, VUs: 5, MaxVUs: 50,
				Stages: []scenarios.Stage{{Duration: 4 * time.Second, Target: 1000}}},
			// ∫ of a line through 0: 125, 375, 625, 875.
			perSec: []float64{125, 375, 625, 875},
			total:  2000,
		},
		{
			name: "stages up, hold, down",
			load: scenarios.Load{Executor: scenarios.RampingArrivalRate, Rate: 100, VUs: 5, MaxVUs: 50,
				Stages: []scenarios.Stage{{Duration: 1 * time.Second, Target: 300}, {Duration: 2 * time.Second, Target: 300}, {Duration: 1 * time.Second, Target: 0}}},
			perSec: []float64{200, 300, 300, 150},
			total:  950,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tc.load.Grace = time.Second
				tc.load.MaxBacklog = time.Second
				p := plan("http://fake/", tc.load)
				res := runFake(t, p, newFake(constant(time.Millisecond)))
				tot := res.Total
				if tot.Requests != tc.total || tot.Dropped != 0 {
					t.Fatalf("requests %d dropped %d, want %d and 0", tot.Requests, tot.Dropped, tc.total)
				}
				for i, want := range tc.perSec {
					got := float64(res.Intervals[i].Requests)
					if math.Abs(got-want) > 1 {
						t.Errorf("interval %d: %v requests, want %v±1", i, got, want)
					}
				}
				// With free VUs on an exact clock nothing waits: latency is
				// the service time, and the generator never lags.
				if max := tot.Hists[metrics.Latency].Max(); max > 1001 {
					t.Errorf("latency max %dµs, want 1ms", max)
				}
				if lag := tot.Hists[metrics.Lag].Max(); lag != 0 {
					t.Errorf("scheduler lag max %dµs on a fake clock", lag)
				}
			})
		})
	}
}

// TestClosedModelPacing checks that closed-model VUs send back to back and
// follow a VU ramp.
func TestClosedModelPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 5, Duration: 2 * time.Second})
		f := newFake(constant(10 * time.Millisecond))
		res := runFake(t, p, f)
		// 5 VUs × 2 s / 10 ms.
		if n := res.Total.Requests; n < 1000 || n > 1005 { // VUs finishing right at the deadline may start one more
			t.Fatalf("requests = %d, want 1000", res.Total.Requests)
		}
		if f.maxFlight.Load() != 5 {
			t.Fatalf("max in flight %d, want 5", f.maxFlight.Load())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.RampingVUs, VUs: 0, MaxVUs: 10,
			Stages: []scenarios.Stage{{Duration: time.Second, Target: 10}, {Duration: time.Second, Target: 10}}})
		f := newFake(constant(10 * time.Millisecond))
		var active []int
		res, err := Run(context.Background(), p, f, Options{CoarseTimers: true, OnInterval: func(s *Snapshot) { active = append(active, s.ActiveVUs) }})
		if err != nil {
			t.Fatal(err)
		}
		// Ramp 0→10 over 1 s averages 5 VUs (≈500 requests), then 10 VUs (1000).
		if got := res.Intervals[0].Requests; got < 430 || got > 570 {
			t.Errorf("ramp second: %d requests, want about 500", got)
		}
		if got := res.Intervals[1].Requests; got < 990 || got > 1010 {
			t.Errorf("hold second: %d requests, want 1000", got)
		}
		if len(active) < 2 || active[0] != 10 {
			t.Errorf("active VUs per interval %v, want 10 after the ramp", active)
		}
	})
}

// stall500Every2s is a target that stalls every answer during the first
// 500 ms of every 2 s: a request arriving in a stall ends when it ends.
func stall500Every2s(start time.Time) func(time.Time) time.Duration {
	return func(sent time.Time) time.Duration {
		phase := sent.Sub(start) % (2 * time.Second)
		if phase < 500*time.Millisecond {
			return 500*time.Millisecond - phase + time.Millisecond
		}
		return time.Millisecond
	}
}

// TestCoordinatedOmission runs the same stalling target in the open and
// the closed model. The open model's p99 must show the stall as a user
// arriving at a steady rate sees it (about 480 ms: a quarter of arrivals
// land in a stall and wait 0–500 ms); the closed model, whose few VUs
// simply stop sending during a stall, reports a p99 near the stall-free
// latency: the omission wrk2 describes.
func TestCoordinatedOmission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 200, Duration: 8 * time.Second,
			VUs: 4, MaxVUs: 200, MaxBacklog: 10 * time.Second})
		res := runFake(t, p, newFake(stall500Every2s(time.Now())))
		lat := res.Total.Hists[metrics.Latency]
		p99, p90, p50 := lat.ValueAtQuantile(99), lat.ValueAtQuantile(90), lat.ValueAtQuantile(50)
		t.Logf("open: p50 %dµs p90 %dµs p99 %dµs dropped %d", p50, p90, p99, res.Total.Dropped)
		if p99 < 450_000 || p99 > 510_000 {
			t.Errorf("open p99 = %dµs, want ≈480ms", p99)
		}
		if p90 < 270_000 || p90 > 330_000 {
			t.Errorf("open p90 = %dµs, want ≈300ms", p90)
		}
		if p50 > 2000 {
			t.Errorf("open p50 = %dµs, want ≈1ms", p50)
		}
		if res.Total.Requests != 1600 || res.Total.Dropped != 0 {
			t.Errorf("requests %d dropped %d, want 1600 and 0", res.Total.Requests, res.Total.Dropped)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 4, Duration: 8 * time.Second})
		res := runFake(t, p, newFake(stall500Every2s(time.Now())))
		p99 := res.Total.Hists[metrics.Latency].ValueAtQuantile(99)
		t.Logf("closed: p99 %dµs max %dµs requests %d", p99, res.Total.Hists[metrics.Latency].Max(), res.Total.Requests)
		if p99 > 5000 {
			t.Errorf("closed p99 = %dµs: expected the omission to hide the stall", p99)
		}
	})
}

// TestOpenModelDrops checks that arrivals that cannot get a VU within the
// backlog bound are counted as dropped, and that every scheduled arrival
// is either sent or dropped.
func TestOpenModelDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 100, Duration: 2 * time.Second,
			VUs: 1, MaxVUs: 2, MaxBacklog: 50 * time.Millisecond, Grace: time.Second})
		res := runFake(t, p, newFake(constant(100*time.Millisecond)))
		tot := res.Total
		if tot.Dropped == 0 {
			t.Fatal("no arrival dropped with 2 VUs for 10 arrivals per 100 ms")
		}
		if tot.Requests+tot.Dropped+tot.Interrupted != 200 {
			t.Fatalf("requests %d + dropped %d + interrupted %d != 200 scheduled", tot.Requests, tot.Dropped, tot.Interrupted)
		}
		// Two VUs at 100 ms each carry about 20 requests a second.
		if tot.Requests < 35 || tot.Requests > 45 {
			t.Fatalf("requests = %d, want about 40", tot.Requests)
		}
		if res.MaxVUsUsed != 2 {
			t.Fatalf("VUs used %d, want the cap of 2", res.MaxVUsUsed)
		}
	})
}

// TestGracefulStop: requests still in flight at the end get the grace
// period, then are interrupted and counted apart from errors.
func TestGracefulStop(t *testing.T) {
	tests := []struct {
		name        string
		service     time.Duration
		wantDone    uint64
		wantCut     uint64
		wantLasting time.Duration
	}{
		{"finish within grace", 1500 * time.Millisecond, 2, 0, 1500 * time.Millisecond},
		{"cut at grace", 10 * time.Second, 0, 2, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 2, Duration: time.Second, Grace: time.Second})
				start := time.Now()
				res := runFake(t, p, newFake(constant(tc.service)))
				if res.Total.Requests != tc.wantDone || res.Total.Interrupted != tc.wantCut || res.Total.Errors != 0 {
					t.Fatalf("requests %d interrupted %d errors %d", res.Total.Requests, res.Total.Interrupted, res.Total.Errors)
				}
				if took := time.Since(start); took != tc.wantLasting {
					t.Fatalf("run took %v, want %v", took, tc.wantLasting)
				}
			})
		})
	}
}

// TestCancelAndAbort: cancelling the context stops new requests at once;
// Abort cuts off those in flight without waiting for the grace period.
func TestCancelAndAbort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 10, Duration: time.Hour,
			VUs: 1, MaxVUs: 10, Grace: time.Minute, MaxBacklog: time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		abort := make(chan struct{})
		time.AfterFunc(2*time.Second, cancel)
		time.AfterFunc(2*time.Second+100*time.Millisecond, func() { close(abort) })
		start := time.Now()
		res, err := Run(ctx, p, newFake(constant(time.Hour)), Options{CoarseTimers: true, Abort: abort})
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 2200*time.Millisecond {
			t.Fatalf("run took %v after cancel+abort", took)
		}
		if res.Stopped != "interrupted" || res.Total.Interrupted != 10 || res.Total.Dropped != 10 {
			t.Fatalf("stopped %q interrupted %d dropped %d (10 VUs busy, 10 due arrivals without one)", res.Stopped, res.Total.Interrupted, res.Total.Dropped)
		}
	})
}
