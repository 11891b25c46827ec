package lb

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// mkTargets builds targets b0, b1, ... with the given weights, outside any
// pool, for selector unit tests.
func mkTargets(t testing.TB, weights ...int) []*Target {
	t.Helper()
	ts := make([]*Target, len(weights))
	for i, w := range weights {
		tg, err := newTarget(ModeL7, Backend{ID: "b" + itoa(i), URL: "http://127.0.0.1:" + itoa(9000+i), Weight: w})
		if err != nil {
			t.Fatal(err)
		}
		ts[i] = tg
	}
	return ts
}

// picks runs n selections and counts them per target ID.
func picks(s Selector, pool []*Target, n int, r *Request) map[string]int {
	c := map[string]int{}
	for range n {
		c[s.Select(pool, r).id]++
	}
	return c
}

func TestRoundRobinExactShares(t *testing.T) {
	pool := mkTargets(t, 1, 1, 1, 1)
	got := picks(new(RoundRobin), pool, 400, &Request{})
	for _, tg := range pool {
		if got[tg.id] != 100 {
			t.Errorf("%s got %d of 400, want exactly 100", tg.id, got[tg.id])
		}
	}
}

func TestWeightedIsSmooth(t *testing.T) {
	pool := mkTargets(t, 5, 1, 1)
	s := new(Weighted)
	var seq []string
	for range 7 {
		seq = append(seq, s.Select(pool, nil).id)
	}
	// nginx's example: weights 5, 1, 1 give a a b a c a a.
	if got, want := strings.Join(seq, " "), "b0 b0 b1 b0 b2 b0 b0"; got != want {
		t.Errorf("sequence %q, want %q", got, want)
	}
	pool = mkTargets(t, 1, 2, 3, 4)
	got := picks(new(Weighted), pool, 1000, nil)
	for i, tg := range pool {
		if want := 100 * (i + 1); got[tg.id] != want {
			t.Errorf("%s got %d of 1000, want exactly %d", tg.id, got[tg.id], want)
		}
	}
}

func TestRandomShares(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
	}{
		{"uniform", []int{1, 1, 1, 1}},
		{"weighted", []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := mkTargets(t, tt.weights...)
			total := 0
			for _, w := range tt.weights {
				total += w
			}
			const n = 20000
			got := picks(Random{}, pool, n, nil)
			for i, tg := range pool {
				want := float64(n*tt.weights[i]) / float64(total)
				if math.Abs(float64(got[tg.id])-want) > 0.05*n {
					t.Errorf("%s got %d of %d, want about %.0f", tg.id, got[tg.id], n, want)
				}
			}
		})
	}
}

func TestLeastConn(t *testing.T) {
	tests := []struct {
		name     string
		weights  []int
		inFlight []int64
		want     string
	}{
		{"fewest in flight", []int{1, 1, 1}, []int64{3, 1, 2}, "b1"},
		{"per unit of weight", []int{1, 4}, []int64{1, 3}, "b1"},
		{"weight does not excuse a queue", []int{1, 4}, []int64{1, 5}, "b0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := mkTargets(t, tt.weights...)
			for i, n := range tt.inFlight {
				pool[i].inFlight.Store(n)
			}
			got := picks(new(LeastConn), pool, 50, nil)
			if got[tt.want] != 50 {
				t.Errorf("picks %v, want all on %s", got, tt.want)
			}
		})
	}
	t.Run("ties rotate", func(t *testing.T) {
		pool := mkTargets(t, 1, 1, 1)
		got := picks(new(LeastConn), pool, 300, nil)
		for _, tg := range pool {
			if got[tg.id] != 100 {
				t.Errorf("idle pool: picks %v, want 100 each", got)
			}
		}
	})
}

func TestLeastTime(t *testing.T) {
	pool := mkTargets(t, 1, 1)
	slow, fast := pool[0], pool[1]
	s := new(LeastTime)
	if got := picks(s, pool, 10, nil); got["b0"] != 5 || got["b1"] != 5 {
		t.Errorf("unmeasured idle pool: picks %v, want 5 each", got)
	}
	slow.observe(20 * time.Millisecond)
	fast.observe(time.Millisecond)
	if got := picks(s, pool, 20, nil); got["b1"] != 20 {
		t.Errorf("picks %v, want all on the fast backend", got)
	}
	fast.inFlight.Store(30) // 1 ms × 31 > 20 ms × 1
	if got := s.Select(pool, nil); got != slow {
		t.Errorf("fast backend with 30 in flight still picked over an idle slow one")
	}
	fast.inFlight.Store(0)
	fast.observe(50 * time.Millisecond) // a peak replaces the average at once
	if got := s.Select(pool, nil); got != slow {
		t.Errorf("a 50 ms sample did not make the fast backend the costlier: %v vs %v", fast.Latency(), slow.Latency())
	}
}

func TestLatencyEWMADecays(t *testing.T) {
	tg := mkTargets(t, 1)[0]
	if tg.Latency() != 0 {
		t.Fatal("unmeasured target has a latency")
	}
	tg.observe(10 * time.Millisecond)
	now := tg.ewmaAt.Load()
	if got := tg.latencyAt(now); got != float64(10*time.Millisecond) {
		t.Errorf("first sample: EWMA %v, want 10ms", time.Duration(got))
	}
	if got, want := tg.latencyAt(now+int64(ewmaTau)), float64(10*time.Millisecond)/math.E; math.Abs(got-want) > 1 {
		t.Errorf("after one time constant: %v, want %v", time.Duration(got), time.Duration(want))
	}
	// A faster sample pulls the average down by its weight, 1 - exp(-age/tau).
	tg.ewmaAt.Store(now - int64(ewmaTau))
	tg.observe(0)
	if got := tg.Latency(); got > 4*time.Millisecond || got < 3*time.Millisecond {
		t.Errorf("after a zero sample one time constant later: %v, want about 10ms/e = 3.7ms", got)
	}
}

func TestP2C(t *testing.T) {
	pool := mkTargets(t, 1, 1, 1, 1)
	for i, tg := range pool {
		tg.inFlight.Store(int64(i))
	}
	const n = 20000
	got := picks(P2C{}, pool, n, nil)
	if got["b3"] != 0 {
		t.Errorf("the most loaded backend was picked %d times: it loses every pair", got["b3"])
	}
	// b0 wins every pair it is in: 1 - (3/4)(2/3) = 1/2 of the picks.
	if f := float64(got["b0"]) / n; math.Abs(f-0.5) > 0.03 {
		t.Errorf("least loaded got %.3f of picks, want 0.5", f)
	}
	if got := (P2C{}).Select(pool[:1], nil); got != pool[0] {
		t.Error("one backend: not picked")
	}
}

// hashAssign maps each of n simulated clients to a backend with ip-hash.
func hashAssign(pool []*Target, n int) []string {
	out := make([]string, n)
	for i := range n {
		r := &Request{RemoteAddr: "10.0." + itoa(i/256) + "." + itoa(i%256) + ":40000"}
		out[i] = IPHash{}.Select(pool, r).id
	}
	return out
}

func TestIPHashRendezvous(t *testing.T) {
	const clients = 1000
	pool := mkTargets(t, 1, 1, 1, 1, 1)
	four, five := pool[:4], pool
	before := hashAssign(four, clients)
	if again := hashAssign(four, clients); strings.Join(again, ",") != strings.Join(before, ",") {
		t.Fatal("ip-hash is not sticky")
	}
	share := map[string]int{}
	for _, id := range before {
		share[id]++
	}
	for _, tg := range four {
		if share[tg.id] < 180 || share[tg.id] > 320 {
			t.Errorf("%s holds %d of %d clients, want about 250", tg.id, share[tg.id], clients)
		}
	}
	after := hashAssign(five, clients)
	moved := 0
	for i := range before {
		if before[i] != after[i] {
			moved++
			if after[i] != "b4" {
				t.Errorf("client %d moved from %s to %s, not to the new backend", i, before[i], after[i])
			}
		}
	}
	if f := float64(moved) / clients; f > 0.2+0.05 || f < 0.2-0.05 {
		t.Errorf("adding a 5th backend moved %.3f of clients, want about 1/5", f)
	}
	// Removing b1 moves b1's clients only.
	without := append([]*Target{pool[0]}, pool[2:4]...)
	for i, id := range hashAssign(without, clients) {
		if before[i] != "b1" && id != before[i] {
			t.Fatalf("client %d of %s moved to %s when b1 left", i, before[i], id)
		}
	}
}

func TestIPHashWeighted(t *testing.T) {
	pool := mkTargets(t, 1, 3)
	share := map[string]int{}
	for _, id := range hashAssign(pool, 4000) {
		share[id]++
	}
	if f := float64(share["b1"]) / 4000; math.Abs(f-0.75) > 0.03 {
		t.Errorf("weight 3 of 4 holds %.3f of clients, want 0.75", f)
	}
}

func TestClientIP(t *testing.T) {
	hdr := func(kv ...string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"peer", Request{RemoteAddr: "192.0.2.1:5555"}, "192.0.2.1"},
		{"peer v6", Request{RemoteAddr: "[2001:db8::1]:5555"}, "2001:db8::1"},
		{"header ignored when not configured", Request{HTTP: hdr("X-Client-Ip", "1.1.1.1"), RemoteAddr: "192.0.2.1:1"}, "192.0.2.1"},
		{"header", Request{HTTP: hdr("X-Client-Ip", "1.1.1.1"), RemoteAddr: "192.0.2.1:1", clientIPHeader: "X-Client-Ip"}, "1.1.1.1"},
		{"first of a list", Request{HTTP: hdr("X-Forwarded-For", " 1.1.1.1, 2.2.2.2"), RemoteAddr: "192.0.2.1:1", clientIPHeader: "X-Forwarded-For"}, "1.1.1.1"},
		{"missing header falls back", Request{HTTP: hdr(), RemoteAddr: "192.0.2.1:1", clientIPHeader: "X-Client-Ip"}, "192.0.2.1"},
		{"empty header falls back", Request{HTTP: hdr("X-Client-Ip", " ,x"), RemoteAddr: "192.0.2.1:1", clientIPHeader: "X-Client-Ip"}, "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.ClientIP(); got != tt.want {
				t.Errorf("ClientIP() = %q, want %q", got, tt.want)
			}
		})
	}
}

// BenchmarkSelect measures every policy's Select on a pool of 8.
func BenchmarkSelect(b *testing.B) {
	for _, name := range Policies() {
		b.Run(name, func(b *testing.B) {
			pool := mkTargets(b, 1, 2, 1, 2, 1, 2, 1, 2)
			s := NewSelector(name)
			r := &Request{RemoteAddr: "192.0.2.1:5555"}
			b.ReportAllocs()
			for b.Loop() {
				s.Select(pool, r)
			}
		})
	}
}
