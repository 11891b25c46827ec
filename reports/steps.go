package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// StepStats is what one request step of a flow measured over the run.
type StepStats struct {
	Flow         string            `json:"flow"`
	Step         string            `json:"step"`
	Requests     uint64            `json:"requests"`
	Errors       uint64            `json:"errors"`
	Dropped      uint64            `json:"dropped,omitempty"`
	Interrupted  uint64            `json:"interrupted,omitempty"`
	BytesIn      uint64            `json:"bytes_in"`
	ErrorRate    float64           `json:"error_rate"`
	LatencyMS    Percentiles       `json:"latency_ms"`
	ServiceMS    Percentiles       `json:"service_ms"`
	TTFBMS       Percentiles       `json:"ttfb_ms"`
	Status       map[string]uint64 `json:"status,omitempty"`
	ErrorClasses map[string]uint64 `json:"error_classes,omitempty"`
	Checks       []CheckStats      `json:"checks,omitempty"`
	// ExtractFailures counts responses a required extraction found
	// nothing in.
	ExtractFailures uint64 `json:"extract_failures,omitempty"`
	// Browser-cache emulation: requests saved, revalidated (304), sent.
	CacheHits          uint64 `json:"cache_hits,omitempty"`
	CacheRevalidations uint64 `json:"cache_revalidations,omitempty"`
	CacheMisses        uint64 `json:"cache_misses,omitempty"`
	// Histograms of the step: latency, service and ttfb, encoded as the
	// run's are.
	Histograms map[string]string `json:"histograms"`
}

// CheckStats counts one check's outcomes.
type CheckStats struct {
	Name   string `json:"name"`
	Passes uint64 `json:"passes"`
	Fails  uint64 `json:"fails"`
}

// Name is "flow/step".
func (s *StepStats) Name() string { return s.Flow + "/" + s.Step }

var stepHists = []metrics.Hist{metrics.Latency, metrics.Service, metrics.TTFB}

func newStepStats(sr engine.StepResult) StepStats {
	tot := sr.Total
	if tot == nil {
		tot = metrics.NewInterval(time.Time{})
	}
	s := StepStats{
		Flow: sr.Flow, Step: sr.Step,
		Requests: tot.Requests, Errors: tot.Errors, Dropped: tot.Dropped, Interrupted: tot.Interrupted, BytesIn: tot.BytesIn,
		Status: statusMap(tot.Status), ErrorClasses: tot.ErrClasses,
		ExtractFailures: sr.ExtractFailures,
		CacheHits:       sr.CacheHits, CacheRevalidations: sr.CacheRevalidations, CacheMisses: sr.CacheMisses,
		Histograms: map[string]string{},
	}
	hists := map[string]*hdr.Histogram{}
	for _, h := range stepHists {
		hist := tot.Histogram(h)
		if hist == nil {
			hist = metrics.NewHistogram()
		}
		hists[h.String()] = hist
		s.Histograms[h.String()] = encode(hist)
	}
	for _, c := range sr.Checks {
		s.Checks = append(s.Checks, CheckStats{Name: c.Name, Passes: c.Passes, Fails: c.Fail})
	}
	s.finish(hists)
	return s
}

// finish computes what derives from the counters and histograms.
func (s *StepStats) finish(hists map[string]*hdr.Histogram) {
	if s.Requests > 0 {
		s.ErrorRate = float64(s.Errors) / float64(s.Requests)
	}
	s.LatencyMS = PercentilesOf(hists[metrics.Latency.String()])
	s.ServiceMS = PercentilesOf(hists[metrics.Service.String()])
	s.TTFBMS = PercentilesOf(hists[metrics.TTFB.String()])
}

// mergeSteps adds the steps of runs by flow and step name, exactly.
func mergeSteps(parts []Named) ([]StepStats, error) {
	type acc struct {
		s     StepStats
		hists map[string]*hdr.Histogram
		check map[string]int
	}
	byName := map[string]*acc{}
	var order []string
	for _, p := range parts {
		for _, st := range p.Steps {
			a, ok := byName[st.Name()]
			if !ok {
				a = &acc{s: StepStats{Flow: st.Flow, Step: st.Step, Status: map[string]uint64{}, ErrorClasses: map[string]uint64{}, Histograms: map[string]string{}},
					hists: map[string]*hdr.Histogram{}, check: map[string]int{}}
				for _, h := range stepHists {
					a.hists[h.String()] = metrics.NewHistogram()
				}
				byName[st.Name()] = a
				order = append(order, st.Name())
			}
			s := &a.s
			s.Requests += st.Requests
			s.Errors += st.Errors
			s.Dropped += st.Dropped
			s.Interrupted += st.Interrupted
			s.BytesIn += st.BytesIn
			s.ExtractFailures += st.ExtractFailures
			s.CacheHits += st.CacheHits
			s.CacheRevalidations += st.CacheRevalidations
			s.CacheMisses += st.CacheMisses
			for k, n := range st.Status {
				s.Status[k] += n
			}
			for k, n := range st.ErrorClasses {
				s.ErrorClasses[k] += n
			}
			for _, c := range st.Checks {
				i, ok := a.check[c.Name]
				if !ok {
					i = len(s.Checks)
					a.check[c.Name] = i
					s.Checks = append(s.Checks, CheckStats{Name: c.Name})
				}
				s.Checks[i].Passes += c.Passes
				s.Checks[i].Fails += c.Fails
			}
			for name, enc := range st.Histograms {
				h, err := decodeHist(enc)
				if err != nil {
					return nil, fmt.Errorf("%s: step %s: histogram %q: %w", p.Name, st.Name(), name, err)
				}
				dst, ok := a.hists[name]
				if !ok {
					dst = metrics.NewHistogram()
					a.hists[name] = dst
				}
				if dropped := dst.Merge(h); dropped > 0 {
					return nil, fmt.Errorf("%s: step %s: %d values outside 1 µs – 1 h", p.Name, st.Name(), dropped)
				}
			}
		}
	}
	out := make([]StepStats, 0, len(order))
	for _, name := range order {
		a := byName[name]
		for h, hist := range a.hists {
			a.s.Histograms[h] = encode(hist)
		}
		a.s.finish(a.hists)
		out = append(out, a.s)
	}
	return out, nil
}

// measure is what a selector reads: the whole run, or some of its steps.
type measure struct {
	hist                                  func(name string) (*hdr.Histogram, error)
	requests, errors, dropped, interrupts uint64
	rps                                   float64
}

func runMeasure(r *Results) measure {
	return measure{
		hist:     r.Histogram,
		requests: r.Summary.Requests, errors: r.Summary.Errors, dropped: r.Summary.Dropped, interrupts: r.Summary.Interrupted,
		rps: r.Summary.RPS,
	}
}

// stepMeasure gathers the steps a threshold's step names: "flow/step", or
// "step" in every flow that has it.
func stepMeasure(r *Results, step string) (measure, error) {
	var picked []*StepStats
	for i := range r.Steps {
		st := &r.Steps[i]
		if st.Name() == step || !strings.Contains(step, "/") && st.Step == step {
			picked = append(picked, st)
		}
	}
	if len(picked) == 0 {
		names := make([]string, len(r.Steps))
		for i := range r.Steps {
			names[i] = r.Steps[i].Name()
		}
		sort.Strings(names)
		if len(names) == 0 {
			return measure{}, fmt.Errorf("no step %q: the run has no per-step results", step)
		}
		return measure{}, fmt.Errorf("no step %q in the run (steps: %s)", step, strings.Join(names, ", "))
	}
	m := measure{}
	cache := map[string]*hdr.Histogram{}
	for _, st := range picked {
		m.requests += st.Requests
		m.errors += st.Errors
		m.dropped += st.Dropped
		m.interrupts += st.Interrupted
	}
	if d := r.Summary.DurationS; d > 0 {
		m.rps = float64(m.requests) / d
	}
	m.hist = func(name string) (*hdr.Histogram, error) {
		if h, ok := cache[name]; ok {
			return h, nil
		}
		out := metrics.NewHistogram()
		for _, st := range picked {
			enc, ok := st.Histograms[name]
			if !ok {
				return nil, fmt.Errorf("steps keep latency, service and ttfb histograms, not %q", name)
			}
			h, err := decodeHist(enc)
			if err != nil {
				return nil, err
			}
			out.Merge(h)
		}
		cache[name] = out
		return out, nil
	}
	return m, nil
}

// flowRequests maps "flow/step" to the step's request in the plan, for
// the report's step table.
func flowRequests(p *scenarios.Plan) map[string]*scenarios.StepRequest {
	out := map[string]*scenarios.StepRequest{}
	var walk func(flow string, steps []scenarios.Step)
	walk = func(flow string, steps []scenarios.Step) {
		for i := range steps {
			st := &steps[i]
			if st.Request != nil {
				out[flow+"/"+st.Name] = st.Request
			}
			if st.Group != nil {
				walk(flow, st.Group.Steps)
			}
		}
	}
	if p != nil {
		for _, f := range p.Flows {
			walk(f.Name, f.Steps)
		}
	}
	return out
}
