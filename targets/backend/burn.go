package backend

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// doWork burns CPU for cpu, then waits wait; it stops early, returning
// ctx.Err(), when ctx is done (the client went away, the connection was
// killed, the server is closing).
func doWork(ctx context.Context, cpu, wait time.Duration) error {
	if cpu > 0 {
		if err := burnCPU(ctx, cpu); err != nil {
			return err
		}
	}
	if wait > 0 {
		return sleep(ctx, wait)
	}
	return nil
}

// burnSink keeps the compiler from dropping the busy loop's arithmetic.
var burnSink atomic.Uint64

// burnCPU keeps one core busy for d of wall time, looking at the clock
// about every microsecond and at ctx about every 100. It measures wall time,
// not CPU time: on a machine with more busy goroutines than cores, a burn
// gets less than d of CPU, as a request of a real CPU-bound service would.
func burnCPU(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	x := uint64(1)
	for i := 1; ; i++ {
		for range 256 {
			x = x*6364136223846793005 + 1442695040888963407 // an LCG step: cheap, not foldable
		}
		if !time.Now().Before(deadline) {
			break
		}
		if i%128 == 0 && ctx.Err() != nil {
			burnSink.Store(x)
			return ctx.Err()
		}
	}
	burnSink.Store(x)
	return nil
}

// timers holds stopped timers for sleep. Since Go 1.23, Reset and Stop need
// no draining of the channel, so a timer can be reused whichever way its last
// wait ended.
var timers = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}

// sleep waits d, or until ctx is done, in which case it returns ctx.Err().
func sleep(ctx context.Context, d time.Duration) error {
	t := timers.Get().(*time.Timer)
	defer timers.Put(t)
	t.Reset(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}
