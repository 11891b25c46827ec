package scenarios

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
	"time"
)

func TestParseSegment(t *testing.T) {
	good := map[string]Segment{"1/1": {1, 1}, "2/8": {2, 8}, " 3 / 4 ": {3, 4}, "10000/10000": {10000, 10000}}
	for in, want := range good {
		got, err := ParseSegment(in)
		if err != nil || got != want {
			t.Errorf("ParseSegment(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":        "expected i/n",
		"2":       "expected i/n",
		"0/4":     "count from 1",
		"5/4":     "1..4",
		"a/4":     "whole numbers",
		"1/0":     "number of segments",
		"1/20000": "number of segments",
		"-1/4":    "count from 1",
	}
	for in, want := range bad {
		_, err := ParseSegment(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSegment(%q) error %v, want it to mention %q", in, err, want)
		}
	}
}

// sumSegments splits l in n and checks the invariants every split must
// keep; it returns the segments.
func sumSegments(t *testing.T, l Load, n int) []Load {
	t.Helper()
	var segs []Load
	vus, maxVUs := 0, 0
	for i := 1; i <= n; i++ {
		s, err := SplitLoad(l, Segment{Index: i, Count: n})
		if err != nil {
			t.Fatalf("segment %d/%d: %v", i, n, err)
		}
		if s.VUs > s.MaxVUs {
			t.Errorf("segment %d/%d: vus %d > max_vus %d", i, n, s.VUs, s.MaxVUs)
		}
		if s.Duration != l.Duration || s.Total() != l.Total() || s.Grace != l.Grace || s.Executor != l.Executor {
			t.Errorf("segment %d/%d changed timing or executor: %+v", i, n, s)
		}
		vus += s.VUs
		maxVUs += s.MaxVUs
		segs = append(segs, s)
	}
	if vus != l.VUs || maxVUs != l.MaxVUs {
		t.Errorf("%d segments: vus add to %d (want %d), max_vus to %d (want %d)", n, vus, l.VUs, maxVUs, l.MaxVUs)
	}
	return segs
}

func TestSplitLoadOpenArrivalsAddUp(t *testing.T) {
	loads := []Load{
		{Executor: ConstantArrivalRate, Rate: 1000, Duration: 10 * time.Second, VUs: 10, MaxVUs: 1000},
		{Executor: ConstantArrivalRate, Rate: 3, Duration: 1500 * time.Millisecond, VUs: 1, MaxVUs: 8},
		{Executor: ConstantArrivalRate, Rate: 333.3, Duration: 7 * time.Second, VUs: 5, MaxVUs: 13},
		{Executor: RampingArrivalRate, Rate: 0, VUs: 3, MaxVUs: 100, Stages: []Stage{
			{Duration: 10 * time.Second, Target: 100}, {Duration: 30 * time.Second, Target: 1000}, {Duration: 10 * time.Second, Target: 0}}},
		{Executor: RampingArrivalRate, Rate: 17, VUs: 4, MaxVUs: 9, Stages: []Stage{
			{Duration: 1234 * time.Millisecond, Target: 91.5}, {Duration: 3 * time.Second, Target: 7}}},
	}
	for _, l := range loads {
		want := NewArrivalSchedule(l).Count()
		for _, n := range []int{1, 2, 3, 4, 7} {
			if want < uint64(n) {
				continue // TestSplitLoadEmptySegment
			}
			var got uint64
			var rate float64
			for i, s := range sumSegments(t, l, n) {
				c := NewArrivalSchedule(s).Count()
				got += c
				rate += s.Rate
				if lo, hi := want/uint64(n), want/uint64(n)+1; c < lo || c > hi {
					t.Errorf("%s %d/%d: %d arrivals, want %d..%d", l.Executor, i+1, n, c, lo, hi)
				}
			}
			if got != want {
				t.Errorf("%s rate %g in %d segments: %d arrivals, want %d", l.Executor, l.Rate, n, got, want)
			}
			if math.Abs(rate-l.Rate) > 1e-9*math.Max(1, l.Rate) {
				t.Errorf("%s in %d segments: rates add to %g, want %g", l.Executor, n, rate, l.Rate)
			}
		}
	}
}

// TestSplitLoadOpenQuick checks, over random constant and ramping loads,
// that the segments' arrivals add up to the plan's exactly.
func TestSplitLoadOpenQuick(t *testing.T) {
	check := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 7))
		l := Load{Executor: ConstantArrivalRate, Rate: r.Float64() * 5000, Duration: time.Duration(1+r.IntN(600_000)) * time.Millisecond}
		if r.IntN(2) == 0 {
			l.Executor = RampingArrivalRate
			for range 1 + r.IntN(4) {
				l.Stages = append(l.Stages, Stage{Duration: time.Duration(1+r.IntN(60_000)) * time.Millisecond, Target: r.Float64() * 5000})
			}
		}
		l.MaxVUs = 1000
		l.VUs = 1 + r.IntN(l.MaxVUs)
		want := NewArrivalSchedule(l).Count()
		n := 1 + r.IntN(16)
		if want < uint64(n) {
			return true
		}
		var got uint64
		for i := 1; i <= n; i++ {
			s, err := SplitLoad(l, Segment{i, n})
			if err != nil {
				t.Logf("seed %d: %v", seed, err)
				return false
			}
			got += NewArrivalSchedule(s).Count()
		}
		if got != want {
			t.Logf("seed %d: %+v in %d segments: %d arrivals, want %d", seed, l, n, got, want)
		}
		return got == want
	}
	if err := quick.Check(check, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
}

func TestSplitLoadClosed(t *testing.T) {
	l := Load{Executor: RampingVUs, VUs: 3, MaxVUs: 50, Stages: []Stage{
		{Duration: 10 * time.Second, Target: 50}, {Duration: 10 * time.Second, Target: 7}, {Duration: 5 * time.Second, Target: 0}}}
	for _, n := range []int{1, 2, 3, 4} {
		segs := sumSegments(t, l, n)
		for j := range l.Stages {
			var sum float64
			for _, s := range segs {
				sum += s.Stages[j].Target
			}
			if sum != l.Stages[j].Target {
				t.Errorf("%d segments: stage %d targets add to %g, want %g", n, j, sum, l.Stages[j].Target)
			}
		}
		// At every stage boundary, the VUs asked of the segments add up.
		for _, at := range []time.Duration{0, 10 * time.Second, 20 * time.Second} {
			whole, sum := NewVUSchedule(l).At(at), 0
			for _, s := range segs {
				sum += NewVUSchedule(s).At(at)
			}
			if sum != whole {
				t.Errorf("%d segments at %v: %d VUs, want %d", n, at, sum, whole)
			}
		}
	}
	c := Load{Executor: ConstantVUs, VUs: 10, MaxVUs: 10, Duration: time.Second}
	segs := sumSegments(t, c, 4)
	if segs[0].VUs != 3 || segs[1].VUs != 3 || segs[2].VUs != 2 || segs[3].VUs != 2 {
		t.Errorf("10 VUs in 4: %d %d %d %d, want 3 3 2 2", segs[0].VUs, segs[1].VUs, segs[2].VUs, segs[3].VUs)
	}
}

func TestSplitLoadEmptySegment(t *testing.T) {
	tests := []struct {
		l    Load
		want string
	}{
		{Load{Executor: ConstantVUs, VUs: 2, MaxVUs: 2, Duration: time.Second}, "at most 2 VUs"},
		{Load{Executor: ConstantArrivalRate, Rate: 2, Duration: time.Second, VUs: 1, MaxVUs: 10}, "2 arrivals"},
		{Load{Executor: ConstantArrivalRate, Rate: 100, Duration: time.Second, VUs: 1, MaxVUs: 3}, "max_vus 3"},
	}
	for _, tc := range tests {
		_, err := SplitLoad(tc.l, Segment{4, 4})
		if !errors.Is(err, ErrSegmentEmpty) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want ErrSegmentEmpty mentioning %q", tc.l, err, tc.want)
		}
	}
}

func TestSplitPlanCopies(t *testing.T) {
	p := &Plan{
		Name:     "x",
		Requests: []Request{{Method: "GET", URL: "http://127.0.0.1/"}},
		Load:     Load{Executor: RampingArrivalRate, Rate: 10, VUs: 4, MaxVUs: 8, Stages: []Stage{{Duration: time.Second, Target: 100}}},
		Client:   Client{Connections: 3},
	}
	s, err := SplitPlan(p, Segment{4, 4})
	if err != nil {
		t.Fatal(err)
	}
	if p.Load.Stages[0].Target != 100 || p.Load.Rate != 10 {
		t.Fatal("SplitPlan changed the whole plan")
	}
	if s.Client.Connections != 1 {
		t.Errorf("connections = %d, want 1 (never 0, which means one per VU)", s.Client.Connections)
	}
	if s.Load.Stages[0].Target >= 100 {
		t.Errorf("stage target not split: %v", s.Load.Stages[0].Target)
	}
}
