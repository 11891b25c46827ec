package reports

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// The chart library (uPlot, MIT; see assets/README.md) and the report's
// own page, script and style, embedded so that a report is one file that
// works offline and the build never needs npm.
var (
	//go:embed assets/uPlot.iife.min.js
	uplotJS string
	//go:embed assets/uPlot.min.css
	uplotCSS string
	//go:embed web/report.html
	pageHTML string
	//go:embed web/report.js
	reportJS string
	//go:embed web/prelude.js
	preludeJS string
	//go:embed web/report.css
	reportCSS string
)

var pageTmpl = template.Must(template.New("report").Parse(pageHTML))

// The page's one script and one style sheet, and the Content Security
// Policy that lets only them run: no other script, no request of any kind
// (default-src 'none'), so nothing in the data can execute or phone home.
var (
	pageScript = preludeJS + "\n" + uplotJS + "\n" + reportJS
	pageStyle  = uplotCSS + "\n" + reportCSS
	pageCSP    = "default-src 'none'; script-src '" + cspHash(pageScript) + "'; style-src '" + cspHash(pageStyle) +
		"'; img-src data:; base-uri 'none'; form-action 'none'"
)

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// HTMLOptions tune WriteHTML.
type HTMLOptions struct {
	// Title of the page; by default from the scenario name(s).
	Title string
	// Version is the stampede that writes the report.
	Version string
	// Generated is the time shown as the report's date (default now).
	Generated time.Time
}

// WriteHTML writes a self-contained HTML report of one run, or of several
// side by side (each compared with the first). Everything that came from
// the user or the target (names, URLs, headers, status and error text) is
// escaped by html/template; the chart data travels as a JSON block that
// the page's script parses and draws, never as markup.
func WriteHTML(w io.Writer, runs []Named, opts HTMLOptions) error {
	if len(runs) == 0 {
		return fmt.Errorf("report: no results")
	}
	if opts.Generated.IsZero() {
		opts.Generated = time.Now()
	}
	page := htmlPage{
		Title:     opts.Title,
		Version:   opts.Version,
		Generated: opts.Generated.UTC().Format("2006-01-02 15:04:05 UTC"),
		Script:    template.JS(pageScript),
		Style:     template.CSS(pageStyle),
		CSP:       pageCSP,
	}
	if page.Title == "" {
		page.Title = defaultTitle(runs)
	}
	specX := spectrumGrid(runs)
	page.Data.SpecX = specX
	for i, r := range runs {
		rv, err := newRunView(i, r)
		if err != nil {
			return err
		}
		page.Runs = append(page.Runs, rv)
		series, err := newRunSeries(r, specX)
		if err != nil {
			return err
		}
		page.Data.Runs = append(page.Data.Runs, series)
	}
	if len(runs) > 1 {
		c, err := Compare(runs)
		if err != nil {
			return err
		}
		page.Compare = c
		page.OverviewKeys = overviewKeys
	}
	return pageTmpl.Execute(w, page)
}

func defaultTitle(runs []Named) string {
	if len(runs) == 1 {
		name := "run"
		if runs[0].Plan != nil && runs[0].Plan.Name != "" {
			name = runs[0].Plan.Name
		}
		return "stampede report: " + name
	}
	labels := make([]string, len(runs))
	for i, r := range runs {
		labels[i] = r.Name
	}
	return "stampede comparison: " + strings.Join(labels, " vs ")
}

type htmlPage struct {
	Title, Version, Generated string
	Runs                      []runView
	Compare                   *Comparison
	OverviewKeys              []string
	Data                      chartData
	Script                    template.JS
	Style                     template.CSS
	CSP                       string
}

type runView struct {
	ID, Label, Name string
	Meta, Totals    [][2]string
	Overview        []string
	Verdicts        []Verdict
	Percentiles     []pctRow
	Phases          []pctRow
	Status          []countRow
	ErrorClasses    []countRow
	Requests        []scenarios.Request
	Events          []eventRow
	Parts           []Part
	Notes           []string
	LatencyNote     string
	Flows           []flowRow
	Steps           []stepRow
	Checks          []checkRow
	Backends        []backendRow
}

type backendRow struct {
	Pool, ID, Requests, Share, Errors, P50, P99, Health string
}

type flowRow struct {
	Name                                   string
	Steps, Requests, Errors, P50, P99, Max string
}

type stepRow struct {
	Flow, Step, Method, URL                     string
	Requests, Errors, P50, P90, P99, Max, Cache string
}

type checkRow struct {
	Step, Check, Passes, Fails, Share string
	Failed                            bool
}

type pctRow struct {
	Name  string
	Cells []string
}

type countRow struct {
	Key, Count, Share string
}

type eventRow struct {
	At, Kind, Detail string
}

var overviewKeys = []string{"scenario", "target", "load", "started", "duration", "requests", "throughput", "error rate", "p50", "p99", "p99.9", "max", "thresholds"}

func pctCells(q Percentiles) []string {
	return []string{ms(q.P50), ms(q.P90), ms(q.P95), ms(q.P99), ms(q.P999), ms(q.P9999), ms(q.Max), ms(q.Mean), ms(q.Stdev), strconv.FormatInt(q.Count, 10)}
}

func percent(n, of uint64) string {
	if of == 0 {
		return "—"
	}
	return strconv.FormatFloat(100*float64(n)/float64(of), 'f', 2, 64) + "%"
}

// loadDescription says what load the plan asked for, in words.
func loadDescription(p *scenarios.Plan) string {
	l := p.Load
	stages := ""
	if n := len(l.Stages); n > 0 {
		peak := l.Rate
		for _, s := range l.Stages {
			peak = math.Max(peak, s.Target)
		}
		if l.Open() {
			stages = fmt.Sprintf(", %d stages up to %s requests/s", n, trimNum(round3(peak)))
		} else {
			stages = fmt.Sprintf(", %d stages up to %s VUs", n, trimNum(peak))
		}
	}
	switch {
	case l.Open() && len(l.Stages) > 0:
		return fmt.Sprintf("open model (%s) from %s requests/s%s, %d–%d VUs", l.Executor, trimNum(round3(l.Rate)), stages, l.VUs, l.MaxVUs)
	case l.Open():
		return fmt.Sprintf("open model (%s) %s requests/s, %d–%d VUs", l.Executor, trimNum(round3(l.Rate)), l.VUs, l.MaxVUs)
	case len(l.Stages) > 0:
		return fmt.Sprintf("closed model (%s) from %d VUs%s", l.Executor, l.VUs, stages)
	default:
		return fmt.Sprintf("closed model (%s) %d VUs", l.Executor, l.VUs)
	}
}

func protocolOf(p *scenarios.Plan) string {
	u := p.BaseURL
	if len(p.Requests) > 0 {
		u = p.Requests[0].URL
	}
	if strings.HasPrefix(strings.ToLower(u), "https:") {
		return "HTTP/1.1 over TLS"
	}
	return "HTTP/1.1"
}

func fmtOffset(d time.Duration) string {
	s := d.Seconds()
	m := math.Floor(s / 60)
	return fmt.Sprintf("%d:%04.1f", int(m), s-60*m)
}

func newRunView(i int, r Named) (runView, error) {
	if r.Plan == nil {
		return runView{}, fmt.Errorf("%s: results without a plan", r.Name)
	}
	s := r.Summary
	p := r.Plan
	v := runView{
		ID:       fmt.Sprintf("run-%d", i+1),
		Label:    r.Name,
		Name:     p.Name,
		Verdicts: r.Thresholds,
		Requests: p.Requests,
		Parts:    r.Parts,
	}
	if v.Name == "" {
		v.Name = "(unnamed scenario)"
	}
	dur := r.Ended.Sub(r.Started)
	v.Meta = [][2]string{
		{"scenario", p.Name},
		{"source", p.Source},
		{"target", target(r.Results)},
		{"protocol", protocolOf(p)},
		{"load", loadDescription(p)},
		{"planned", fmt.Sprintf("%s of load, then up to %s grace", p.Load.Total(), p.Load.Grace)},
		{"started", r.Started.UTC().Format(time.RFC3339)},
		{"ended", r.Ended.UTC().Format(time.RFC3339)},
		{"duration", dur.Round(time.Millisecond).String()},
		{"stopped", r.Stopped},
		{"stampede", r.Version},
	}
	if r.Segment != nil {
		v.Meta = append(v.Meta, [2]string{"segment", r.Segment.Segment.String() + " of a split run"})
	}
	if len(r.Parts) > 0 {
		v.Meta = append(v.Meta, [2]string{"merged from", fmt.Sprintf("%d results files", len(r.Parts))})
	}
	v.Totals = [][2]string{
		{"requests", strconv.FormatUint(s.Requests, 10)},
		{"errors", fmt.Sprintf("%d (%s)", s.Errors, percent(s.Errors, s.Requests))},
		{"dropped", strconv.FormatUint(s.Dropped, 10)},
		{"interrupted", strconv.FormatUint(s.Interrupted, 10)},
		{"throughput", strconv.FormatFloat(s.RPS, 'f', 1, 64) + " requests/s"},
		{"data in", bytesHuman(s.BytesIn)},
		{"data out", bytesHuman(s.BytesOut)},
		{"connections opened", strconv.FormatUint(s.Connections, 10)},
		{"most VUs", strconv.Itoa(s.MaxVUs)},
	}
	latName := "latency"
	v.LatencyNote = "Closed model: latency runs from when a VU sent its request to the last byte of the answer; a stalled target holds its VUs back, so stalls weigh little here (use the open model, --rate, to see them)."
	if s.Model == "open" {
		latName = "latency (from schedule)"
		v.LatencyNote = "Open model: latency runs from each request's intended start on the arrival schedule to the last byte, so a stall counts for every request it delayed, as users feel it; service time runs from the actual send."
	}
	for _, row := range []struct {
		name string
		q    Percentiles
	}{{latName, s.LatencyMS}, {"service (from send)", s.ServiceMS}, {"time to first byte", s.TTFBMS}, {"scheduler lag", s.LagMS}} {
		if row.q.Count > 0 {
			v.Percentiles = append(v.Percentiles, pctRow{row.name, pctCells(row.q)})
		}
	}
	for _, ph := range []string{"dns", "connect", "tls", "ttfb"} {
		if q := s.PhasesMS[ph]; q.Count > 0 {
			v.Phases = append(v.Phases, pctRow{ph, pctCells(q)})
		}
	}
	var answers uint64
	for _, n := range s.Status {
		answers += n
	}
	codes := sortedKeys(s.Status)
	sort.SliceStable(codes, func(a, b int) bool {
		ia, ea := strconv.Atoi(codes[a])
		ib, eb := strconv.Atoi(codes[b])
		if ea == nil && eb == nil {
			return ia < ib
		}
		return codes[a] < codes[b]
	})
	for _, c := range codes {
		v.Status = append(v.Status, countRow{c, strconv.FormatUint(s.Status[c], 10), percent(s.Status[c], answers)})
	}
	for _, c := range sortedKeys(s.ErrorClasses) {
		v.ErrorClasses = append(v.ErrorClasses, countRow{c, strconv.FormatUint(s.ErrorClasses[c], 10), percent(s.ErrorClasses[c], s.Requests)})
	}
	for _, e := range r.Events {
		v.Events = append(v.Events, eventRow{fmtOffset(e.At), e.Kind, e.Detail})
	}
	for _, b := range r.Backends {
		health := "healthy"
		if !b.Healthy {
			health = "down"
		}
		v.Backends = append(v.Backends, backendRow{Pool: b.Pool, ID: b.ID, Requests: fmt.Sprint(b.Requests),
			Share: fmt.Sprintf("%.1f%%", 100*b.Share), Errors: fmt.Sprint(b.Errors), P50: ms(b.P50MS), P99: ms(b.P99MS), Health: health})
	}
	if err := v.addSteps(r.Results); err != nil {
		return v, fmt.Errorf("%s: %w", r.Name, err)
	}
	if r.Stopped != "" && r.Stopped != "completed" {
		v.Notes = append(v.Notes, "The run stopped early ("+r.Stopped+"): its numbers cover only part of the plan.")
	}
	if m := r.MissingSegments(); len(m) > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("Segments missing from this merge: %v of %d.", m, r.Parts[0].Segment.Count))
	}
	if s.Dropped > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%d arrivals were dropped: no VU was free within max_backlog.", s.Dropped))
	}
	thr := "none"
	if n := len(r.Thresholds); n > 0 {
		failed := 0
		for _, vd := range r.Thresholds {
			if !vd.Pass {
				failed++
			}
		}
		thr = fmt.Sprintf("%d of %d passed", n-failed, n)
	}
	v.Overview = []string{p.Name, target(r.Results), loadDescription(p), r.Started.UTC().Format(time.RFC3339), dur.Round(time.Millisecond).String(),
		strconv.FormatUint(s.Requests, 10), strconv.FormatFloat(s.RPS, 'f', 1, 64) + "/s", percent(s.Errors, s.Requests),
		ms(s.LatencyMS.P50), ms(s.LatencyMS.P99), ms(s.LatencyMS.P999), ms(s.LatencyMS.Max), thr}
	return v, nil
}

// chartData is what the page's script draws; it travels as JSON.
type chartData struct {
	// SpecX is the x of every percentile spectrum: 1/(1−q), log-spaced.
	SpecX []float64   `json:"specX"`
	Runs  []runSeries `json:"runs"`
}

type runSeries struct {
	Label string `json:"label"`
	// T is the end of each interval in seconds from the start; RPS, Err
	// and Drop are per second over the interval.
	T    []float64 `json:"t"`
	RPS  []float64 `json:"rps"`
	Err  []float64 `json:"err"`
	Drop []float64 `json:"drop"`
	// Lat holds p50, p90, p99, p999 and max of each interval, in ms.
	Lat    map[string][]float64 `json:"lat"`
	Spec   spectrum             `json:"spec"`
	Events []eventPoint         `json:"events"`
}

type spectrum struct {
	Lat []float64 `json:"lat"`
	Svc []float64 `json:"svc"`
}

type eventPoint struct {
	T    float64 `json:"t"`
	Kind string  `json:"kind"`
}

// spectrumGrid is the x axis of the spectra: 1/(1−q) from 1 (q = 0) to
// the largest count among the runs (beyond it every percentile is the
// maximum), at most 10⁶ (the 99.9999th percentile), 20 points a decade.
func spectrumGrid(runs []Named) []float64 {
	var most uint64 = 10
	for _, r := range runs {
		most = max(most, r.Summary.LatencyMS.countU(), r.Summary.ServiceMS.countU())
	}
	top := math.Min(6, math.Ceil(math.Log10(float64(most))))
	var xs []float64
	for k := 0; float64(k) <= top*20+1e-9; k++ {
		xs = append(xs, round3(math.Pow(10, float64(k)/20)))
	}
	return xs
}

func (q Percentiles) countU() uint64 { return uint64(max(q.Count, 0)) }

func newRunSeries(r Named, specX []float64) (runSeries, error) {
	s := runSeries{Label: r.Name, Lat: map[string][]float64{}, Events: []eventPoint{}}
	n := len(r.Intervals)
	s.T, s.RPS, s.Err, s.Drop = make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n), make([]float64, 0, n)
	keys := []string{"p50", "p90", "p99", "p999", "max"}
	for _, k := range keys {
		s.Lat[k] = make([]float64, 0, n)
	}
	for _, iv := range r.Intervals {
		perSec := func(c uint64) float64 {
			if iv.DurationS <= 0 {
				return 0
			}
			return round3(float64(c) / iv.DurationS)
		}
		s.T = append(s.T, iv.OffsetS)
		s.RPS = append(s.RPS, iv.RPS)
		s.Err = append(s.Err, perSec(iv.Errors))
		s.Drop = append(s.Drop, perSec(iv.Dropped))
		q := iv.LatencyMS
		for k, val := range map[string]float64{"p50": q.P50, "p90": q.P90, "p99": q.P99, "p999": q.P999, "max": q.Max} {
			s.Lat[k] = append(s.Lat[k], val)
		}
	}
	for _, e := range r.Events {
		s.Events = append(s.Events, eventPoint{T: round3(e.At.Seconds()), Kind: e.Kind})
	}
	for _, which := range []struct {
		name string
		dst  *[]float64
	}{{"latency", &s.Spec.Lat}, {"service", &s.Spec.Svc}} {
		h, err := r.Histogram(which.name)
		if err != nil {
			return s, fmt.Errorf("%s: %w", r.Name, err)
		}
		out := make([]float64, len(specX))
		if h.TotalCount() > 0 {
			for i, x := range specX {
				out[i] = round3(float64(h.ValueAtQuantile(100*(1-1/x))) / 1000)
			}
		}
		*which.dst = out
	}
	return s, nil
}

// addSteps fills the per-flow, per-step and check tables of a run with
// flows.
func (v *runView) addSteps(r *Results) error {
	if len(r.Steps) == 0 {
		return nil
	}
	reqs := flowRequests(r.Plan)
	type flowAcc struct {
		steps, requests, errors uint64
		lat                     *hdr.Histogram
	}
	flows := map[string]*flowAcc{}
	var order []string
	for i := range r.Steps {
		st := &r.Steps[i]
		row := stepRow{Flow: st.Flow, Step: st.Step,
			Requests: strconv.FormatUint(st.Requests, 10),
			Errors:   fmt.Sprintf("%d (%s)", st.Errors, percent(st.Errors, st.Requests)),
			P50:      ms(st.LatencyMS.P50), P90: ms(st.LatencyMS.P90), P99: ms(st.LatencyMS.P99), Max: ms(st.LatencyMS.Max)}
		if q := reqs[st.Name()]; q != nil {
			row.Method, row.URL = q.Method, q.URL.Raw
		}
		if n := st.CacheHits + st.CacheRevalidations + st.CacheMisses; n > 0 {
			row.Cache = fmt.Sprintf("%d hits, %d revalidated, %d sent", st.CacheHits, st.CacheRevalidations, st.CacheMisses)
		}
		v.Steps = append(v.Steps, row)
		for _, ck := range st.Checks {
			v.Checks = append(v.Checks, checkRow{Step: st.Name(), Check: ck.Name,
				Passes: strconv.FormatUint(ck.Passes, 10), Fails: strconv.FormatUint(ck.Fails, 10),
				Share: percent(ck.Passes, ck.Passes+ck.Fails), Failed: ck.Fails > 0})
		}
		f, ok := flows[st.Flow]
		if !ok {
			f = &flowAcc{lat: metrics.NewHistogram()}
			flows[st.Flow] = f
			order = append(order, st.Flow)
		}
		f.steps++
		f.requests += st.Requests
		f.errors += st.Errors
		h, err := decodeHist(st.Histograms["latency"])
		if err != nil {
			return fmt.Errorf("step %s: %w", st.Name(), err)
		}
		f.lat.Merge(h)
	}
	for _, name := range order {
		f := flows[name]
		q := PercentilesOf(f.lat)
		v.Flows = append(v.Flows, flowRow{Name: name, Steps: strconv.FormatUint(f.steps, 10),
			Requests: strconv.FormatUint(f.requests, 10), Errors: fmt.Sprintf("%d (%s)", f.errors, percent(f.errors, f.requests)),
			P50: ms(q.P50), P99: ms(q.P99), Max: ms(q.Max)})
	}
	return nil
}
