package engine

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-lab/stampede/scenarios"
)

// timeline maps wall-clock time to the plan's own time while the load is
// paused and scaled by hand (Control).
//
// Plan time τ runs with the wall clock except during a pause, so the
// plan's stages resume where they stopped and a pause lengthens the run.
// A scaling factor f multiplies the plan's rate (or VUs) from the moment
// it is set. Each change opens a segment that starts at wall offset t0,
// plan time τ0 and, for the open model, arrival count n0 (the arrivals due
// by t0, fractional); within it
//
//	τ(t) = τ0 + (t − t0)                 (τ0 if paused)
//	n(t) = n0 + f·(N(τ(t)) − N(τ0))
//
// with N the schedule's integral. Arrival i is then intended where
// n(t) = i: τ = N⁻¹(N(τ0) + (i − n0)/f). Without a Control there is one
// segment (0, 0, 0, f = 1) and all this is the plain schedule.
type timeline struct {
	start time.Time
	total time.Duration
	due   func(time.Duration) float64 // N; nil for the closed model

	segs    atomic.Pointer[[]segment]
	mu      sync.Mutex // serialises changes
	changed atomic.Pointer[chan struct{}]
}

type segment struct {
	t0, tau0 time.Duration
	n0       float64
	f        float64
	paused   bool
}

func newTimeline(start time.Time, total time.Duration, due func(time.Duration) float64) *timeline {
	tl := &timeline{start: start, total: total, due: due}
	tl.segs.Store(&[]segment{{f: 1}})
	ch := make(chan struct{})
	tl.changed.Store(&ch)
	return tl
}

// current returns the segment in force and a channel closed when it
// changes. The channel is read first so that a change between the two
// reads is never missed.
func (tl *timeline) current() (segment, <-chan struct{}) {
	ch := *tl.changed.Load()
	segs := *tl.segs.Load()
	return segs[len(segs)-1], ch
}

// planTime returns τ at wall time now, and the segment in force.
func (tl *timeline) planTime(now time.Time) (time.Duration, segment) {
	s, _ := tl.current()
	return s.planTime(now.Sub(tl.start)), s
}

func (s segment) planTime(t time.Duration) time.Duration {
	if s.paused {
		return s.tau0
	}
	return s.tau0 + (t - s.t0)
}

// countAt is n(t): the arrivals intended before wall offset t.
func (tl *timeline) countAt(t time.Duration) float64 {
	segs := *tl.segs.Load()
	k := len(segs) - 1
	for k > 0 && segs[k].t0 > t {
		k--
	}
	s := segs[k]
	tau := min(s.planTime(t), tl.total)
	if s.paused {
		return s.n0
	}
	return s.n0 + s.f*(tl.due(tau)-tl.due(s.tau0))
}

// arrival returns the intended time of arrival i. ok is false when the
// plan ends before it; wait is non-nil when the load is paused and the
// arrival has no time yet: wait for it to close and ask again. changed
// closes when the answer may change.
func (tl *timeline) arrival(sched *scenarios.ArrivalSchedule, i uint64) (at time.Time, ok bool, wait, changed <-chan struct{}) {
	changed = *tl.changed.Load()
	segs := *tl.segs.Load()
	k := len(segs) - 1
	for k > 0 && segs[k].n0 > float64(i) {
		k--
	}
	s := segs[k]
	if s.paused && k == len(segs)-1 {
		return time.Time{}, true, changed, changed
	}
	target := sched.Due(s.tau0) + (float64(i)-s.n0)/s.f
	tau, ok := sched.Inverse(target)
	if !ok {
		return time.Time{}, false, nil, changed
	}
	return tl.start.Add(s.t0 + (tau - s.tau0)), true, nil, changed
}

// endAt returns the wall time at which plan time reaches the end, or
// false while paused.
func (tl *timeline) endAt() (time.Time, bool, <-chan struct{}) {
	s, ch := tl.current()
	if s.paused {
		return time.Time{}, false, ch
	}
	return tl.start.Add(s.t0 + (tl.total - s.tau0)), true, ch
}

// change opens a new segment at wall time now.
func (tl *timeline) change(now time.Time, paused bool, f float64) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	t := now.Sub(tl.start)
	segs := *tl.segs.Load()
	last := segs[len(segs)-1]
	next := segment{t0: t, tau0: min(last.planTime(t), tl.total), f: f, paused: paused}
	if tl.due != nil {
		next.n0 = tl.countAt(t)
	}
	grown := append(append([]segment(nil), segs...), next)
	tl.segs.Store(&grown)
	ch := make(chan struct{})
	old := tl.changed.Swap(&ch)
	close(*old)
}

// scaledVUs is the closed model's VU target at now: the schedule's, times
// the factor, none while paused.
func (tl *timeline) scaledVUs(sched *scenarios.VUSchedule, now time.Time) int {
	tau, s := tl.planTime(now)
	if s.paused {
		return 0
	}
	return int(math.Round(float64(sched.At(tau)) * s.f))
}
