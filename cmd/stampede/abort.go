package main

import (
	"fmt"
	"io"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// abortGrace is how long a run goes before an abort threshold is judged:
// the first seconds of a run (connections, warm-up) say little.
const abortGrace = 5 * time.Second

// stopThreshold is the stop reason an abort threshold sends: the run ends
// gracefully, and the exit code is the failed threshold's 99.
const stopThreshold = "threshold"

// abortWatcher returns an interval hook that stops the run once a
// threshold marked `abort: true` fails on the run's totals so far, or nil
// when the plan has none. Step thresholds are judged at the end only.
func abortWatcher(plan *scenarios.Plan, stops chan<- string, log io.Writer, ctl *engine.Control) (func(*engine.Snapshot), error) {
	var watched []reports.Threshold
	for _, th := range plan.Thresholds {
		if !th.Abort || th.Step != "" {
			continue
		}
		t, err := reports.ParseThreshold(th.Expr)
		if err != nil {
			return nil, usageError{fmt.Errorf("threshold %q: %w", th.Expr, err)}
		}
		watched = append(watched, t)
	}
	if len(watched) == 0 {
		return nil, nil
	}
	after := min(abortGrace, plan.Load.Total()/4)
	fired := false
	return func(s *engine.Snapshot) {
		if fired || s.Elapsed < after || s.Stopping {
			return
		}
		for _, t := range watched {
			v, err := t.EvaluateLive(s.Total)
			if err != nil || v.Pass {
				continue
			}
			fired = true
			fmt.Fprintf(log, "\nstampede: threshold %q failed (%s): aborting the run\n", t.Expr, v.Text)
			ctl.Note("abort", "threshold "+t.Expr)
			select {
			case stops <- stopThreshold:
			default:
			}
			return
		}
	}, nil
}
