package engine

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// growCheck is how often the open model looks for arrivals that found no
// free VU, and growLate how overdue the next arrival must be to add VUs.
const (
	growCheck = 2 * time.Millisecond
	growLate  = time.Millisecond
)

// coarseWait is the part of a wait left to the precise sleeper: waits
// longer than this sleep on a cancellable Go timer until coarseWait before
// the arrival, since Go timers are late by up to a millisecond.
const coarseWait = 2 * time.Millisecond

// openExecutor runs the open model (constant or ramping arrival rate).
//
// Every arrival i has an intended start, the schedule's offset for i added
// to the start of the run. VUs take arrivals in order from a shared counter
// when they are free: a VU early for its arrival sleeps until it is due
// (and how late it wakes is the scheduler lag); a VU that takes an arrival
// already due sends at once, and the request's latency, measured from the
// intended start, includes that wait, as wrk2 measures it. A monitor adds
// VUs, up to MaxVUs, whenever the next arrival is overdue. An arrival that
// waited longer than MaxBacklog is dropped (counted, not sent), and at the
// end every arrival that was due but never taken is dropped too.
type openExecutor struct {
	r     *run
	sched scenarios.ArrivalSchedule
	tl    *timeline

	next    atomic.Uint64 // next arrival to take
	started atomic.Uint64 // arrivals sent
	dropped atomic.Uint64 // arrivals dropped while running
	busy    atomic.Int64  // VUs with a request in flight
	vus     atomic.Int64  // VUs that exist
	wg      sync.WaitGroup
}

func newOpenExecutor(r *run) *openExecutor {
	e := &openExecutor{r: r, sched: scenarios.NewArrivalSchedule(r.plan.Load)}
	e.tl = newTimeline(r.start, e.sched.Total(), e.sched.Due)
	return e
}

func (e *openExecutor) timeline() *timeline { return e.tl }

func (e *openExecutor) run() {
	for range e.r.plan.Load.VUs {
		e.spawn()
	}
	var monitor sync.WaitGroup
	monitor.Go(e.grow)
	e.wg.Wait()
	monitor.Wait()
}

// spawn starts one VU if the pool is not full.
func (e *openExecutor) spawn() bool {
	for {
		n := e.vus.Load()
		if n >= int64(e.r.plan.Load.MaxVUs) {
			return false
		}
		if e.vus.CompareAndSwap(n, n+1) {
			e.wg.Add(1)
			go e.vu(int(n))
			return true
		}
	}
}

// grow adds VUs while arrivals are overdue, until the soft stop.
//
// It adds VUs only when every VU is busy with a request: a next arrival
// that is overdue while some VU is free means the generator is short of
// CPU, not of VUs, and more goroutines would only slow it further (the
// spiral vegeta's unbounded workers fall into). Growth per check is
// bounded too, so a start-up spike does not open thousands of connections
// at once.
func (e *openExecutor) grow() {
	t := time.NewTicker(growCheck)
	defer t.Stop()
	for {
		select {
		case <-e.r.soft.Done():
			return
		case now := <-t.C:
			i := e.next.Load()
			at, ok, wait, _ := e.tl.arrival(&e.sched, i)
			if !ok {
				return
			}
			if wait != nil || now.Sub(at) < growLate {
				continue
			}
			vus := e.vus.Load()
			if e.busy.Load() < vus {
				continue
			}
			overdue := e.tl.countAt(now.Sub(e.r.start)) - float64(i)
			n := int(math.Min(math.Max(overdue, 1), float64(max(4, vus/4))))
			for range n {
				if !e.spawn() {
					break
				}
			}
		}
	}
}

func (e *openExecutor) vu(id int) {
	defer e.wg.Done()
	shard := e.r.rec.Shard(id)
	maxBacklog := e.r.plan.Load.MaxBacklog
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	done := e.r.soft.Done()
	var sleeper *preciseSleeper
	if !e.r.opts.CoarseTimers {
		if sl, err := newPreciseSleeper(); err == nil {
			sleeper = sl
			defer sl.close()
		}
	}
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
		i := e.next.Add(1) - 1
		s.Reset()
		intended, ok := e.await(i, &s, timer, sleeper, done)
		if !ok {
			return
		}
		if !s.HasLag && maxBacklog > 0 && time.Since(intended) > maxBacklog {
			e.dropped.Add(1)
			shard.Dropped(1)
			continue
		}
		s.Intended = intended
		e.started.Add(1)
		e.busy.Add(1)
		if state != nil {
			e.r.flows.iterate(state, intended, true, shard, done)
		} else {
			e.r.client.Do(int(i), &s)
			shard.Record(&s)
		}
		e.busy.Add(-1)
	}
}

// await waits until arrival i is due and returns its intended start; ok
// is false when the plan ends first or the load stops. When the VU was
// free and slept, s gets how late it woke (the scheduler lag). A change
// of the timeline (pause, scaling) while waiting re-plans the arrival.
func (e *openExecutor) await(i uint64, s *metrics.Sample, timer *time.Timer, sleeper *preciseSleeper, done <-chan struct{}) (time.Time, bool) {
	for {
		at, ok, paused, changed := e.tl.arrival(&e.sched, i)
		if !ok {
			return at, false
		}
		if paused != nil {
			select {
			case <-paused:
				continue
			case <-done:
				return at, false
			}
		}
		wait := time.Until(at)
		if wait <= 0 {
			return at, true
		}
		if sleeper == nil || wait > coarseWait {
			d := wait
			if sleeper != nil {
				d -= coarseWait
			}
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-changed:
				timer.Stop()
				continue
			case <-done:
				timer.Stop()
				return at, false
			}
		}
		if sleeper != nil {
			sleeper.sleep(time.Until(at))
		}
		s.Lag, s.HasLag = time.Since(at), true
		return at, true
	}
}

func (e *openExecutor) active() int { return int(e.busy.Load()) }
func (e *openExecutor) maxVUs() int { return e.r.plan.Load.MaxVUs }
func (e *openExecutor) maxUsed() int {
	return int(e.vus.Load())
}
func (e *openExecutor) askedRate(elapsed time.Duration) float64 {
	tau, seg := e.tl.planTime(e.r.start.Add(elapsed))
	if seg.paused || tau >= e.sched.Total() {
		return 0
	}
	return e.sched.RateAt(tau) * seg.f
}

func (e *openExecutor) finish(stopAt time.Duration) uint64 {
	due := uint64(math.Ceil(e.tl.countAt(stopAt) - 1e-9))
	done := e.started.Load() + e.dropped.Load()
	if due > done {
		return due - done
	}
	return 0
}
