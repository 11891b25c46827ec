package lb

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// LeastConn is the least-conn policy: the backend with the fewest requests
// (or connections) in flight per unit of weight. Ties go round-robin, so an
// idle pool is not all sent to its first backend.
type LeastConn struct {
	next atomic.Uint64
}

// Select implements Selector.
func (s *LeastConn) Select(pool []*Target, _ *Request) *Target {
	n := uint64(len(pool))
	start := s.next.Add(1)
	best := pool[start%n]
	for i := uint64(1); i < n; i++ {
		if t := pool[(start+i)%n]; lessLoaded(t, best) {
			best = t
		}
	}
	return best
}

// lessLoaded reports whether a has fewer in flight than b, per unit of
// weight: a.inFlight/a.weight < b.inFlight/b.weight, cross-multiplied.
func lessLoaded(a, b *Target) bool {
	return a.inFlight.Load()*int64(b.weight) < b.inFlight.Load()*int64(a.weight)
}

// LeastTime is the least-time policy, nginx's least_time and Finagle's
// PeakEWMA balancer: the lowest (latency EWMA) × (in flight + 1) / weight,
// so a fast backend takes more until its queue makes it as slow as the
// others. Backends not measured yet cost zero and are tried first; ties go
// to the fewest in flight, then round-robin. See Target.Latency.
type LeastTime struct {
	next atomic.Uint64
}

// Select implements Selector.
func (s *LeastTime) Select(pool []*Target, _ *Request) *Target {
	n := uint64(len(pool))
	start := s.next.Add(1)
	now := time.Now()
	var best *Target
	var bestCost float64
	for i := uint64(0); i < n; i++ {
		t := pool[(start+i)%n]
		cost := t.latencyAt(int64(now.Sub(t.born))) * float64(t.inFlight.Load()+1) / float64(t.weight)
		if best == nil || cost < bestCost || cost == bestCost && lessLoaded(t, best) {
			best, bestCost = t, cost
		}
	}
	return best
}

// P2C is the p2c policy, the power of two choices: of two distinct backends
// drawn at random, the one with fewer in flight per unit of weight. It
// balances almost as well as least-conn without reading every backend, and
// without herding onto the one that just became idle.
type P2C struct{}

// Select implements Selector.
func (P2C) Select(pool []*Target, _ *Request) *Target {
	n := len(pool)
	if n == 1 {
		return pool[0]
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	if lessLoaded(pool[j], pool[i]) {
		return pool[j]
	}
	return pool[i]
}

var (
	_ Selector = (*LeastConn)(nil)
	_ Selector = (*LeastTime)(nil)
	_ Selector = P2C{}
)
