package main

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/dashboards"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/reports"
)

// newWatchCmd is `stampede watch RESULTS.json`: the dashboard of a
// finished run, to scrub through with the arrow keys.
func newWatchCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "watch RESULTS.json",
		Short: "Replay a finished run from its results file in the dashboard",
		Long: `Show a results file (written by run --out) in the live dashboard, as it
looked at any interval of the run: the arrow keys step back and forth, space
plays, q quits. Needs a terminal.`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("watch: %w", err)}
			}
			res, err := reports.ReadResults(bytes.NewReader(data))
			if err != nil {
				return usageError{fmt.Errorf("watch: %s: %w", args[0], err)}
			}
			if len(res.Intervals) == 0 {
				return usageError{fmt.Errorf("watch: %s has no intervals to show", args[0])}
			}
			screen, err := newScreen()
			if err != nil {
				return fmt.Errorf("watch needs a terminal: %w", err)
			}
			tui, err := dashboards.NewReplay(screen, replayInfo(res), replayFrames(res))
			if err != nil {
				return fmt.Errorf("watch needs a terminal: %w", err)
			}
			return tui.Run()
		},
	}
}

// replayInfo describes a finished run for the dashboard's header.
func replayInfo(res *reports.Results) dashboards.Info {
	info := dashboards.Info{Protocol: "HTTP/1.1", Interval: time.Second}
	if p := res.Plan; p != nil && len(p.Requests) > 0 {
		info = dashboardInfo(p, time.Second)
	}
	if len(res.Intervals) > 0 && res.Intervals[0].DurationS > 0 {
		info.Interval = seconds(res.Intervals[0].DurationS)
	}
	return info
}

// replayFrames turns the intervals of a results file into dashboard
// frames, adding up the totals as the run went (the latency totals by
// merging the intervals' histograms). Gauges the file does not keep (VUs
// in use, the asked rate) are left unknown. The file keeps the steps and
// the threshold verdicts of the whole run only: every frame shows those,
// and the dashboard labels them as the end of the run.
func replayFrames(res *reports.Results) []dashboards.Frame {
	steps, verdicts := replaySteps(res), replayVerdicts(res)
	var planned time.Duration
	if res.Plan != nil {
		planned = res.Plan.Load.Total()
	}
	frames := make([]dashboards.Frame, 0, len(res.Intervals))
	total := metrics.NewHistogram()
	var tot dashboards.Frame
	tot.TotalStatus, tot.TotalErrClasses = map[int]uint64{}, map[string]uint64{}
	for _, iv := range res.Intervals {
		f := dashboards.Frame{
			Elapsed:    seconds(iv.OffsetS),
			Planned:    planned,
			Requests:   iv.Requests,
			Errors:     iv.Errors,
			Dropped:    iv.Dropped,
			RPS:        iv.RPS,
			Latency:    latencyOfMS(iv.LatencyMS),
			Status:     map[int]uint64{},
			ErrClasses: map[string]uint64{},
			ActiveVUs:  -1,
			MaxVUs:     -1,
			Factor:     1,
			Steps:      steps,
			Thresholds: verdicts,
		}
		for code, n := range iv.Status {
			if c, err := strconv.Atoi(code); err == nil {
				f.Status[c] = n
				tot.TotalStatus[c] += n
			}
		}
		for class, n := range iv.ErrorClasses {
			f.ErrClasses[class] = n
			tot.TotalErrClasses[class] += n
		}
		tot.TotalRequests += iv.Requests
		tot.TotalErrors += iv.Errors
		tot.TotalDropped += iv.Dropped
		if h, err := hdr.Decode([]byte(iv.Histograms[metrics.Latency.String()])); err == nil {
			total.Merge(h)
		}
		f.TotalRequests, f.TotalErrors, f.TotalDropped = tot.TotalRequests, tot.TotalErrors, tot.TotalDropped
		f.TotalLatency = dashboards.LatencyOf(total)
		f.TotalStatus = maps.Clone(tot.TotalStatus)
		f.TotalErrClasses = maps.Clone(tot.TotalErrClasses)
		frames = append(frames, f)
	}
	return frames
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// latencyOfMS converts a results file's percentiles (ms) to microseconds.
func latencyOfMS(p reports.Percentiles) dashboards.Latency {
	us := func(ms float64) int64 { return int64(math.Round(ms * 1000)) }
	return dashboards.Latency{P50: us(p.P50), P90: us(p.P90), P99: us(p.P99), P999: us(p.P999), Max: us(p.Max)}
}

// replaySteps are the steps of a results file, for the steps table.
func replaySteps(res *reports.Results) []dashboards.StepStat {
	if len(res.Steps) == 0 {
		return nil
	}
	out := make([]dashboards.StepStat, len(res.Steps))
	for i, st := range res.Steps {
		us := func(ms float64) int64 { return int64(math.Round(ms * 1000)) }
		s := dashboards.StepStat{Flow: st.Flow, Step: st.Step, Requests: st.Requests, Errors: st.Errors,
			P50: us(st.LatencyMS.P50), P99: us(st.LatencyMS.P99), Checks: len(st.Checks)}
		for _, c := range st.Checks {
			s.ChecksPassed += c.Passes
			s.ChecksFailed += c.Fails
		}
		out[i] = s
	}
	return out
}

// replayVerdicts are the threshold verdicts of a results file.
func replayVerdicts(res *reports.Results) []dashboards.ThresholdStatus {
	if len(res.Thresholds) == 0 {
		return nil
	}
	out := make([]dashboards.ThresholdStatus, len(res.Thresholds))
	for i, v := range res.Thresholds {
		st := dashboards.ThresholdStatus{Expr: v.Threshold, Step: v.Step, State: dashboards.ThresholdFail}
		if v.Pass {
			st.State = dashboards.ThresholdPass
		}
		st.Value, _, _ = strings.Cut(v.Text, ", limit")
		out[i] = st
	}
	return out
}
