package backend

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// faults is the run-time fault state of a server, read on every request
// without a lock.
type faults struct {
	hung    atomic.Bool
	slow    atomic.Int64  // extra service time, ns
	errRate atomic.Uint64 // probability, as math.Float64bits

	mu     sync.Mutex
	unhung chan struct{} // closed when hang is switched off; nil while not hung
}

func (f *faults) setHung(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case on && f.unhung == nil:
		f.unhung = make(chan struct{})
	case !on && f.unhung != nil:
		close(f.unhung)
		f.unhung = nil
	}
	f.hung.Store(on)
}

// waitUnhung returns at once unless the server hangs; then it waits until
// the hang is switched off or ctx is done, and returns ctx.Err().
func (f *faults) waitUnhung(ctx context.Context) error {
	if !f.hung.Load() {
		return nil
	}
	f.mu.Lock()
	ch := f.unhung
	f.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *faults) slowBy() time.Duration { return time.Duration(f.slow.Load()) }

func (f *faults) errorRate() float64 { return math.Float64frombits(f.errRate.Load()) }

// Kill makes the server crash, as far as clients can tell: it closes the
// listener, so that new connections are refused, and every open connection,
// so that requests in flight fail. The server stays down until Restart.
// Kill of a server that is down does nothing.
//
// Requests in flight see their context cancelled as their connection
// closes; their handlers return soon after, not necessarily before Kill
// returns.
func (s *Server) Kill() { s.ln.kill(nil) }

// Restart brings a killed server back on the same address. It fails if the
// address has been taken meanwhile, or the server is shut down. Restart of
// a server that is up does nothing.
func (s *Server) Restart() error {
	if err := s.ln.restart(); err != nil {
		return fmt.Errorf("backend %s: restart: %w", s.id, err)
	}
	return nil
}

// Hang makes the server accept connections and read requests but answer
// none, while on is true; requests waiting when the hang is switched off go
// on as usual. A hung request ends early only when its client gives up or
// the server is killed or shut down. The admin endpoints still answer; on a
// single-threaded server, only over AdminAddr, since a hung request holds
// the one connection the main address serves.
func (s *Server) Hang(on bool) { s.faults.setHung(on) }

// Slow adds extra to the service time of every request from now on (0
// switches it off), as a server whose disk or database got slow would.
// extra must be from 0 to MaxSleep.
func (s *Server) Slow(extra time.Duration) error {
	if extra < 0 || extra > MaxSleep {
		return fmt.Errorf("backend %s: slow %v: want 0 to %v", s.id, extra, MaxSleep)
	}
	s.faults.slow.Store(int64(extra))
	return nil
}

// SetErrorRate makes each request from now on fail with 503 with
// probability p, from 0 (off) to 1 (every request), on every path but the
// admin ones, /healthz included: a health check sees the errors too. It
// adds to the work model's own injections: a request that meets one of
// those keeps it.
func (s *Server) SetErrorRate(p float64) error {
	if !isProbability(p) {
		return fmt.Errorf("backend %s: error rate %v: want a probability from 0 to 1", s.id, p)
	}
	s.faults.errRate.Store(math.Float64bits(p))
	return nil
}

// SetWorkers changes how many requests the server serves at once (0 means
// no limit): scaling the instance up or down while it runs. Requests
// already in service finish; queued ones start as workers free up, in
// order. A single-threaded server always has one worker.
func (s *Server) SetWorkers(k int) error {
	if s.kind == SingleThreaded {
		return fmt.Errorf("backend %s: set workers: a single-threaded server has one worker", s.id)
	}
	if k < 0 {
		return fmt.Errorf("backend %s: set workers %d: want 0 (no limit) or more", s.id, k)
	}
	s.pool.resize(k)
	return nil
}

// FaultState is the run-time fault state of a server, in Stats.
type FaultState struct {
	Killed    bool    `json:"killed"`
	Hung      bool    `json:"hung"`
	SlowMS    float64 `json:"slow_ms"`
	ErrorRate float64 `json:"error_rate"`
}

func (s *Server) faultState() FaultState {
	return FaultState{
		Killed:    s.ln.down(),
		Hung:      s.faults.hung.Load(),
		SlowMS:    ms(s.faults.slowBy()),
		ErrorRate: s.faults.errorRate(),
	}
}
