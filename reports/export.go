package reports

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/scenarios"
)

// JUnit classnames of the test cases stampede writes.
const (
	JUnitThresholds  = "stampede.thresholds"
	JUnitRegressions = "stampede.regressions"
	JUnitChecks      = "stampede.checks"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the verdicts as a JUnit XML report that CI systems
// read: one test case per threshold (or regression tolerance), named by
// its expression ("step: expression" for a step's), failed when the
// verdict did not pass. classname is JUnitThresholds or JUnitRegressions;
// with JUnitThresholds, each check of the flows' steps is a test case too
// (classname JUnitChecks, named "flow/step: check"), failed when any
// response failed it.
func WriteJUnit(w io.Writer, r *Results, verdicts []Verdict, classname string) error {
	dur := strconv.FormatFloat(r.Summary.DurationS, 'f', 3, 64)
	name := "stampede"
	if r.Plan != nil && r.Plan.Name != "" {
		name = "stampede: " + r.Plan.Name
	}
	suite := junitSuite{
		Name:      name,
		Tests:     len(verdicts),
		Time:      dur,
		Timestamp: r.Started.UTC().Format(time.RFC3339),
		Properties: []junitProperty{
			{"stampede_version", r.Version},
			{"model", r.Summary.Model},
			{"target", target(r)},
			{"requests", strconv.FormatUint(r.Summary.Requests, 10)},
			{"stopped", r.Stopped},
		},
	}
	if r.Segment != nil {
		suite.Properties = append(suite.Properties, junitProperty{"segment", r.Segment.Segment.String()})
	}
	for _, v := range verdicts {
		name := v.Threshold
		if v.Step != "" {
			name = v.Step + ": " + v.Threshold
		}
		c := junitCase{Name: name, ClassName: classname, Time: "0", SystemOut: v.Text}
		if !v.Pass {
			suite.Failures++
			c.Failure = &junitFailure{Message: v.Text, Type: "threshold", Text: v.Threshold + ": " + v.Text}
			if classname == JUnitRegressions {
				c.Failure.Type = "regression"
			}
		}
		suite.Cases = append(suite.Cases, c)
	}
	if classname == JUnitThresholds {
		for _, st := range r.Steps {
			for _, ck := range st.Checks {
				total := ck.Passes + ck.Fails
				text := fmt.Sprintf("%d of %d responses passed", ck.Passes, total)
				c := junitCase{Name: st.Name() + ": " + ck.Name, ClassName: JUnitChecks, Time: "0", SystemOut: text}
				if ck.Fails > 0 {
					suite.Failures++
					msg := fmt.Sprintf("%d of %d responses failed the check", ck.Fails, total)
					c.Failure = &junitFailure{Message: msg, Type: "check", Text: msg}
				}
				suite.Tests++
				suite.Cases = append(suite.Cases, c)
			}
		}
	}
	doc := junitSuites{Name: "stampede", Tests: suite.Tests, Failures: suite.Failures, Time: dur, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// MachineSummary is what --summary-json writes: the run's summary and
// the threshold verdicts, without the histograms and intervals.
type MachineSummary struct {
	SchemaVersion int                `json:"schema_version"`
	Version       string             `json:"stampede_version"`
	Scenario      string             `json:"scenario"`
	Target        string             `json:"target"`
	Started       time.Time          `json:"started"`
	Ended         time.Time          `json:"ended"`
	Stopped       string             `json:"stopped"`
	Segment       *scenarios.Segment `json:"segment,omitempty"`
	// Passed is true when every threshold passed (or there were none).
	Passed     bool      `json:"passed"`
	Thresholds []Verdict `json:"thresholds"`
	Summary    Summary   `json:"summary"`
}

// WriteSummaryJSON writes the machine-readable summary of r with its
// threshold verdicts (r.Thresholds).
func WriteSummaryJSON(w io.Writer, r *Results) error {
	m := MachineSummary{
		SchemaVersion: SchemaVersion,
		Version:       r.Version,
		Started:       r.Started,
		Ended:         r.Ended,
		Stopped:       r.Stopped,
		Passed:        Passed(r.Thresholds),
		Thresholds:    r.Thresholds,
		Summary:       r.Summary,
	}
	if r.Plan != nil {
		m.Scenario, m.Target = r.Plan.Name, target(r)
	}
	if m.Thresholds == nil {
		m.Thresholds = []Verdict{}
	}
	if r.Segment != nil {
		s := r.Segment.Segment
		m.Segment = &s
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// HlogServiceTag is the tag of the service-time histograms in an .hlog;
// the latency histograms are untagged, so that tools that read only
// untagged histograms (HistogramLogProcessor without -tag) see latency.
const HlogServiceTag = "service"

// WriteHlog writes the run's per-interval latency and service histograms
// as an HdrHistogram interval log (format 1.3), what HistogramLogAnalyzer
// and HistogramLogProcessor read. Values are in microseconds (tell the
// analyser so: its unit ratio is then 1000 for milliseconds); the
// Interval_Max column is in milliseconds. Timestamps are seconds from the
// start of the run, which #[StartTime] and #[BaseTime] give.
func WriteHlog(w io.Writer, r *Results) error {
	lw := hdr.NewHistogramLogWriter(w)
	startMs := r.Started.UnixMilli()
	steps := []func() error{
		lw.OutputLogFormatVersion,
		func() error {
			return lw.OutputComment("[Logged by stampede " + oneLine(r.Version) + "; values in microseconds]")
		},
		func() error { return lw.OutputStartTime(startMs) },
		func() error { return lw.OutputBaseTime(startMs) },
		lw.OutputLegend,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, iv := range r.Intervals {
		start := iv.OffsetS - iv.DurationS
		for _, name := range []string{"latency", "service"} {
			enc, ok := iv.Histograms[name]
			if !ok || enc == "" {
				continue
			}
			h, err := decodeHist(enc)
			if err != nil {
				return fmt.Errorf("interval at %gs: %w", iv.OffsetS, err)
			}
			tag := ""
			if name == "service" {
				tag = "Tag=" + HlogServiceTag + ","
			}
			// The library's writer scales the max for nanosecond values;
			// ours are microseconds, so the line is written here, in the
			// same format (see its outputIntervalHistogram).
			if _, err := fmt.Fprintf(w, "%s%.3f,%.3f,%.3f,%s\n", tag, start, iv.DurationS, float64(h.Max())/1000, enc); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteCSV writes the per-interval series, one row per interval: times in
// seconds from the start, latencies in milliseconds, and one column per
// status code and error class seen in the run.
func WriteCSV(w io.Writer, r *Results) error {
	codes := map[string]bool{}
	classes := map[string]bool{}
	for _, iv := range r.Intervals {
		for c := range iv.Status {
			codes[c] = true
		}
		for c := range iv.ErrorClasses {
			classes[c] = true
		}
	}
	codeList, classList := sortedSet(codes), sortedSet(classes)
	head := []string{"t_s", "duration_s", "requests", "errors", "dropped", "rps", "bytes_in",
		"latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_p999_ms", "latency_max_ms", "latency_mean_ms",
		"service_p50_ms", "service_p90_ms", "service_p99_ms", "service_p999_ms", "service_max_ms", "service_mean_ms"}
	for _, c := range codeList {
		head = append(head, "status_"+c)
	}
	for _, c := range classList {
		head = append(head, "errors_"+c)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for _, iv := range r.Intervals {
		row := []string{f(iv.OffsetS), f(iv.DurationS), u(iv.Requests), u(iv.Errors), u(iv.Dropped), f(iv.RPS), u(iv.BytesIn)}
		for _, p := range []Percentiles{iv.LatencyMS, iv.ServiceMS} {
			row = append(row, f(p.P50), f(p.P90), f(p.P99), f(p.P999), f(p.Max), f(p.Mean))
		}
		for _, c := range codeList {
			row = append(row, u(iv.Status[c]))
		}
		for _, c := range classList {
			row = append(row, u(iv.ErrorClasses[c]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// oneLine keeps a text that goes into a line-based format on one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
