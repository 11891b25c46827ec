package engine

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// rampStep is how often a ramping-vus schedule is re-read.
const rampStep = 50 * time.Millisecond

// closedExecutor runs the closed model (constant or ramping VUs): each
// active VU sends its next request as soon as the previous one ended, so
// the load follows the target's speed and latency is the service time.
// VU n is active while the schedule asks for more than n VUs; a VU that
// falls outside finishes its request and waits.
type closedExecutor struct {
	r     *run
	sched scenarios.VUSchedule
	iter  atomic.Uint64

	mu      sync.Mutex
	target  int
	changed chan struct{} // closed and replaced when target changes
	wg      sync.WaitGroup
}

func newClosedExecutor(r *run) *closedExecutor {
	s := scenarios.NewVUSchedule(r.plan.Load)
	return &closedExecutor{r: r, sched: s, target: s.At(0), changed: make(chan struct{})}
}

func (e *closedExecutor) run() {
	for id := range e.sched.Max() {
		e.wg.Add(1)
		go e.vu(id)
	}
	if len(e.r.plan.Load.Stages) > 0 {
		e.wg.Go(e.ramp)
	}
	e.wg.Wait()
}

// ramp follows the schedule until the soft stop.
func (e *closedExecutor) ramp() {
	t := time.NewTicker(rampStep)
	defer t.Stop()
	for {
		select {
		case <-e.r.soft.Done():
			return
		case now := <-t.C:
			e.setTarget(e.sched.At(now.Sub(e.r.start)))
		}
	}
}

func (e *closedExecutor) setTarget(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n == e.target {
		return
	}
	e.target = n
	close(e.changed)
	e.changed = make(chan struct{})
}

// admitted reports whether VU id may run now, and if not, a channel
// closed when that may have changed.
func (e *closedExecutor) admitted(id int) (bool, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return id < e.target, e.changed
}

func (e *closedExecutor) vu(id int) {
	defer e.wg.Done()
	shard := e.r.rec.Shard(id)
	done := e.r.soft.Done()
	ramping := len(e.r.plan.Load.Stages) > 0
	var s metrics.Sample
	for {
		select {
		case <-done:
			return
		default:
		}
		if ramping {
			if ok, changed := e.admitted(id); !ok {
				select {
				case <-changed:
					continue
				case <-done:
					return
				}
			}
		} else if id >= e.target {
			return
		}
		i := e.iter.Add(1) - 1
		s.Reset()
		s.Intended = time.Now()
		e.r.client.Do(int(i), &s)
		shard.Record(&s)
	}
}

func (e *closedExecutor) active() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.target
}
func (e *closedExecutor) maxVUs() int                     { return e.sched.Max() }
func (e *closedExecutor) maxUsed() int                    { return e.sched.Max() }
func (e *closedExecutor) askedRate(time.Duration) float64 { return 0 }
func (e *closedExecutor) finish(time.Duration) uint64     { return 0 }
