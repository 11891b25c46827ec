package backend

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// randSource hands out random number generators derived from one seed, so
// that a run can be replayed, without a lock shared by every request.
//
// A server gives each connection its own generator, PCG(seed, n) for the
// n-th connection, through the connection's context (see connContext): the
// requests of one HTTP/1.1 connection run one after another, so the
// generator needs no lock, and the draws of a connection depend only on the
// seed and the order connections arrived in. On a single-threaded server,
// where connections are served in order, a whole run is reproducible.
//
// A request without a connection generator (a handler mounted elsewhere, a
// test with httptest.NewRecorder) borrows one from a pool instead; those
// draws are random-looking but not reproducible, since the pool decides
// which generator a request gets.
type randSource struct {
	seed  uint64
	conns atomic.Uint64 // connections numbered so far
	spare atomic.Uint64 // pooled generators made so far
	pool  sync.Pool
}

// randKey is the context key of a connection's generator.
type randKey struct{}

func newRandSource(seed uint64) *randSource {
	s := &randSource{seed: seed}
	s.pool.New = func() any {
		// Stream numbers from the top half, apart from connections'.
		return rand.New(rand.NewPCG(s.seed, 1<<63|s.spare.Add(1)))
	}
	return s
}

// connContext returns ctx carrying the generator of a new connection.
func (s *randSource) connContext(ctx context.Context) context.Context {
	n := s.conns.Add(1)
	return context.WithValue(ctx, randKey{}, rand.New(rand.NewPCG(s.seed, n)))
}

// get returns the generator of ctx's connection, or one from the pool, in
// which case pooled is true and the caller must put it back.
func (s *randSource) get(ctx context.Context) (r *rand.Rand, pooled bool) {
	if r, ok := ctx.Value(randKey{}).(*rand.Rand); ok {
		return r, false
	}
	return s.pool.Get().(*rand.Rand), true
}

// put returns a pooled generator.
func (s *randSource) put(r *rand.Rand) { s.pool.Put(r) }
