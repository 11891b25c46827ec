package lb

import (
	"math"
	"net/http"
	"sync"
	"testing"
	"time"
)

// startBackends starts n test backends b1..bn.
func startBackends(t testing.TB, n int) []*testBackend {
	t.Helper()
	bs := make([]*testBackend, n)
	for i := range bs {
		bs[i] = startBackend(t, "b"+itoa(i+1))
	}
	return bs
}

// configOf lists test backends, with weights if given.
func configOf(bs []*testBackend, weights ...int) []Backend {
	out := make([]Backend, len(bs))
	for i, b := range bs {
		out[i] = b.backend()
		if i < len(weights) {
			out[i].Weight = weights[i]
		}
	}
	return out
}

// TestPolicyShares sends real requests through the balancer and checks
// each policy's distribution across backends.
func TestPolicyShares(t *testing.T) {
	tests := []struct {
		policy  string
		weights []int
		n, conc int
		// want is each backend's expected share; tol the allowed absolute
		// error on it (0 means exact).
		want []float64
		tol  float64
	}{
		{policy: "round-robin", n: 400, conc: 1, want: []float64{.25, .25, .25, .25}, tol: 0},
		{policy: "weighted", weights: []int{1, 2, 3, 4}, n: 10000, conc: 8, want: []float64{.1, .2, .3, .4}, tol: .02},
		{policy: "random", n: 2000, conc: 8, want: []float64{.25, .25, .25, .25}, tol: .06},
		{policy: "p2c", n: 2000, conc: 8, want: []float64{.25, .25, .25, .25}, tol: .06},
		{policy: "least-conn", n: 2000, conc: 8, want: []float64{.25, .25, .25, .25}, tol: .08},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			bs := startBackends(t, len(tt.want))
			lb := startLB(t, Config{Policy: tt.policy, Backends: configOf(bs, tt.weights...)})
			got := count(newClient(t), lb.URL(), tt.n, tt.conc)
			if got["error"] > 0 {
				t.Fatalf("%d requests failed", got["error"])
			}
			for i, b := range bs {
				share := float64(got[b.id]) / float64(tt.n)
				if math.Abs(share-tt.want[i]) > tt.tol {
					t.Errorf("%s got %d of %d (%.3f), want %.3f ± %.3f", b.id, got[b.id], tt.n, share, tt.want[i], tt.tol)
				}
			}
			if s := lb.Stats(); s.Requests != uint64(tt.n) || s.Retries != 0 || s.NoBackend != 0 {
				t.Errorf("stats: %d requests, %d retries, %d no-backend; want %d, 0, 0", s.Requests, s.Retries, s.NoBackend, tt.n)
			}
		})
	}
}

// TestIPHashThroughProxy: clients told apart by X-Client-IP stick to their
// backend, and a 5th backend takes about a fifth of them, all from the
// others.
func TestIPHashThroughProxy(t *testing.T) {
	const clients = 1000
	bs := startBackends(t, 5)
	lb := startLB(t, Config{Policy: "ip-hash", ClientIPHeader: "X-Client-IP", Backends: configOf(bs[:4])})
	c := newClient(t)
	ip := func(i int) string { return "10.1." + itoa(i/256) + "." + itoa(i%256) }
	assign := func() []string {
		out := make([]string, clients)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < clients; i += 8 {
					out[i] = get(t, c, lb.URL(), "X-Client-IP", ip(i)).backend
				}
			})
		}
		wg.Wait()
		return out
	}
	before := assign()
	for i := 0; i < clients; i += 50 { // sticky
		if got := get(t, c, lb.URL(), "X-Client-IP", ip(i)).backend; got != before[i] {
			t.Fatalf("client %d went to %s, then %s", i, before[i], got)
		}
	}
	if err := lb.AddBackend(bs[4].backend()); err != nil {
		t.Fatal(err)
	}
	after := assign()
	moved := 0
	for i := range before {
		if before[i] != after[i] {
			moved++
			if after[i] != "b5" {
				t.Errorf("client %d moved from %s to %s, not to the new backend", i, before[i], after[i])
			}
		}
	}
	if f := float64(moved) / clients; f > 0.25 || f < 0.15 {
		t.Errorf("adding a 5th backend moved %.3f of %d clients, want about 1/5", f, clients)
	}
	// Without the header, the TCP peer (127.0.0.1) is the client: one backend.
	got := count(c, lb.URL(), 20, 2)
	if len(got) != 1 {
		t.Errorf("one TCP peer spread over %v", got)
	}
}

// TestLeastConnAvoidsBusyBackend: a backend holding a slow request gets no
// new ones while the other is idle.
func TestLeastConnAvoidsBusyBackend(t *testing.T) {
	bs := startBackends(t, 2)
	lb := startLB(t, Config{Policy: "least-conn", Backends: configOf(bs)})
	c := newClient(t)
	held := make(chan reply, 1)
	go func() {
		r, _ := do(c, http.MethodGet, lb.URL()+"/hold", "")
		held <- r
	}()
	var busy string
	waitFor(t, 2*time.Second, "the held request to reach a backend", func() bool {
		for _, b := range lb.Stats().Backends {
			if b.InFlight == 1 {
				busy = b.ID
				return true
			}
		}
		return false
	})
	got := count(c, lb.URL(), 50, 1)
	if got[busy] != 0 || got["error"] != 0 {
		t.Errorf("with %s busy: %v, want every request on the other", busy, got)
	}
	for _, b := range bs {
		b.release()
	}
	if r := <-held; r.body != "released" || r.backend != busy {
		t.Errorf("held request: %+v", r)
	}
}

// TestLeastTimePrefersFastBackend: with one backend 20 ms slower, most
// traffic goes to the fast one.
func TestLeastTimePrefersFastBackend(t *testing.T) {
	bs := startBackends(t, 2)
	bs[0].delay.Store(int64(20 * time.Millisecond))
	lb := startLB(t, Config{Policy: "least-time", Backends: configOf(bs)})
	c := newClient(t)
	got := count(c, lb.URL(), 200, 4)
	if got["error"] > 0 {
		t.Fatalf("%d requests failed", got["error"])
	}
	if f := float64(got["b2"]) / 200; f < 0.8 {
		t.Errorf("fast backend got %.2f of requests (%v), want at least 0.8", f, got)
	}
	if l1, l2 := backendStats(t, lb.Pool, "b1").Latency, backendStats(t, lb.Pool, "b2").Latency; l1.P50 < 20*time.Millisecond || l2.P50 > 10*time.Millisecond {
		t.Errorf("median latency: slow %v, fast %v", l1.P50, l2.P50)
	}
}
