package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// rampStep is how often the VU target is re-read while it can change.
const rampStep = 50 * time.Millisecond

// closedExecutor runs the closed model (constant or ramping VUs): each
// active VU sends its next request as soon as the previous one ended, so
// the load follows the target's speed and latency is the service time.
// VU n is active while the target (the schedule, times the control's
// factor, zero while paused) is above n; a VU that falls outside finishes
// its request and waits.
type closedExecutor struct {
	r     *run
	sched scenarios.VUSchedule
	tl    *timeline
	iter  atomic.Uint64

	target  atomic.Int64
	mu      sync.Mutex
	changed chan struct{} // closed and replaced when target changes
	spawned int           // VU goroutines started; guarded by mu
	wg      sync.WaitGroup
}

func newClosedExecutor(r *run) *closedExecutor {
	s := scenarios.NewVUSchedule(r.plan.Load)
	e := &closedExecutor{r: r, sched: s, changed: make(chan struct{})}
	e.tl = newTimeline(r.start, s.Total(), nil)
	e.target.Store(int64(s.At(0)))
	return e
}

func (e *closedExecutor) timeline() *timeline { return e.tl }

func (e *closedExecutor) run() {
	e.mu.Lock()
	e.spawnLocked(e.sched.Max())
	e.mu.Unlock()
	if len(e.r.plan.Load.Stages) > 0 || e.r.opts.Control != nil {
		e.wg.Go(e.ramp)
	}
	e.wg.Wait()
}

func (e *closedExecutor) spawnLocked(n int) {
	for ; e.spawned < n; e.spawned++ {
		e.wg.Add(1)
		go e.vu(e.spawned)
	}
}

// ramp follows the schedule and the control until the soft stop.
func (e *closedExecutor) ramp() {
	t := time.NewTicker(rampStep)
	defer t.Stop()
	for {
		_, changed := e.tl.current()
		select {
		case <-e.r.soft.Done():
			return
		case now := <-t.C:
			e.setTarget(e.tl.scaledVUs(&e.sched, now))
		case <-changed:
			e.setTarget(e.tl.scaledVUs(&e.sched, time.Now()))
		}
	}
}

func (e *closedExecutor) setTarget(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if int64(n) == e.target.Load() {
		return
	}
	e.target.Store(int64(n))
	e.spawnLocked(n)
	close(e.changed)
	e.changed = make(chan struct{})
}

// waitAdmitted blocks until VU id may run, and reports false if the load
// stopped first.
func (e *closedExecutor) waitAdmitted(id int, done <-chan struct{}) bool {
	for {
		e.mu.Lock()
		ok, changed := int64(id) < e.target.Load(), e.changed
		e.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}

func (e *closedExecutor) vu(id int) {
	defer e.wg.Done()
	shard := e.r.rec.Shard(id)
	done := e.r.soft.Done()
	var s metrics.Sample
	var state *vuState
	if e.r.flows != nil {
		state = e.r.flows.newState(id)
	}
	for {
		select {
		case <-done:
			return
		default:
		}
		if int64(id) >= e.target.Load() && !e.waitAdmitted(id, done) {
			return
		}
		i := e.iter.Add(1) - 1
		if state != nil {
			e.r.flows.iterate(state, time.Now(), false, shard, done)
			continue
		}
		s.Reset()
		s.Intended = time.Now()
		e.r.client.Do(int(i), &s)
		shard.Record(&s)
	}
}

func (e *closedExecutor) active() int { return int(e.target.Load()) }
func (e *closedExecutor) maxVUs() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return max(e.sched.Max(), e.spawned)
}
func (e *closedExecutor) maxUsed() int                    { return e.maxVUs() }
func (e *closedExecutor) askedRate(time.Duration) float64 { return 0 }
func (e *closedExecutor) finish(time.Duration) uint64     { return 0 }
