package reports

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// splitRun records one stream of samples twice: all of it into one run,
// and sample j into segment j mod n, whose run starts offsets[k] later.
// It returns the whole run and the segments, read back from JSON as merge
// would read them.
func splitRun(t *testing.T, n int, offsets []time.Duration) (*Results, []Named) {
	t.Helper()
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	whole := scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 1000, VUs: 8, MaxVUs: 40, Duration: 10 * time.Second, Grace: time.Second}
	plan := func(l scenarios.Load) *scenarios.Plan {
		return &scenarios.Plan{Name: "split", Requests: []scenarios.Request{{Method: "GET", URL: "http://127.0.0.1:1/"}}, Load: l}
	}
	newRes := func(start time.Time, l scenarios.Load) *engine.Result {
		return &engine.Result{Plan: plan(l), Start: start, End: start.Add(10 * time.Second), Total: metrics.NewInterval(start), Stopped: "completed", MaxVUsUsed: l.VUs}
	}
	all := newRes(base, whole)
	segs := make([]*engine.Result, n)
	for k := range segs {
		l, err := scenarios.SplitLoad(whole, scenarios.Segment{Index: k + 1, Count: n})
		if err != nil {
			t.Fatal(err)
		}
		segs[k] = newRes(base.Add(offsets[k]), l)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 10 {
		ivAll := metrics.NewInterval(base.Add(time.Duration(i) * time.Second))
		ivAll.End = ivAll.Start.Add(time.Second)
		ivSeg := make([]*metrics.Interval, n)
		for k := range ivSeg {
			ivSeg[k] = metrics.NewInterval(segs[k].Start.Add(time.Duration(i) * time.Second))
			ivSeg[k].End = ivSeg[k].Start.Add(time.Second)
		}
		for j := range 1000 {
			lat := int64(200 + r.ExpFloat64()*3000)
			if j%97 == 0 {
				lat *= 40 // a tail
			}
			code := 200
			if j%250 == 0 {
				code = 500
			}
			for _, iv := range []*metrics.Interval{ivAll, ivSeg[j%n]} {
				iv.Hists[metrics.Latency].RecordValue(lat)
				iv.Hists[metrics.Service].RecordValue(lat / 2)
				iv.Hists[metrics.TTFB].RecordValue(lat / 3)
				iv.Requests++
				iv.BytesIn += 100
				iv.Status[code]++
				if code >= 400 {
					iv.Errors++
					iv.ErrClasses["status"]++
				}
			}
		}
		all.Total.Merge(ivAll)
		all.Intervals = append(all.Intervals, ivAll)
		for k, iv := range ivSeg {
			segs[k].Total.Merge(iv)
			segs[k].Intervals = append(segs[k].Intervals, iv)
		}
	}
	segs[1].Events = []engine.Event{{At: 2 * time.Second, Kind: "pause"}}
	var named []Named
	for k, s := range segs {
		res := NewResults(s, "test")
		res.Segment = &SegmentInfo{Segment: scenarios.Segment{Index: k + 1, Count: n}, WholeLoad: whole}
		res.Thresholds = []Verdict{{Threshold: fmt.Sprintf("p(99)<%dms", 100+k%2)}}
		named = append(named, Named{Name: fmt.Sprintf("seg-%d.json", k+1), Results: roundTrip(t, res)})
	}
	return roundTrip(t, NewResults(all, "test")), named
}

func roundTrip(t *testing.T, r *Results) *Results {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	out, err := ReadResults(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameHist(t *testing.T, what string, a, b string) {
	t.Helper()
	ha, err := decodeHist(a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	hb, err := decodeHist(b)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !ha.Equals(hb) {
		t.Errorf("%s: merged histogram (%d values) differs from the one recorded whole (%d values)", what, hb.TotalCount(), ha.TotalCount())
	}
}

// TestMergeEqualsRecordingWhole: merging the segments' results gives the
// histograms, counters and percentiles of recording everything in one run.
func TestMergeEqualsRecordingWhole(t *testing.T) {
	whole, segs := splitRun(t, 4, make([]time.Duration, 4))
	merged, notes, err := Merge("v-merge", segs)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) > 0 {
		t.Errorf("notes: %v", notes)
	}
	for name := range whole.Histograms {
		sameHist(t, name, whole.Histograms[name], merged.Histograms[name])
	}
	ws, ms := whole.Summary, merged.Summary
	if ms.Requests != ws.Requests || ms.Errors != ws.Errors || ms.BytesIn != ws.BytesIn || ms.ErrorRate != ws.ErrorRate {
		t.Errorf("merged counters %+v\nwhole %+v", ms, ws)
	}
	if ms.LatencyMS != ws.LatencyMS || ms.ServiceMS != ws.ServiceMS || ms.PhasesMS["ttfb"] != ws.PhasesMS["ttfb"] {
		t.Errorf("percentiles differ:\nmerged %+v\nwhole  %+v", ms.LatencyMS, ws.LatencyMS)
	}
	if ms.Status["500"] != ws.Status["500"] || ms.ErrorClasses["status"] != ws.ErrorClasses["status"] {
		t.Errorf("status %v / %v", ms.Status, ws.Status)
	}
	if ms.DurationS != ws.DurationS || ms.RPS != ws.RPS {
		t.Errorf("duration %v rps %v, want %v %v", ms.DurationS, ms.RPS, ws.DurationS, ws.RPS)
	}
	if len(merged.Intervals) != len(whole.Intervals) {
		t.Fatalf("%d merged intervals, want %d", len(merged.Intervals), len(whole.Intervals))
	}
	for i, iv := range merged.Intervals {
		w := whole.Intervals[i]
		if iv.OffsetS != w.OffsetS || iv.Requests != w.Requests || iv.Errors != w.Errors || iv.LatencyMS != w.LatencyMS {
			t.Errorf("interval %d: %+v\nwant %+v", i, iv, w)
		}
		sameHist(t, fmt.Sprintf("interval %d latency", i), w.Histograms["latency"], iv.Histograms["latency"])
	}
	if merged.Plan.Load.Rate != 1000 || merged.Plan.Load.VUs != 8 || merged.Plan.Load.MaxVUs != 40 {
		t.Errorf("whole load not restored: %+v", merged.Plan.Load)
	}
	if merged.Segment != nil || len(merged.Parts) != 4 || merged.MissingSegments() != nil {
		t.Errorf("segment %v parts %v missing %v", merged.Segment, merged.Parts, merged.MissingSegments())
	}
	got, err := CheckedThresholds(segs[0].Results, segs[1].Results, segs[2].Results)
	if err != nil || len(got) != 2 || got[0].Expr != "p(99)<100ms" || got[1].Expr != "p(99)<101ms" {
		t.Errorf("thresholds %+v, %v", got, err)
	}
	if len(merged.Events) != 1 || merged.Events[0].Detail != "segment 2/4" {
		t.Errorf("events %+v", merged.Events)
	}
	// The merged file is a results file like any other.
	if _, err := ReadResults(bytes.NewReader(mustJSON(t, merged))); err != nil {
		t.Fatal(err)
	}
}

// TestMergeAlignsOnWallClock: segments started apart still give the same
// totals, and each interval lands where its time was.
func TestMergeAlignsOnWallClock(t *testing.T) {
	offsets := []time.Duration{0, 300 * time.Millisecond, 120 * time.Millisecond, 450 * time.Millisecond}
	whole, segs := splitRun(t, 4, offsets)
	merged, _, err := Merge("v", segs)
	if err != nil {
		t.Fatal(err)
	}
	for name := range whole.Histograms {
		sameHist(t, name, whole.Histograms[name], merged.Histograms[name])
	}
	if got := merged.Summary.DurationS; got != 10.45 {
		t.Errorf("duration %v, want 10.45 (earliest start to latest end)", got)
	}
	if len(merged.Intervals) != 11 {
		t.Fatalf("%d intervals, want 11", len(merged.Intervals))
	}
	for i := range 10 {
		if merged.Intervals[i].Requests != whole.Intervals[i].Requests {
			t.Errorf("interval %d: %d requests, want %d", i, merged.Intervals[i].Requests, whole.Intervals[i].Requests)
		}
	}
	if last := merged.Intervals[10]; last.Requests != 0 || last.DurationS != 0.45 || last.OffsetS != 10.45 {
		t.Errorf("last interval %+v", last)
	}
	if e := merged.Events[0]; e.At != 2300*time.Millisecond {
		t.Errorf("event at %v, want 2.3s (shifted by the segment's late start)", e.At)
	}
}

func TestMergeRefusesMixedRuns(t *testing.T) {
	_, segs := splitRun(t, 4, make([]time.Duration, 4))
	dup := []Named{segs[0], segs[1], {Name: "again.json", Results: segs[1].Results}}
	if _, _, err := Merge("v", dup); !errors.Is(err, ErrMixedRuns) || !strings.Contains(err.Error(), "both segment 2/4") {
		t.Errorf("duplicate: %v", err)
	}
	plain := synth{intervals: 2, rate: 10, median: time.Millisecond}.build()
	if _, _, err := Merge("v", []Named{segs[0], {Name: "plain.json", Results: plain}}); !errors.Is(err, ErrMixedRuns) {
		t.Errorf("segment with a plain run: %v", err)
	}
	closed := synth{intervals: 2, rate: 10, median: time.Millisecond}.build()
	closed.Summary.Model = "closed"
	if _, _, err := Merge("v", []Named{{Name: "a", Results: plain}, {Name: "b", Results: closed}}); !errors.Is(err, ErrMixedRuns) {
		t.Errorf("open with closed: %v", err)
	}
	merged, _, err := Merge("v", segs[:3])
	if err != nil {
		t.Fatal(err)
	}
	if m := merged.MissingSegments(); len(m) != 1 || m[0] != 4 {
		t.Errorf("missing %v, want [4]", m)
	}
	if _, _, err := Merge("v", nil); err == nil {
		t.Error("merging nothing")
	}
}

// TestMergeSideBySideRuns: runs of one plan that were not split add their
// loads, and a different plan is noted.
func TestMergeSideBySideRuns(t *testing.T) {
	a := synth{intervals: 3, rate: 100, median: time.Millisecond, seed: 1}.build()
	b := synth{intervals: 3, rate: 100, median: time.Millisecond, seed: 2, url: "http://127.0.0.1:9/"}.build()
	m, notes, err := Merge("v", []Named{{Name: "a.json", Results: a}, {Name: "b.json", Results: b}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Summary.Requests != 600 || m.Plan.Load.Rate != 200 || m.Summary.MaxVUs != 20 {
		t.Errorf("requests %d rate %v max VUs %d", m.Summary.Requests, m.Plan.Load.Rate, m.Summary.MaxVUs)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "b.json sent other requests") {
		t.Errorf("notes %v", notes)
	}
}

func mustJSON(t *testing.T, r *Results) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
