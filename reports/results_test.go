package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// fakeResult records a small known run through the real recorder.
func fakeResult(t *testing.T, open bool) *engine.Result {
	t.Helper()
	rec := metrics.NewRecorder(2)
	start := time.Unix(1_700_000_000, 0)
	var acc metrics.Counts
	total := metrics.NewInterval(start)
	var ivs []*metrics.Interval
	for sec := range 3 {
		for i := range 100 {
			sent := start.Add(time.Duration(sec)*time.Second + time.Duration(i)*time.Millisecond)
			s := &metrics.Sample{
				Intended: sent.Add(-time.Duration(i) * 10 * time.Microsecond),
				Sent:     sent, FirstByte: sent.Add(time.Millisecond), Done: sent.Add(2 * time.Millisecond),
				Status: 200, BytesIn: 1000, BytesOut: 100,
			}
			if i%50 == 0 {
				s.Status, s.Err = 503, metrics.ErrStatus
			}
			rec.Shard(i).Record(s)
		}
		rec.Collect(&acc)
		iv := acc.Interval(start.Add(time.Duration(sec)*time.Second), start.Add(time.Duration(sec+1)*time.Second))
		total.Merge(iv)
		if err := iv.Compact(); err != nil {
			t.Fatal(err)
		}
		ivs = append(ivs, iv)
	}
	load := scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 4, MaxVUs: 4, Duration: 3 * time.Second}
	if open {
		load = scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 100, VUs: 4, MaxVUs: 40, Duration: 3 * time.Second}
	}
	return &engine.Result{
		Plan:      &scenarios.Plan{Name: "t", Requests: []scenarios.Request{{Method: "GET", URL: "http://127.0.0.1:1/"}}, Load: load},
		Start:     start,
		End:       start.Add(3 * time.Second),
		Intervals: ivs,
		Total:     total,
		Stopped:   "completed", MaxVUsUsed: 4,
	}
}

func TestResultsRoundTrip(t *testing.T) {
	for _, open := range []bool{false, true} {
		res := fakeResult(t, open)
		r := NewResults(res, "test")
		var buf bytes.Buffer
		if err := r.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadResults(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		s := back.Summary
		if s.Requests != 300 || s.Errors != 6 || s.Status["503"] != 6 || s.ErrorClasses["status"] != 6 || s.RPS != 100 {
			t.Fatalf("summary %+v", s)
		}
		if s.ServiceMS.P50 != 2 || s.LatencyMS.Max < 2.98 || s.LatencyMS.Max > 3.0 {
			t.Fatalf("service p50 %v latency max %v", s.ServiceMS.P50, s.LatencyMS.Max)
		}
		if (s.Model == "open") != open {
			t.Fatalf("model %q", s.Model)
		}
		if len(back.Intervals) != 3 || back.Intervals[1].Requests != 100 || back.Intervals[2].OffsetS != 3 {
			t.Fatalf("intervals %+v", back.Intervals)
		}
		// The run's histogram equals the merge of the intervals' histograms.
		total, err := back.Histogram("latency")
		if err != nil {
			t.Fatal(err)
		}
		merged := metrics.NewHistogram()
		for _, iv := range back.Intervals {
			h, err := decodeHist(iv.Histograms["latency"])
			if err != nil {
				t.Fatal(err)
			}
			merged.Merge(h)
		}
		if !merged.Equals(total) {
			t.Fatal("intervals' histograms do not add up to the run's")
		}
	}
}

func TestReadResultsRejectsOtherSchema(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"future version", `{"schema_version": 99}`, "schema_version 99"},
		{"not json", `nope`, "reading results"},
	}
	for _, tc := range tests {
		_, err := ReadResults(strings.NewReader(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestSummaryText(t *testing.T) {
	r := NewResults(fakeResult(t, true), "test")
	var buf bytes.Buffer
	if err := WriteSummary(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"requests: 300", "errors: 6 (2.00%)", "latency (from schedule)", "service (from send)", "p99.9", "status:  200=294  503=6", "errors by class:  status=6", "open model"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	// Columns line up: every table row has the same width.
	var widths []int
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "µs") || strings.Contains(l, "ms ") {
			widths = append(widths, len([]rune(strings.TrimRight(l, " "))))
		}
	}
	for _, w := range widths[1:] {
		if w != widths[0] {
			t.Errorf("table rows differ in width: %v\n%s", widths, out)
			break
		}
	}
}

func TestPercentilesJSONKeys(t *testing.T) {
	b, err := json.Marshal(Percentiles{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p50", "p90", "p95", "p99", "p999", "p9999", "max", "mean"} {
		if !strings.Contains(string(b), `"`+k+`"`) {
			t.Errorf("percentiles JSON lacks %q: %s", k, b)
		}
	}
}

func TestBackendsFromStats(t *testing.T) {
	lbJSON := `{"policy":"round-robin","requests":30,"backends":[
	 {"id":"app-1","requests":10,"errors":0,"healthy":true,"latency":{"p50_ns":1000000,"p99_ns":5000000}},
	 {"id":"app-2","requests":20,"errors":1,"healthy":false,"latency":{"p50_ns":2000000,"p99_ns":9000000}}]}`
	got, err := BackendsFromStats([]byte(lbJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Share != 0.667 || got[0].P50MS != 1 || got[1].Healthy {
		t.Fatalf("%+v", got)
	}
	if _, err := BackendsFromStats([]byte(`{"hits": 3}`)); err == nil {
		t.Fatal("cache stats read as a balancer's")
	}
	r := NewResults(fakeResult(t, false), "test")
	r.Backends = got
	var buf bytes.Buffer
	if err := WriteHTML(&buf, []Named{{Name: "run", Results: r}}, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h3>Backends</h3>", "app-2", "66.7%", "down"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
