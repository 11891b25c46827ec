package cache

import (
	"context"
	"sync"
)

// flightGroup collapses concurrent calls for one key into one: the first
// caller (the leader) runs the function, the others wait for its result.
// It is golang.org/x/sync/singleflight cut down to what the cache needs,
// plus waiters that give up when their own context is done (a client that
// goes away stops waiting; the leader's work goes on for the others).
//
// Its methods are safe for concurrent use.
type flightGroup struct {
	mu      sync.Mutex
	flights map[string]*flight
}

type flight struct {
	done chan struct{} // closed when res is set
	res  outcome
}

// do runs fn for key unless a call for key is in flight, in which case it
// waits for that call's outcome (leader false) or for ctx to be done. If fn
// panics, the waiters get the zero outcome, which they treat as a failure,
// and the panic goes on up the leader's stack.
func (g *flightGroup) do(ctx context.Context, key string, fn func() outcome) (res outcome, leader bool, err error) {
	g.mu.Lock()
	if f, ok := g.flights[key]; ok {
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.res, false, nil
		case <-ctx.Done():
			return outcome{}, false, ctx.Err()
		}
	}
	if g.flights == nil {
		g.flights = make(map[string]*flight)
	}
	f := &flight{done: make(chan struct{})}
	g.flights[key] = f
	g.mu.Unlock()

	defer func() {
		g.mu.Lock()
		delete(g.flights, key)
		g.mu.Unlock()
		close(f.done)
	}()
	f.res = fn()
	return f.res, true, nil
}
