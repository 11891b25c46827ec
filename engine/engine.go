// Package engine runs a plan: it schedules requests with the plan's
// executor (open or closed model), drives them through a protocol client,
// records every outcome without locks and cuts the records into intervals.
package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stampede-lab/stampede/engine/h1"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// Client sends requests for the VUs. Implementations must be safe for
// concurrent use and must not block forever: Do returns when the request
// ends, fails, times out, or Interrupt is called.
type Client interface {
	// Do sends request number req (modulo the plan's requests) and fills
	// s: Sent, FirstByte, Done, Status, bytes, Err and the dial phases.
	// Failures are data on s, never a panic or a hang.
	Do(req int, s *metrics.Sample)
	// Interrupt makes requests in flight end now, with ErrInterrupted.
	Interrupt()
	Close() error
}

var _ Client = (*h1.Client)(nil)

// NewClient builds the protocol client a plan asks for.
func NewClient(plan *scenarios.Plan) (Client, error) {
	if len(plan.Requests) == 0 && len(plan.Flows) > 0 {
		if plan.BaseURL == "" {
			// Every step names its own origin; the flow runner makes
			// their clients on first use.
			return nopClient{}, nil
		}
		p := *plan
		p.Requests = []scenarios.Request{{Method: "GET", URL: plan.BaseURL}}
		plan = &p
	}
	return h1.New(plan)
}

// nopClient stands in for the main client of a plan whose flows carry
// their own origins.
type nopClient struct{}

func (nopClient) Do(int, *metrics.Sample) {}
func (nopClient) Interrupt()              {}
func (nopClient) Close() error            { return nil }

// Snapshot is what the engine reports after each interval. The pointers
// are only valid during the OnInterval call: copy what you keep.
type Snapshot struct {
	// Elapsed is the time since the start of the run; Planned is the
	// length of the load (without grace).
	Elapsed, Planned time.Duration
	Interval         *metrics.Interval
	Total            *metrics.Interval
	// ActiveVUs is the number of VUs busy with a request (open model) or
	// asked for by the schedule (closed model); MaxVUs the pool's size.
	ActiveVUs, MaxVUs int
	// AskedRate is the arrival rate the schedule asks for now (open model).
	AskedRate float64
	// Stopping is true once no new requests start.
	Stopping bool
	// Paused and Factor are the state of Options.Control (false and 1
	// without one).
	Paused bool
	Factor float64
	// Steps are the flows' request steps, in plan order, with their
	// totals so far; nil for a plan without flows. The slice and the
	// steps' Total are reused by the next snapshot: copy what you keep.
	Steps []StepSnapshot
}

// Options tune a run.
type Options struct {
	// Interval is the length of a reporting interval (default 1 s).
	Interval time.Duration
	// OnInterval is called from the collector after every interval. It
	// must return quickly: requests are not held up, but intervals are.
	OnInterval func(*Snapshot)
	// Shards is the number of metric shards (default: 2 per CPU).
	Shards int
	// Abort, when closed, interrupts requests in flight at once instead of
	// waiting out the grace period (a second Ctrl-C).
	Abort <-chan struct{}
	// CoarseTimers makes open-model VUs wait on Go timers alone, which are
	// late by up to a millisecond when the process is idle, instead of the
	// precise sleeper. Tests on synctest's fake clock need it.
	CoarseTimers bool
	// Control, if set, lets a live display pause the load and scale it;
	// its events end up in Result.Events.
	Control *Control
}

// Result is a finished run.
type Result struct {
	Plan      *scenarios.Plan
	Start     time.Time
	End       time.Time
	Intervals []*metrics.Interval
	Total     *metrics.Interval
	// MaxVUsUsed is the most VUs that existed at once.
	MaxVUsUsed int
	// Stopped says why the load ended: "completed" or "interrupted".
	Stopped string
	// Events are the pauses, scalings and stops made by hand, in order.
	Events []Event
	// Steps are the per-step measures of a plan with flows.
	Steps []StepResult
}

// ErrNoRequests is returned for a plan without requests.
var ErrNoRequests = errors.New("engine: plan has no requests")

// Run executes plan with client until the plan's load is done or ctx is
// cancelled, and returns what was measured.
//
// Stopping follows two deadlines, as k6 does: at the soft deadline (the
// end of the load, or the cancellation of ctx) no new request starts; the
// requests in flight then have the plan's grace period to finish, after
// which (the hard deadline), or when opts.Abort is closed, they are
// interrupted and counted as such. Run returns after the last VU.
func Run(ctx context.Context, plan *scenarios.Plan, client Client, opts Options) (*Result, error) {
	if len(plan.Requests) == 0 && len(plan.Flows) == 0 {
		return nil, ErrNoRequests
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Shards <= 0 {
		opts.Shards = metrics.DefaultShards()
	}
	r := &run{
		plan:   plan,
		client: client,
		rec:    metrics.NewRecorder(opts.Shards),
		opts:   opts,
		start:  time.Now(),
	}
	soft, cancelSoft := context.WithCancel(ctx)
	defer cancelSoft()
	hard, cancelHard := context.WithCancel(context.Background())
	defer cancelHard()
	r.soft = soft

	if len(plan.Flows) > 0 {
		fr, err := newFlowRunner(r, client)
		if err != nil {
			return nil, err
		}
		r.flows = fr
		defer fr.close()
	}
	var exec executor
	if plan.Load.Open() {
		exec = newOpenExecutor(r)
	} else {
		exec = newClosedExecutor(r)
	}
	r.exec = exec
	tl := exec.timeline()
	if opts.Control != nil {
		opts.Control.attach(r.start, tl.change)
	}

	// The hard stop: grace after the soft one, or at once on Abort.
	var stopper sync.WaitGroup
	stopper.Go(func() {
		select {
		case <-soft.Done():
		case <-opts.Abort:
			cancelHard()
		case <-hard.Done():
		}
		r.softAt.Store(time.Now().UnixNano())
		grace := time.NewTimer(plan.Load.Grace)
		defer grace.Stop()
		select {
		case <-grace.C:
		case <-opts.Abort:
		case <-hard.Done():
			return
		}
		client.Interrupt()
		if r.flows != nil {
			r.flows.interrupt()
		}
		cancelHard()
	})

	// The soft stop: when plan time reaches the end, which a pause delays.
	stopper.Go(func() {
		for {
			end, running, changed := tl.endAt()
			if !running {
				select {
				case <-changed:
					continue
				case <-soft.Done():
					return
				}
			}
			t := time.NewTimer(time.Until(end))
			select {
			case <-t.C:
				cancelSoft()
				return
			case <-changed:
				t.Stop()
			case <-soft.Done():
				t.Stop()
				return
			}
		}
	})

	collected := make(chan struct{})
	go func() {
		defer close(collected)
		r.collect(hard)
	}()
	exec.run()

	cancelSoft()
	cancelHard()
	stopper.Wait()
	<-collected
	r.finish()
	stopped := "completed"
	if ctx.Err() != nil {
		stopped = "interrupted"
	}
	res := &Result{
		Plan:       plan,
		Start:      r.start,
		End:        r.end,
		Intervals:  r.intervals,
		Total:      r.total,
		MaxVUsUsed: exec.maxUsed(),
		Stopped:    stopped,
	}
	if opts.Control != nil {
		res.Events = opts.Control.Events()
	}
	if r.flows != nil {
		res.Steps = r.flows.results()
	}
	return res, nil
}

// executor is the runtime side of a load model.
type executor interface {
	// run starts the VUs and returns when all have stopped.
	run()
	// active and maxVUs are gauges for snapshots.
	active() int
	maxVUs() int
	maxUsed() int
	askedRate(elapsed time.Duration) float64
	// timeline maps wall time to plan time under pauses and scaling.
	timeline() *timeline
	// finish accounts, after the VUs stopped, for arrivals that were due
	// but never started (dropped).
	finish(stopAt time.Duration) uint64
}

// run is the state shared by the executors and the collector.
type run struct {
	plan   *scenarios.Plan
	client Client
	rec    *metrics.Recorder
	opts   Options
	start  time.Time
	soft   context.Context
	softAt atomic.Int64 // UnixNano of the soft stop, 0 before
	exec   executor
	// flows runs the plan's flows; nil for a plan of plain requests.
	flows *flowRunner
	// steps is Snapshot.Steps, refilled at every cut.
	steps []StepSnapshot

	acc       metrics.Counts
	intervals []*metrics.Interval
	total     *metrics.Interval
	lastCut   time.Time
	end       time.Time
}

// collect cuts an interval every opts.Interval until hard is done.
func (r *run) collect(hard context.Context) {
	r.total = metrics.NewInterval(r.start)
	r.lastCut = r.start
	next := r.start.Add(r.opts.Interval)
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
			r.cut(time.Now())
			next = next.Add(r.opts.Interval)
			timer.Reset(time.Until(next))
		case <-hard.Done():
			return
		}
	}
}

// cut closes the interval ending at end.
func (r *run) cut(end time.Time) {
	r.rec.Collect(&r.acc)
	if r.flows != nil {
		r.flows.collect(r.lastCut, end)
	}
	iv := r.acc.Interval(r.lastCut, end)
	r.lastCut = end
	r.intervals = append(r.intervals, iv)
	r.total.Merge(iv)
	if r.opts.OnInterval != nil {
		elapsed := end.Sub(r.start)
		_, seg := r.exec.timeline().planTime(end)
		if r.flows != nil {
			r.steps = r.flows.snapshot(r.steps[:0])
		}
		r.opts.OnInterval(&Snapshot{
			Elapsed:   elapsed,
			Planned:   r.plan.Load.Total(),
			Interval:  iv,
			Total:     r.total,
			ActiveVUs: r.exec.active(),
			MaxVUs:    r.exec.maxVUs(),
			AskedRate: r.exec.askedRate(elapsed),
			Stopping:  r.soft.Err() != nil,
			Paused:    seg.paused,
			Factor:    seg.f,
			Steps:     r.steps,
		})
	}
	if err := iv.Compact(); err != nil {
		// Encoding our own histogram cannot fail short of a bug; keep the
		// full histograms rather than lose the interval.
		return
	}
}

// finish records arrivals dropped at the end and cuts the last interval.
func (r *run) finish() {
	stopAt := time.Since(r.start)
	if ns := r.softAt.Load(); ns != 0 {
		stopAt = time.Unix(0, ns).Sub(r.start)
	}
	if n := r.exec.finish(stopAt); n > 0 {
		r.rec.Shard(0).Dropped(n)
	}
	r.end = time.Now()
	if r.end.Sub(r.lastCut) > 0 || len(r.intervals) == 0 {
		r.cut(r.end)
	} else {
		// Drops counted at the very end still belong to the run.
		r.rec.Collect(&r.acc)
		r.total.Merge(r.acc.Interval(r.lastCut, r.lastCut))
	}
}
