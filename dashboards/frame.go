package dashboards

import (
	"maps"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
)

// Latency holds the percentiles the dashboard shows, in microseconds. The
// zero value means "no requests finished".
type Latency struct {
	P50, P90, P99, P999, Max int64
}

// LatencyOf reads the dashboard's percentiles from a microsecond histogram
// (nil or empty gives the zero Latency).
func LatencyOf(h *hdr.Histogram) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	// One pass over the buckets that stops at the last value; h.Max()
	// would walk all of them. The 100th percentile is the same value.
	q := h.ValueAtPercentilesSlice(dashboardQuantiles)
	return Latency{P50: q[0], P90: q[1], P99: q[2], P999: q[3], Max: q[4]}
}

var dashboardQuantiles = []float64{50, 90, 99, 99.9, 100}

// Frame is one interval as the dashboard keeps it: plain numbers and maps
// of its own, copied out of an engine.Snapshot (whose pointers are only
// valid during OnInterval) or built from a results file. A Frame is never
// changed once it is in a Model.
type Frame struct {
	// Elapsed is the end of the interval since the start of the run;
	// Planned the length of the load.
	Elapsed, Planned time.Duration

	// The interval's own figures.
	Requests, Errors, Dropped uint64
	RPS                       float64
	Latency                   Latency
	Status                    map[int]uint64
	ErrClasses                map[string]uint64

	// The run's totals so far.
	TotalRequests, TotalErrors, TotalDropped uint64
	TotalLatency                             Latency
	TotalStatus                              map[int]uint64
	TotalErrClasses                          map[string]uint64

	// Gauges at the end of the interval. ActiveVUs and MaxVUs are -1 when
	// unknown (a replayed results file does not keep them).
	ActiveVUs, MaxVUs int
	AskedRate         float64
	Stopping, Paused  bool
	Factor            float64

	// Steps are the flows' steps with their totals so far (nil for a plan
	// without flows); Thresholds the plan's thresholds judged on the
	// totals so far (nil without thresholds, or without a judge).
	Steps      []StepStat
	Thresholds []ThresholdStatus
}

// StepStat is one request step of a flow in the steps table: its totals
// since the start of the run.
type StepStat struct {
	Flow, Step       string
	Requests, Errors uint64
	// P50 and P99 are latency percentiles in µs; 0 before the first
	// response.
	P50, P99 int64
	// ChecksPassed and ChecksFailed add up the step's check outcomes;
	// Checks is how many checks it has.
	ChecksPassed, ChecksFailed uint64
	Checks                     int
}

// ThresholdState is where a threshold stands during a run.
type ThresholdState int

// The states of a threshold.
const (
	// ThresholdPending: nothing it measures has been seen yet.
	ThresholdPending ThresholdState = iota
	// ThresholdPass and ThresholdFail: it holds, or not, on the totals so
	// far (or, in a replay, at the end of the run).
	ThresholdPass
	ThresholdFail
	// ThresholdAtEnd: it is only judged when the run ends (a threshold on
	// a step that several flows share, say).
	ThresholdAtEnd
)

// ThresholdStatus is one threshold as the thresholds panel shows it.
type ThresholdStatus struct {
	// Expr is the expression as written; Step the step it judges, if any.
	Expr, Step string
	State      ThresholdState
	// Value is what was measured, e.g. "p(99) = 12.3ms", or why there is
	// no verdict yet.
	Value string
}

// FrameOf copies what the dashboard needs out of a snapshot: one pass over
// the buckets of two histograms, a copy of two small maps and of the
// steps' figures, once per interval.
func FrameOf(s *engine.Snapshot) Frame {
	f := Frame{
		Elapsed:   s.Elapsed,
		Planned:   s.Planned,
		ActiveVUs: s.ActiveVUs,
		MaxVUs:    s.MaxVUs,
		AskedRate: s.AskedRate,
		Stopping:  s.Stopping,
		Paused:    s.Paused,
		Factor:    s.Factor,
	}
	if iv := s.Interval; iv != nil {
		f.Requests, f.Errors, f.Dropped = iv.Requests, iv.Errors, iv.Dropped
		f.RPS = iv.RPS()
		f.Latency = LatencyOf(iv.Hists[metrics.Latency])
		f.Status = maps.Clone(iv.Status)
		f.ErrClasses = maps.Clone(iv.ErrClasses)
	}
	if t := s.Total; t != nil {
		f.TotalRequests, f.TotalErrors, f.TotalDropped = t.Requests, t.Errors, t.Dropped
		f.TotalLatency = LatencyOf(t.Hists[metrics.Latency])
		f.TotalStatus = maps.Clone(t.Status)
		f.TotalErrClasses = maps.Clone(t.ErrClasses)
	}
	if len(s.Steps) > 0 {
		f.Steps = make([]StepStat, len(s.Steps))
		for i, st := range s.Steps {
			f.Steps[i] = StepStat{Flow: st.Flow, Step: st.Step, Requests: st.Requests, Errors: st.Errors,
				P50: st.P50, P99: st.P99, ChecksPassed: st.ChecksPassed, ChecksFailed: st.ChecksFailed, Checks: st.Checks}
		}
	}
	return f
}
