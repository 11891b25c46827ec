package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine/metrics"
)

func TestWriteJUnit(t *testing.T) {
	r := synth{name: `a "quoted" <name>`, intervals: 2, rate: 100, median: 5 * time.Millisecond}.build()
	vs := Evaluate(r, mustThresholds(t, "p(99)<1ms", "p(99)<10s", "error_rate<1%"))
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r, vs, JUnitThresholds); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				ClassName string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || len(doc.Suite.Cases) != 3 {
		t.Fatalf("tests %d failures %d cases %d:\n%s", doc.Tests, doc.Failures, len(doc.Suite.Cases), buf.String())
	}
	c := doc.Suite.Cases[0]
	if c.Name != "p(99)<1ms" || c.ClassName != JUnitThresholds || c.Failure == nil || !strings.Contains(c.Failure.Message, "limit < 1.00ms") {
		t.Errorf("first case %+v", c)
	}
	if doc.Suite.Cases[1].Failure != nil {
		t.Error("passing threshold has a failure")
	}
	if doc.Suite.Name != `stampede: a "quoted" <name>` {
		t.Errorf("suite name %q", doc.Suite.Name)
	}
	if strings.Contains(buf.String(), "<name>") || !strings.Contains(buf.String(), "&lt;1ms") {
		t.Errorf("not escaped:\n%s", buf.String())
	}
}

func TestWriteSummaryJSON(t *testing.T) {
	r := synth{intervals: 2, rate: 100, median: 5 * time.Millisecond}.build()
	r.Thresholds = Evaluate(r, mustThresholds(t, "p(99)<1ms"))
	var buf bytes.Buffer
	if err := WriteSummaryJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["passed"] != false || m["scenario"] != "synthetic" || len(m["thresholds"].([]any)) != 1 {
		t.Errorf("summary json: %s", buf.String())
	}
	if s := m["summary"].(map[string]any); s["requests"] != float64(200) {
		t.Errorf("requests %v", s["requests"])
	}
	if _, ok := m["histograms"]; ok {
		t.Error("summary json carries histograms")
	}
}

// TestWriteHlogReadsBack: the log reads back with hdrhistogram-go's
// reader, interval by interval, and the intervals add up to the run.
func TestWriteHlogReadsBack(t *testing.T) {
	r := synth{intervals: 5, rate: 300, median: 5 * time.Millisecond}.build()
	var buf bytes.Buffer
	if err := WriteHlog(&buf, r); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"#[Histogram log format version 1.3]", "#[StartTime: ", "#[BaseTime: ", `"StartTimestamp","Interval_Length"`, "Tag=service,"} {
		if !strings.Contains(text, want) {
			t.Errorf("hlog lacks %q", want)
		}
	}
	rd := hdr.NewHistogramLogReader(strings.NewReader(text))
	lat, svc := metrics.NewHistogram(), metrics.NewHistogram()
	n := 0
	for {
		h, err := rd.NextIntervalHistogram()
		if err == io.EOF || h == nil && err == nil {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if h.Tag() == HlogServiceTag {
			svc.Merge(h)
		} else {
			lat.Merge(h)
		}
	}
	if n != 10 {
		t.Errorf("%d histograms read, want 10", n)
	}
	want, _ := r.Histogram("latency")
	if !lat.Equals(want) {
		t.Errorf("latency from the log: %d values, run: %d", lat.TotalCount(), want.TotalCount())
	}
	if svc.TotalCount() != 1500 {
		t.Errorf("service: %d values", svc.TotalCount())
	}
}

func TestWriteCSV(t *testing.T) {
	r := synth{intervals: 4, rate: 100, median: 5 * time.Millisecond, errEvery: 10}.build()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want header + 4", len(rows))
	}
	head := strings.Join(rows[0], ",")
	for _, want := range []string{"t_s,duration_s,requests", "latency_p99_ms", "status_200", "status_503", "errors_status"} {
		if !strings.Contains(head, want) {
			t.Errorf("header lacks %q: %s", want, head)
		}
	}
	if rows[1][0] != "1" || rows[1][2] != "100" || rows[1][3] != "10" {
		t.Errorf("first row %v", rows[1])
	}
}
