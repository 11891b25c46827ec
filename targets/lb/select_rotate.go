package lb

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// RoundRobin is the round-robin policy: each backend in turn, ignoring
// weights (use Weighted for those). Over k·len(pool) requests on a stable
// pool, every backend gets exactly k.
type RoundRobin struct {
	next atomic.Uint64
}

// Select implements Selector.
func (s *RoundRobin) Select(pool []*Target, _ *Request) *Target {
	n := s.next.Add(1) - 1
	return pool[n%uint64(len(pool))]
}

// Weighted is the weighted policy: nginx's smooth weighted round robin.
// Every pick adds each backend's weight to its current weight, picks the
// highest and takes the total weight off it. Over a cycle of sum(weights)
// picks each backend gets exactly its weight, spread out rather than in
// bursts: weights 5,1,1 give a a b a c a a, not a a a a a b c.
type Weighted struct {
	mu sync.Mutex // guards the swrr field of every Target it sees
}

// Select implements Selector.
func (s *Weighted) Select(pool []*Target, _ *Request) *Target {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *Target
	var total int64
	for _, t := range pool {
		t.swrr += int64(t.weight)
		total += int64(t.weight)
		if best == nil || t.swrr > best.swrr {
			best = t
		}
	}
	best.swrr -= total
	return best
}

// Random is the random policy: a backend drawn with probability
// proportional to its weight.
type Random struct{}

// Select implements Selector.
func (Random) Select(pool []*Target, _ *Request) *Target {
	total := 0
	for _, t := range pool {
		total += t.weight
	}
	if total == len(pool) { // all weights 1
		return pool[rand.IntN(len(pool))]
	}
	n := rand.IntN(total)
	for _, t := range pool {
		if n -= t.weight; n < 0 {
			return t
		}
	}
	return pool[len(pool)-1] // not reached
}

var (
	_ Selector = (*RoundRobin)(nil)
	_ Selector = (*Weighted)(nil)
	_ Selector = Random{}
)
