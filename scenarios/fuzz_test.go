package scenarios

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"testing"
	"time"
)

// fuzzOverrides are the flag sets each fuzzed file is also loaded with, so
// that the merge of flags and file is fuzzed as well as the parser.
var fuzzOverrides = []Overrides{
	{},
	{URL: ptr("http://127.0.0.1:1"), Rate: ptr(50.0)},
	{VUs: ptr(3), Stages: []Stage{{time.Second, 2}}},
	{Stages: []Stage{{time.Second, 2.5}}, Duration: ptr(time.Second), Headers: []Header{{"accept", "x"}}},
	{MaxVUs: ptr(2), MaxBacklog: ptr(time.Second), Method: ptr("post")},
	// Flow files: data files and the environment, and --header on steps.
	fuzzFlowOverrides(),
	func() Overrides {
		o := fuzzFlowOverrides()
		o.Headers = []Header{{"X-Flag", "${vu}"}}
		return o
	}(),
}

// fuzzFlowOverrides reads testFiles and badData, and testEnv.
func fuzzFlowOverrides() Overrides { return badFlowOverrides() }

// FuzzLoad checks that no input panics, that every problem is located
// (a file position, or a flag), and that a returned plan keeps the
// promises the engine relies on.
func FuzzLoad(f *testing.F) {
	for _, g := range goodFiles {
		f.Add([]byte(g.yaml))
	}
	for _, b := range badFiles {
		f.Add([]byte(b.yaml))
	}
	for _, n := range BuiltinNames() {
		_, data, _ := Builtin(n)
		f.Add(data)
	}
	for _, g := range goodFlowFiles {
		f.Add([]byte(g.yaml))
	}
	for _, b := range badFlowFiles {
		f.Add([]byte(b.yaml))
	}
	// Data files are read next to dir/fuzz.yaml, from testFiles and badData.
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range fuzzOverrides {
			plan, err := LoadFile("dir/fuzz.yaml", data, o)
			checkOutcome(t, plan, err, "dir/fuzz.yaml")
		}
	})
}

// FuzzFromFlags fuzzes the flag-only path through the URL and --stages.
func FuzzFromFlags(f *testing.F) {
	f.Add("http://127.0.0.1:8080/work?sleep=1ms", "10s:100,5s:0", 10.0, 2)
	f.Add("localhost:8080", "", -1.0, 0)
	f.Add("https://[::1]:443/", "1s:1.5", 0.0, 1)
	f.Fuzz(func(t *testing.T, rawURL, stages string, rate float64, vus int) {
		o := Overrides{URL: &rawURL, Rate: &rate, VUs: &vus}
		if stages != "" {
			st, err := ParseStages(stages)
			if err != nil {
				checkOutcome(t, nil, err, "")
				return
			}
			o.Stages = st
		}
		plan, err := FromFlags(o)
		checkOutcome(t, plan, err, "")
	})
}

func checkOutcome(t *testing.T, plan *Plan, err error, file string) {
	t.Helper()
	if (plan == nil) == (err == nil) {
		t.Fatalf("plan %v with error %v: want exactly one", plan, err)
	}
	if err != nil {
		var errs *Errors
		if !errors.As(err, &errs) || len(*errs) == 0 {
			t.Fatalf("error %T %q is not a non-empty *Errors", err, err)
		}
		for _, e := range *errs {
			fileProblem := e.File == file && file != "" && e.Line >= 1 && e.Col >= 1
			flagProblem := e.File == "" && e.Line == 0 && e.Col == 0 && len(e.Msg) > 2 && e.Msg[:2] == "--"
			if !fileProblem && !flagProblem {
				t.Fatalf("problem without a location: %#v", e)
			}
		}
		return
	}
	checkPlan(t, plan)
}

// checkPlan asserts what a validated Plan promises the engine.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	if (len(p.Requests) == 0) == (len(p.Flows) == 0) {
		t.Fatalf("plan with %d requests and %d flows: want one or the other", len(p.Requests), len(p.Flows))
	}
	checkFlows(t, p)
	for _, r := range p.Requests {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("request URL %q is not an absolute http(s) URL", r.URL)
		}
		if !isToken(r.Method) {
			t.Fatalf("method %q", r.Method)
		}
		for _, h := range r.Headers {
			if !isToken(h.Name) {
				t.Fatalf("header name %q", h.Name)
			}
		}
	}
	l := p.Load
	if !slices.Contains(executorNames, l.Executor) {
		t.Fatalf("executor %q", l.Executor)
	}
	if l.VUs < 0 || l.MaxVUs < 1 || l.MaxVUs < l.VUs || l.MaxVUs > LimitVUs {
		t.Fatalf("VUs %d, MaxVUs %d", l.VUs, l.MaxVUs)
	}
	if l.Duration <= 0 || l.Duration > LimitDuration || l.Duration != l.Total() {
		t.Fatalf("duration %v, total %v", l.Duration, l.Total())
	}
	if isRamping(l.Executor) != (len(l.Stages) > 0) {
		t.Fatalf("%s with %d stages", l.Executor, len(l.Stages))
	}
	for _, s := range l.Stages {
		if s.Duration <= 0 || s.Target < 0 || math.IsNaN(s.Target) || (!l.Open() && s.Target != math.Trunc(s.Target)) {
			t.Fatalf("stage %+v of %s", s, l.Executor)
		}
	}
	if l.Open() {
		if l.MaxBacklog <= 0 || l.Rate < 0 || l.Rate > LimitRate || (l.Executor == ConstantArrivalRate && l.Rate == 0) {
			t.Fatalf("open load %+v", l)
		}
	} else if l.Rate != 0 || l.MaxBacklog != 0 {
		t.Fatalf("closed load %+v", l)
	}
	if l.Grace < 0 || p.Client.Timeout <= 0 || p.Client.Connections < 0 {
		t.Fatalf("grace %v, client %+v", l.Grace, p.Client)
	}
}
