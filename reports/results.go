// Package reports turns measured runs into what people and machines read:
// the terminal summary and the versioned results file.
package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// SchemaVersion is the version of the results file format; see
// docs/results-schema.md. It changes only when a field changes meaning or
// goes away; new fields do not change it.
const SchemaVersion = 1

// Results is the results file: the plan, the summary, the per-interval
// series and the full histograms (HdrHistogram V2 compressed, base64), so
// that runs can be merged and reported on later.
type Results struct {
	SchemaVersion int             `json:"schema_version"`
	Version       string          `json:"stampede_version"`
	Plan          *scenarios.Plan `json:"plan"`
	Started       time.Time       `json:"started"`
	Ended         time.Time       `json:"ended"`
	Stopped       string          `json:"stopped"`
	Summary       Summary         `json:"summary"`
	Intervals     []IntervalStats `json:"intervals"`
	// Events are the pauses, scalings and stops made by hand during the
	// run; at is in nanoseconds from the start.
	Events []engine.Event `json:"events"`
	// Histograms are the whole run's, by name (latency, service, ttfb,
	// scheduler_lag, dns, connect, tls), in microseconds.
	Histograms map[string]string `json:"histograms"`
	// Segment is set when the run did one part of a split load
	// (--segment i/n): which part, and the whole plan's load.
	Segment *SegmentInfo `json:"segment,omitempty"`
	// Parts lists the runs a merged results file was made from.
	Parts []Part `json:"parts,omitempty"`
	// Thresholds are the verdicts of the thresholds checked on the run
	// (merged: on the whole); merge checks their expressions again.
	Thresholds []Verdict `json:"thresholds,omitempty"`
	// Backends is how a bundled balancer in front of the target spread
	// the run's requests, read from its stats after the run.
	Backends []BackendShare `json:"backends,omitempty"`
	// Steps are the per-step measures of a plan with flows.
	Steps []StepStats `json:"steps,omitempty"`
}

// SegmentInfo says which part of a split load a run did.
type SegmentInfo struct {
	scenarios.Segment
	// WholeLoad is the load of the plan before it was split.
	WholeLoad scenarios.Load `json:"whole_load"`
}

// Part is one run merged into a results file.
type Part struct {
	// Source is the file the part was read from.
	Source   string             `json:"source"`
	Segment  *scenarios.Segment `json:"segment,omitempty"`
	Started  time.Time          `json:"started"`
	Ended    time.Time          `json:"ended"`
	Stopped  string             `json:"stopped"`
	Requests uint64             `json:"requests"`
	Version  string             `json:"stampede_version"`
}

// Summary holds the run's totals.
type Summary struct {
	DurationS   float64 `json:"duration_s"`
	Requests    uint64  `json:"requests"`
	Errors      uint64  `json:"errors"`
	Dropped     uint64  `json:"dropped"`
	Interrupted uint64  `json:"interrupted"`
	RPS         float64 `json:"rps"`
	ErrorRate   float64 `json:"error_rate"`
	BytesIn     uint64  `json:"bytes_in"`
	BytesOut    uint64  `json:"bytes_out"`
	Connections uint64  `json:"connections"`
	MaxVUs      int     `json:"max_vus"`
	Model       string  `json:"model"`
	// LatencyMS runs from the intended start (open model) to the last
	// byte; ServiceMS from the actual send.
	LatencyMS    Percentiles            `json:"latency_ms"`
	ServiceMS    Percentiles            `json:"service_ms"`
	TTFBMS       Percentiles            `json:"ttfb_ms"`
	LagMS        Percentiles            `json:"scheduler_lag_ms"`
	PhasesMS     map[string]Percentiles `json:"phases_ms"`
	Status       map[string]uint64      `json:"status"`
	ErrorClasses map[string]uint64      `json:"error_classes"`
	Simulated    bool                   `json:"simulated"`
}

// Percentiles of one histogram, in milliseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	Stdev float64 `json:"stdev"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
}

// IntervalStats is one reporting interval.
type IntervalStats struct {
	// OffsetS is the end of the interval in seconds from the start.
	OffsetS      float64           `json:"t_s"`
	DurationS    float64           `json:"duration_s"`
	Requests     uint64            `json:"requests"`
	Errors       uint64            `json:"errors"`
	Dropped      uint64            `json:"dropped"`
	RPS          float64           `json:"rps"`
	BytesIn      uint64            `json:"bytes_in"`
	LatencyMS    Percentiles       `json:"latency_ms"`
	ServiceMS    Percentiles       `json:"service_ms"`
	Status       map[string]uint64 `json:"status,omitempty"`
	ErrorClasses map[string]uint64 `json:"error_classes,omitempty"`
	// Histograms of the interval: latency and service, encoded.
	Histograms map[string]string `json:"histograms"`
}

// PercentilesOf reads a microsecond histogram as milliseconds.
func PercentilesOf(h *hdr.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	ms := func(us int64) float64 { return round3(float64(us) / 1000) }
	return Percentiles{
		Count: h.TotalCount(),
		Min:   ms(h.Min()),
		Mean:  round3(h.Mean() / 1000),
		Stdev: round3(h.StdDev() / 1000),
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P95:   ms(h.ValueAtQuantile(95)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		P9999: ms(h.ValueAtQuantile(99.99)),
		Max:   ms(h.Max()),
	}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func encode(h *hdr.Histogram) string {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		// Encoding a histogram we built cannot fail short of a bug.
		panic(fmt.Sprintf("encoding histogram: %v", err))
	}
	return string(b)
}

func statusMap(m map[int]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}

// SummaryOf computes the summary of a total interval.
func SummaryOf(tot *metrics.Interval, maxVUs int, open bool) Summary {
	s := Summary{
		DurationS:    round3(tot.Duration().Seconds()),
		Requests:     tot.Requests,
		Errors:       tot.Errors,
		Dropped:      tot.Dropped,
		Interrupted:  tot.Interrupted,
		RPS:          round3(tot.RPS()),
		BytesIn:      tot.BytesIn,
		BytesOut:     tot.BytesOut,
		Connections:  tot.Connections,
		MaxVUs:       maxVUs,
		Model:        "closed",
		LatencyMS:    PercentilesOf(tot.Hists[metrics.Latency]),
		ServiceMS:    PercentilesOf(tot.Hists[metrics.Service]),
		TTFBMS:       PercentilesOf(tot.Hists[metrics.TTFB]),
		LagMS:        PercentilesOf(tot.Hists[metrics.Lag]),
		PhasesMS:     map[string]Percentiles{},
		Status:       statusMap(tot.Status),
		ErrorClasses: tot.ErrClasses,
	}
	if open {
		s.Model = "open"
	}
	if tot.Requests > 0 {
		s.ErrorRate = float64(tot.Errors) / float64(tot.Requests)
	}
	for _, h := range []metrics.Hist{metrics.DNS, metrics.Connect, metrics.TLS, metrics.TTFB} {
		s.PhasesMS[h.String()] = PercentilesOf(tot.Hists[h])
	}
	return s
}

// NewResults builds the results document of a finished run.
func NewResults(res *engine.Result, version string) *Results {
	r := &Results{
		SchemaVersion: SchemaVersion,
		Version:       version,
		Plan:          res.Plan,
		Started:       res.Start.UTC(),
		Ended:         res.End.UTC(),
		Stopped:       res.Stopped,
		Summary:       SummaryOf(res.Total, res.MaxVUsUsed, res.Plan.Load.Open()),
		Histograms:    map[string]string{},
		Events:        res.Events,
	}
	if r.Events == nil {
		r.Events = []engine.Event{}
	}
	for h := range metrics.NumHists {
		r.Histograms[h.String()] = encode(res.Total.Hists[h])
	}
	for _, sr := range res.Steps {
		r.Steps = append(r.Steps, newStepStats(sr))
	}
	for _, iv := range res.Intervals {
		lat, svc := iv.Histogram(metrics.Latency), iv.Histogram(metrics.Service)
		if lat == nil || svc == nil {
			lat, svc = metrics.NewHistogram(), metrics.NewHistogram()
		}
		r.Intervals = append(r.Intervals, IntervalStats{
			OffsetS:      round3(iv.End.Sub(res.Start).Seconds()),
			DurationS:    round3(iv.Duration().Seconds()),
			Requests:     iv.Requests,
			Errors:       iv.Errors,
			Dropped:      iv.Dropped,
			RPS:          round3(iv.RPS()),
			BytesIn:      iv.BytesIn,
			LatencyMS:    PercentilesOf(lat),
			ServiceMS:    PercentilesOf(svc),
			Status:       statusMap(iv.Status),
			ErrorClasses: iv.ErrClasses,
			Histograms: map[string]string{
				metrics.Latency.String(): encode(lat),
				metrics.Service.String(): encode(svc),
			},
		})
	}
	return r
}

// WriteJSON writes the results document, indented.
func (r *Results) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadResults reads a results document and checks its version.
func ReadResults(rd io.Reader) (*Results, error) {
	var r Results
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("reading results: %w", err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("results schema_version %d, this stampede reads %d", r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}

// Histogram decodes one of the run's histograms by name.
func (r *Results) Histogram(name string) (*hdr.Histogram, error) {
	s, ok := r.Histograms[name]
	if !ok {
		return nil, fmt.Errorf("results have no %q histogram", name)
	}
	return decodeHist(s)
}

func decodeHist(s string) (*hdr.Histogram, error) { return hdr.Decode([]byte(s)) }
