package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStepsInResults(t *testing.T) {
	r := synth{intervals: 4, rate: 400, median: 4 * time.Millisecond, errEvery: 10, flows: true}.build()
	if len(r.Steps) != 4 {
		t.Fatalf("%d steps", len(r.Steps))
	}
	var total uint64
	for _, st := range r.Steps {
		total += st.Requests
		if st.LatencyMS.Count != int64(st.Requests) || st.Histograms["latency"] == "" {
			t.Errorf("step %s: %d requests, latency count %d", st.Name(), st.Requests, st.LatencyMS.Count)
		}
	}
	if total != r.Summary.Requests {
		t.Errorf("steps hold %d requests, the run %d", total, r.Summary.Requests)
	}
	back := roundTrip(t, r)
	if len(back.Steps) != 4 || back.Steps[2].Name() != "buy/login" || back.Steps[2].Checks[0].Name != "status is 2xx" {
		t.Errorf("steps after a round trip: %+v", back.Steps)
	}
}

func TestStepThresholds(t *testing.T) {
	r := synth{intervals: 4, rate: 400, median: 4 * time.Millisecond, flows: true}.build()
	login := r.Steps[2].LatencyMS.P50
	home := r.Steps[0].LatencyMS.P50
	if login < 2*home {
		t.Fatalf("login p50 %v not slower than home %v", login, home)
	}
	limit := trimNum((login+home)/2) + "ms"
	tests := []struct {
		step string
		pass bool
		text string
	}{
		{"", true, "p(50) = "},
		{"home", true, ""},
		{"browse/home", true, ""},
		{"login", false, "limit < "},
		{"buy/login", false, ""},
		{"nope", false, `no step "nope" in the run (steps: browse/home, browse/product, buy/checkout, buy/login)`},
		{"browse/login", false, "no step"},
	}
	for _, tc := range tests {
		th, err := ParseThreshold("p(50)<" + limit)
		if err != nil {
			t.Fatal(err)
		}
		th.Step = tc.step
		v := th.Evaluate(r)
		if v.Pass != tc.pass || v.Step != tc.step || !strings.Contains(v.Text, tc.text) {
			t.Errorf("step %q: %+v, want pass=%v with %q", tc.step, v, tc.pass, tc.text)
		}
	}
	// Step-level counts and rates.
	th, _ := ParseThreshold("requests==400")
	th.Step = "login"
	if v := th.Evaluate(r); !v.Pass {
		t.Errorf("login requests: %+v", v)
	}
	var buf bytes.Buffer
	WriteVerdicts(&buf, "thresholds", []Verdict{th.Evaluate(r)})
	if !strings.Contains(buf.String(), "requests==400 (step login)") {
		t.Errorf("verdict line: %s", buf.String())
	}
}

func TestMergeSteps(t *testing.T) {
	a := synth{intervals: 3, rate: 200, median: 2 * time.Millisecond, errEvery: 7, flows: true, seed: 1}.build()
	b := synth{intervals: 3, rate: 200, median: 2 * time.Millisecond, errEvery: 7, flows: true, seed: 2}.build()
	m, _, err := Merge("v", []Named{{Name: "a", Results: a}, {Name: "b", Results: b}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Steps) != 4 {
		t.Fatalf("%d merged steps", len(m.Steps))
	}
	for i, st := range m.Steps {
		if st.Requests != a.Steps[i].Requests+b.Steps[i].Requests || st.Errors != a.Steps[i].Errors+b.Steps[i].Errors {
			t.Errorf("step %s: %d requests %d errors", st.Name(), st.Requests, st.Errors)
		}
		if c := st.Checks[0]; c.Passes+c.Fails != st.Requests {
			t.Errorf("step %s: check %+v", st.Name(), c)
		}
		ha, _ := decodeHist(a.Steps[i].Histograms["latency"])
		hb, _ := decodeHist(b.Steps[i].Histograms["latency"])
		ha.Merge(hb)
		sameHist(t, st.Name(), encode(ha), st.Histograms["latency"])
		if st.LatencyMS != PercentilesOf(ha) {
			t.Errorf("step %s: percentiles not from the merged histogram", st.Name())
		}
	}
}

func TestJUnitChecksAndSteps(t *testing.T) {
	r := synth{intervals: 2, rate: 100, median: 2 * time.Millisecond, errEvery: 8, flows: true}.build()
	th, _ := ParseThreshold("p(99)<10s")
	th.Step = "buy/login"
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r, []Verdict{th.Evaluate(r)}, JUnitThresholds); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`name="buy/login: p(99)&lt;10s"`, `classname="stampede.checks"`, `name="browse/home: status is 2xx"`, `failures="1"`, `tests="5"`} {
		if !strings.Contains(out, want) {
			t.Errorf("junit lacks %q:\n%s", want, out)
		}
	}
}

func TestHTMLSteps(t *testing.T) {
	r := synth{intervals: 5, rate: 100, median: 2 * time.Millisecond, errEvery: 9, flows: true}.build()
	_, html := writeReport(t, []Named{{Name: "flows", Results: r}})
	for _, want := range []string{"<h3>Flows</h3>", "<h3>Steps</h3>", "<h3>Checks</h3>", "/products/${id}", "buy/login", "status is 2xx"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
