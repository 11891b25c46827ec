package backend

import (
	"container/list"
	"context"
	"sync"
)

// pool is the workers of a server: at most size requests in service at
// once (0: no limit), the rest waiting in arrival order, as in a thread-pool
// server with an unbounded queue. It also keeps the gauges of Stats: in
// service and waiting, now and at most.
type pool struct {
	mu         sync.Mutex
	size       int
	busy       int
	waiters    list.List // of chan struct{}, closed when granted a worker
	maxBusy    int
	maxWaiting int
}

func newPool(size int) *pool {
	p := &pool{size: size}
	p.waiters.Init()
	return p
}

// acquire waits for a worker, first come first served, or until ctx is
// done, in which case it returns ctx.Err() and holds no worker.
func (p *pool) acquire(ctx context.Context) error {
	p.mu.Lock()
	if p.free() && p.waiters.Len() == 0 {
		p.take()
		p.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	e := p.waiters.PushBack(ch)
	p.maxWaiting = max(p.maxWaiting, p.waiters.Len())
	p.mu.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	select {
	case <-ch: // granted meanwhile: hand the worker on
		p.busy--
		p.grant()
	default:
		p.waiters.Remove(e)
	}
	p.mu.Unlock()
	return ctx.Err()
}

// release frees the worker of a request that acquired one.
func (p *pool) release() {
	p.mu.Lock()
	p.busy--
	p.grant()
	p.mu.Unlock()
}

// resize changes the number of workers; waiters start if workers freed up.
func (p *pool) resize(size int) {
	p.mu.Lock()
	p.size = size
	p.grant()
	p.mu.Unlock()
}

// grant gives free workers to waiters, in order. p.mu is held.
func (p *pool) grant() {
	for p.free() && p.waiters.Len() > 0 {
		close(p.waiters.Remove(p.waiters.Front()).(chan struct{}))
		p.take()
	}
}

func (p *pool) free() bool { return p.size == 0 || p.busy < p.size }

func (p *pool) take() {
	p.busy++
	p.maxBusy = max(p.maxBusy, p.busy)
}

// poolStats is a snapshot of a pool's gauges.
type poolStats struct {
	size, busy, maxBusy, waiting, maxWaiting int
}

func (p *pool) stats() poolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return poolStats{size: p.size, busy: p.busy, maxBusy: p.maxBusy, waiting: p.waiters.Len(), maxWaiting: p.maxWaiting}
}
