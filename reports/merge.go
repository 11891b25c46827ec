package reports

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// Named is a results document and where it came from, for messages.
type Named struct {
	Name string
	*Results
}

// ErrMixedRuns is returned when results that cannot form one run are
// merged: different models, segments of different splits, or the same
// segment twice.
var ErrMixedRuns = errors.New("results are not parts of one run")

// Merge combines the results of runs made side by side (the segments of
// a split load, or runs started together on several machines) into the
// results of one run, exactly:
//
//   - counters add; histograms add bucket by bucket, and every percentile
//     is computed again from the merged histograms;
//   - intervals are aligned on wall-clock time: each part's interval goes
//     to the slot of the merged timeline (from the earliest start, one
//     interval wide) that holds its middle, so parts started a little apart
//     still line up; totals do not depend on this;
//   - events keep their wall-clock time and say which part they came from;
//   - segments of one split restore the whole plan's load.
//
// Merge does not check thresholds: call Evaluate on the result. Missing
// segments are not an error here (see MissingSegments); duplicates are.
// The second result lists what a reader should know (plans that differ).
func Merge(version string, parts []Named) (*Results, []string, error) {
	if len(parts) == 0 {
		return nil, nil, errors.New("merge: no results to merge")
	}
	var notes []string
	if err := checkParts(parts); err != nil {
		return nil, nil, err
	}
	first := parts[0].Results
	out := &Results{
		SchemaVersion: SchemaVersion,
		Version:       version,
		Started:       first.Started,
		Ended:         first.Ended,
		Stopped:       "completed",
		Histograms:    map[string]string{},
		Events:        []engine.Event{},
	}
	for _, p := range parts {
		if p.Started.Before(out.Started) {
			out.Started = p.Started
		}
		if p.Ended.After(out.Ended) {
			out.Ended = p.Ended
		}
		if p.Stopped != "completed" && out.Stopped == "completed" {
			out.Stopped = p.Stopped
		}
		part := Part{Source: p.Name, Started: p.Started, Ended: p.Ended, Stopped: p.Stopped, Requests: p.Summary.Requests, Version: p.Version}
		if p.Segment != nil {
			seg := p.Segment.Segment
			part.Segment = &seg
		}
		out.Parts = append(out.Parts, part)
	}
	plan, planNotes := mergePlans(parts)
	out.Plan = plan
	notes = append(notes, planNotes...)

	hists, err := mergeHistograms(parts)
	if err != nil {
		return nil, nil, err
	}
	for name, h := range hists {
		out.Histograms[name] = encode(h)
	}
	out.Summary = mergeSummary(parts, hists, out.Ended.Sub(out.Started))
	if out.Steps, err = mergeSteps(parts); err != nil {
		return nil, nil, err
	}
	out.Intervals, err = mergeIntervals(parts, out.Started, out.Ended)
	if err != nil {
		return nil, nil, err
	}
	for i, p := range parts {
		shift := p.Started.Sub(out.Started)
		for _, e := range p.Events {
			e.At += shift
			e.Detail = joinDetail(partLabel(p, i), e.Detail)
			out.Events = append(out.Events, e)
		}
	}
	sort.SliceStable(out.Events, func(a, b int) bool { return out.Events[a].At < out.Events[b].At })
	return out, notes, nil
}

func partLabel(p Named, i int) string {
	if p.Segment != nil {
		return "segment " + p.Segment.Segment.String()
	}
	return fmt.Sprintf("part %d", i+1)
}

func joinDetail(label, detail string) string {
	if detail == "" {
		return label
	}
	return label + ": " + detail
}

// checkParts refuses sets of results that are not one run.
func checkParts(parts []Named) error {
	first := parts[0]
	seen := map[int]string{}
	for _, p := range parts {
		if p.Results == nil || p.Plan == nil {
			return fmt.Errorf("%s: %w: no plan in the results", p.Name, ErrMixedRuns)
		}
		if p.Summary.Model != first.Summary.Model {
			return fmt.Errorf("%w: %s ran the %s model, %s the %s model", ErrMixedRuns, first.Name, first.Summary.Model, p.Name, p.Summary.Model)
		}
		if (p.Segment == nil) != (first.Segment == nil) {
			return fmt.Errorf("%w: %s is a segment of a split run and %s is not", ErrMixedRuns, segmentedName(first, p), unsegmentedName(first, p))
		}
		if p.Segment == nil {
			continue
		}
		if p.Segment.Count != first.Segment.Count || !reflect.DeepEqual(p.Segment.WholeLoad, first.Segment.WholeLoad) {
			return fmt.Errorf("%w: %s (segment %s) and %s (segment %s) split different loads", ErrMixedRuns, first.Name, first.Segment.Segment, p.Name, p.Segment.Segment)
		}
		if prev, dup := seen[p.Segment.Index]; dup {
			return fmt.Errorf("%w: %s and %s are both segment %s", ErrMixedRuns, prev, p.Name, p.Segment.Segment)
		}
		seen[p.Segment.Index] = p.Name
	}
	return nil
}

func segmentedName(a, b Named) string {
	if a.Segment != nil {
		return a.Name
	}
	return b.Name
}

func unsegmentedName(a, b Named) string {
	if a.Segment == nil {
		return a.Name
	}
	return b.Name
}

// MissingSegments lists the segments (1-based) of a split run that the
// merged results lack; nil when the results are not of a split run.
func (r *Results) MissingSegments() []int {
	count := 0
	have := map[int]bool{}
	for _, p := range r.Parts {
		if p.Segment != nil {
			count = p.Segment.Count
			have[p.Segment.Index] = true
		}
	}
	var missing []int
	for i := 1; i <= count; i++ {
		if !have[i] {
			missing = append(missing, i)
		}
	}
	return missing
}

// mergePlans returns the plan of the merged run: the first part's, with
// the whole load restored (segments) or the loads added (side-by-side
// runs of the same plan).
func mergePlans(parts []Named) (*scenarios.Plan, []string) {
	var notes []string
	plan := *parts[0].Plan
	plan.Requests = append([]scenarios.Request(nil), plan.Requests...)
	if parts[0].Segment != nil {
		plan.Load = parts[0].Segment.WholeLoad
		plan.Load.Stages = append([]scenarios.Stage(nil), plan.Load.Stages...)
	} else {
		l := &plan.Load
		l.Stages = append([]scenarios.Stage(nil), l.Stages...)
		for _, p := range parts[1:] {
			o := p.Plan.Load
			l.VUs += o.VUs
			l.MaxVUs += o.MaxVUs
			l.Rate += o.Rate
			if len(o.Stages) == len(l.Stages) {
				for i := range l.Stages {
					l.Stages[i].Target += o.Stages[i].Target
				}
			}
		}
	}
	for _, p := range parts[1:] {
		if !reflect.DeepEqual(p.Plan.Requests, plan.Requests) {
			notes = append(notes, fmt.Sprintf("%s sent other requests than %s; the merged plan shows %s's", p.Name, parts[0].Name, parts[0].Name))
		}
	}
	return &plan, notes
}

// mergeHistograms adds the parts' whole-run histograms, by name.
func mergeHistograms(parts []Named) (map[string]*hdr.Histogram, error) {
	out := map[string]*hdr.Histogram{}
	for h := range metrics.NumHists {
		out[h.String()] = metrics.NewHistogram()
	}
	for _, p := range parts {
		for name, enc := range p.Histograms {
			h, err := decodeHist(enc)
			if err != nil {
				return nil, fmt.Errorf("%s: histogram %q: %w", p.Name, name, err)
			}
			dst, ok := out[name]
			if !ok {
				dst = metrics.NewHistogram()
				out[name] = dst
			}
			if dropped := dst.Merge(h); dropped > 0 {
				return nil, fmt.Errorf("%s: histogram %q: %d values outside 1 µs – 1 h", p.Name, name, dropped)
			}
		}
	}
	return out, nil
}

func mergeSummary(parts []Named, hists map[string]*hdr.Histogram, span time.Duration) Summary {
	s := Summary{
		DurationS:    round3(span.Seconds()),
		Model:        parts[0].Summary.Model,
		PhasesMS:     map[string]Percentiles{},
		Status:       map[string]uint64{},
		ErrorClasses: map[string]uint64{},
	}
	for _, p := range parts {
		q := p.Summary
		s.Requests += q.Requests
		s.Errors += q.Errors
		s.Dropped += q.Dropped
		s.Interrupted += q.Interrupted
		s.BytesIn += q.BytesIn
		s.BytesOut += q.BytesOut
		s.Connections += q.Connections
		s.MaxVUs += q.MaxVUs
		s.Simulated = s.Simulated || q.Simulated
		for k, n := range q.Status {
			s.Status[k] += n
		}
		for k, n := range q.ErrorClasses {
			s.ErrorClasses[k] += n
		}
	}
	if span > 0 {
		s.RPS = round3(float64(s.Requests) / span.Seconds())
	}
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	s.LatencyMS = PercentilesOf(hists[metrics.Latency.String()])
	s.ServiceMS = PercentilesOf(hists[metrics.Service.String()])
	s.TTFBMS = PercentilesOf(hists[metrics.TTFB.String()])
	s.LagMS = PercentilesOf(hists[metrics.Lag.String()])
	for _, h := range []metrics.Hist{metrics.DNS, metrics.Connect, metrics.TLS, metrics.TTFB} {
		s.PhasesMS[h.String()] = PercentilesOf(hists[h.String()])
	}
	return s
}

// slot is one interval of the merged timeline being filled.
type slot struct {
	stats IntervalStats
	lat   *hdr.Histogram
	svc   *hdr.Histogram
}

// intervalWidth is the parts' reporting interval: the most common
// interval length (the last interval of a run is usually shorter).
func intervalWidth(parts []Named) time.Duration {
	counts := map[float64]int{}
	best, bestN := 0.0, 0
	for _, p := range parts {
		for _, iv := range p.Intervals {
			counts[iv.DurationS]++
			if n := counts[iv.DurationS]; n > bestN || n == bestN && iv.DurationS > best {
				best, bestN = iv.DurationS, n
			}
		}
	}
	if best <= 0 {
		return time.Second
	}
	return time.Duration(best * float64(time.Second))
}

func mergeIntervals(parts []Named, start, end time.Time) ([]IntervalStats, error) {
	width := intervalWidth(parts)
	span := end.Sub(start)
	n := max(1, int(math.Ceil(float64(span)/float64(width)-1e-9)))
	slots := make([]slot, n)
	for _, p := range parts {
		for _, iv := range p.Intervals {
			ivEnd := p.Started.Add(time.Duration(iv.OffsetS * float64(time.Second)))
			mid := ivEnd.Add(-time.Duration(iv.DurationS * float64(time.Second) / 2))
			k := int(mid.Sub(start) / width)
			k = min(max(k, 0), n-1)
			sl := &slots[k]
			if sl.lat == nil {
				sl.lat, sl.svc = metrics.NewHistogram(), metrics.NewHistogram()
				sl.stats.Status = map[string]uint64{}
				sl.stats.ErrorClasses = map[string]uint64{}
			}
			st := &sl.stats
			st.Requests += iv.Requests
			st.Errors += iv.Errors
			st.Dropped += iv.Dropped
			st.BytesIn += iv.BytesIn
			for c, v := range iv.Status {
				st.Status[c] += v
			}
			for c, v := range iv.ErrorClasses {
				st.ErrorClasses[c] += v
			}
			for name, dst := range map[string]*hdr.Histogram{"latency": sl.lat, "service": sl.svc} {
				enc, ok := iv.Histograms[name]
				if !ok || enc == "" {
					continue
				}
				h, err := decodeHist(enc)
				if err != nil {
					return nil, fmt.Errorf("%s: interval at %gs: %w", p.Name, iv.OffsetS, err)
				}
				if dropped := dst.Merge(h); dropped > 0 {
					return nil, fmt.Errorf("%s: interval at %gs: %d values outside 1 µs – 1 h", p.Name, iv.OffsetS, dropped)
				}
			}
		}
	}
	out := make([]IntervalStats, 0, n)
	for k := range slots {
		sl := &slots[k]
		if sl.lat == nil {
			sl.lat, sl.svc = metrics.NewHistogram(), metrics.NewHistogram()
		}
		from := time.Duration(k) * width
		to := min(from+width, span)
		if k == n-1 {
			to = span
		}
		st := sl.stats
		st.DurationS = round3((to - from).Seconds())
		st.OffsetS = round3(to.Seconds())
		if st.DurationS > 0 {
			st.RPS = round3(float64(st.Requests) / st.DurationS)
		}
		if len(st.Status) == 0 {
			st.Status = nil
		}
		if len(st.ErrorClasses) == 0 {
			st.ErrorClasses = nil
		}
		st.LatencyMS = PercentilesOf(sl.lat)
		st.ServiceMS = PercentilesOf(sl.svc)
		st.Histograms = map[string]string{"latency": encode(sl.lat), "service": encode(sl.svc)}
		out = append(out, st)
	}
	return out, nil
}

// CheckedThresholds returns the thresholds checked on any of the runs
// (their verdicts' expressions and steps), each once, in the order first
// seen, parsed again.
func CheckedThresholds(rs ...*Results) ([]Threshold, error) {
	var out []Threshold
	seen := map[[2]string]bool{}
	for _, r := range rs {
		for _, v := range r.Thresholds {
			key := [2]string{v.Step, v.Threshold}
			if seen[key] {
				continue
			}
			seen[key] = true
			t, err := ParseThreshold(v.Threshold)
			if err != nil {
				return nil, fmt.Errorf("threshold recorded in the results: %w", err)
			}
			t.Step = v.Step
			out = append(out, t)
		}
	}
	return out, nil
}
