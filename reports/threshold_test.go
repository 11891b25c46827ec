package reports

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in    string
		sel   Selector
		op    Op
		limit float64
		canon string
	}{
		{"p(99)<200ms", Selector{"latency", "p", 99}, OpLess, 200_000, "p(99)"},
		{"p(99.9) <= 1s", Selector{"latency", "p", 99.9}, OpLessEq, 1e6, "p(99.9)"},
		{"  p( 95 ) < 1.5s ", Selector{"latency", "p", 95}, OpLess, 1.5e6, "p(95)"},
		{"p99<250us", Selector{"latency", "p", 99}, OpLess, 250, "p(99)"},
		{"p999<5ms", Selector{"latency", "p", 99.9}, OpLess, 5000, "p(99.9)"},
		{"p9999<5ms", Selector{"latency", "p", 99.99}, OpLess, 5000, "p(99.99)"},
		{"p99.5<5ms", Selector{"latency", "p", 99.5}, OpLess, 5000, "p(99.5)"},
		{"p100<1m", Selector{"latency", "p", 100}, OpLess, 60e6, "p(100)"},
		{"p50 < 2µs", Selector{"latency", "p", 50}, OpLess, 2, "p(50)"},
		{"avg<50ms", Selector{"latency", "avg", 0}, OpLess, 50_000, "avg"},
		{"mean<50ms", Selector{"latency", "avg", 0}, OpLess, 50_000, "avg"},
		{"med<50ms", Selector{"latency", "p", 50}, OpLess, 50_000, "p(50)"},
		{"max<2s", Selector{"latency", "max", 0}, OpLess, 2e6, "max"},
		{"min>=0us", Selector{"latency", "min", 0}, OpGreaterEq, 0, "min"},
		{"stdev<1h", Selector{"latency", "stdev", 0}, OpLess, 3600e6, "stdev"},
		{"service.p(99)<100ms", Selector{"service", "p", 99}, OpLess, 100_000, "service.p(99)"},
		{"latency.p(99)<100ms", Selector{"latency", "p", 99}, OpLess, 100_000, "p(99)"},
		{"ttfb.max<1s", Selector{"ttfb", "max", 0}, OpLess, 1e6, "ttfb.max"},
		{"scheduler_lag.p99<10ms", Selector{"scheduler_lag", "p", 99}, OpLess, 10_000, "scheduler_lag.p(99)"},
		{"connect.count>0", Selector{"connect", "count", 0}, OpGreater, 0, "connect.count"},
		{"error_rate<1%", Selector{"error_rate", "", 0}, OpLess, 0.01, "error_rate"},
		{"error_rate<0.05", Selector{"error_rate", "", 0}, OpLess, 0.05, "error_rate"},
		{"error_rate==0", Selector{"error_rate", "", 0}, OpEqual, 0, "error_rate"},
		{"rps>1000", Selector{"rps", "", 0}, OpGreater, 1000, "rps"},
		{"rps>=99.5/s", Selector{"rps", "", 0}, OpGreaterEq, 99.5, "rps"},
		{"dropped==0", Selector{"dropped", "", 0}, OpEqual, 0, "dropped"},
		{"errors!=3", Selector{"errors", "", 0}, OpNotEqual, 3, "errors"},
		{"requests>10", Selector{"requests", "", 0}, OpGreater, 10, "requests"},
		{"interrupted<=0", Selector{"interrupted", "", 0}, OpLessEq, 0, "interrupted"},
	}
	for _, tc := range tests {
		th, err := ParseThreshold(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if th.Selector != tc.sel || th.Op != tc.op || th.Limit != tc.limit {
			t.Errorf("%q = %+v %s %g; want %+v %s %g", tc.in, th.Selector, th.Op, th.Limit, tc.sel, tc.op, tc.limit)
		}
		if th.Selector.String() != tc.canon {
			t.Errorf("%q: canonical %q, want %q", tc.in, th.Selector.String(), tc.canon)
		}
		if th.Expr != strings.TrimSpace(tc.in) {
			t.Errorf("%q: Expr %q", tc.in, th.Expr)
		}
	}
}

func TestParseThresholdErrors(t *testing.T) {
	tests := []struct {
		in   string
		col  int
		want string
	}{
		{"", 1, "empty"},
		{"p(99)<200", 7, "give a unit, like 200ms"},
		{"p(99)<200xs", 10, `unknown unit "xs"`},
		{"p(99)=200ms", 6, "use =="},
		{"p(99)=<200ms", 6, "write <= instead of =<"},
		{"p(99)", 6, "expected a comparison"},
		{"p(99)<", 7, "expected a value"},
		{"p(99)<fast", 7, "expected a number"},
		{"p(99<1s", 5, "expected ) to close"},
		{"p 99<1s", 3, "expected ( after p"},
		{"p()<1s", 3, "expected a percentile"},
		{"p(0)<1s", 3, "above 0 and at most 100"},
		{"p(101)<1s", 3, "above 0 and at most 100"},
		{"p999.5<1s", 5, "already reads as p(99.9)"},
		{"p99.<1s", 5, "digits after the decimal point"},
		{"latncy.p(99)<1s", 1, `did you mean "latency"?`},
		{"service.p(99)<1s && x", 18, "one comparison per threshold"},
		{"p(99)<1s p(50)<1ms", 10, "one comparison per threshold"},
		{"avrg<1s", 1, `did you mean "avg"?`},
		{"eror_rate<1%", 1, `did you mean "error_rate"?`},
		{"latency<1s", 8, "latency needs a statistic"},
		{"error_rate.p(99)<1s", 1, "error_rate has no statistics"},
		{"error_rate<5", 12, "write 5% or 0.05"},
		{"error_rate<1ms", 13, "percentage"},
		{"error_rate<150%", 12, "between 0% and 100%"},
		{"rps>10ms", 7, "requests per second"},
		{"dropped==0ms", 11, "a count"},
		{"max<-1s", 5, "cannot be negative"},
		{"µs<1s", 1, "expected a statistic"},
		{"service.µ<1s", 8, "service needs a statistic"},
		{"service.avrg<1s", 9, `unknown statistic "avrg", did you mean "avg"?`},
	}
	for _, tc := range tests {
		_, err := ParseThreshold(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v, want a *ParseError", tc.in, err)
			continue
		}
		if pe.Col != tc.col || !strings.Contains(pe.Msg, tc.want) {
			t.Errorf("%q: column %d %q; want column %d containing %q", tc.in, pe.Col, pe.Msg, tc.col, tc.want)
		}
	}
}

func TestParseErrorPointer(t *testing.T) {
	_, err := ParseThreshold("p(99)<200")
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	got := pe.Pointer("  ")
	want := "  p(99)<200\n        ^"
	if got != want {
		t.Errorf("pointer:\n%s\nwant:\n%s", got, want)
	}
}

func TestEvaluateThresholds(t *testing.T) {
	r := synth{intervals: 5, rate: 1000, median: 10 * time.Millisecond, errEvery: 100}.build()
	lat, _ := r.Histogram("latency")
	p99 := float64(lat.ValueAtQuantile(99)) / 1000
	tests := []struct {
		expr string
		pass bool
		text string
	}{
		{"p(99)<10s", true, "p(99) = "},
		{"p(99)<1ms", false, "limit < 1.00ms"},
		{"p(50)>1ms", true, ""},
		{"avg<1s", true, ""},
		{"max>=1us", true, ""},
		{"error_rate<2%", true, "error_rate = 1%"},
		{"error_rate<0.5%", false, ""},
		{"requests==5000", true, ""},
		{"errors==50", true, ""},
		{"dropped==0", true, ""},
		{"rps>100", true, "/s"},
		{"connect.count==10", true, ""},
		{"dns.p(99)<1ms", false, "no samples"},
		{"service.p(99)<=10s", true, ""},
	}
	for _, tc := range tests {
		th, err := ParseThreshold(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		v := th.Evaluate(r)
		if v.Pass != tc.pass || !strings.Contains(v.Text, tc.text) || v.Threshold != tc.expr {
			t.Errorf("%q: %+v; want pass=%v, text containing %q", tc.expr, v, tc.pass, tc.text)
		}
	}
	v := Evaluate(r, mustThresholds(t, "p(99)<10s"))
	if v[0].Actual != round3(p99) || v[0].Unit != "ms" {
		t.Errorf("actual %v %s, want %v ms", v[0].Actual, v[0].Unit, p99)
	}
	if !Passed(nil) || Passed([]Verdict{{Pass: true}, {}}) {
		t.Error("Passed")
	}
}

func mustThresholds(t testing.TB, exprs ...string) []Threshold {
	t.Helper()
	ths, err := ParseThresholds(exprs)
	if err != nil {
		t.Fatal(err)
	}
	return ths
}

func TestParseThresholdsJoinsErrors(t *testing.T) {
	_, err := ParseThresholds([]string{"p(99)<1s", "p(99)<1", "bogus<1"})
	if err == nil || !strings.Contains(err.Error(), "column 7") || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("error %v", err)
	}
}

// FuzzParseThreshold checks the parser never panics, that errors have a
// column inside the expression (or just past its end), and that what
// parses re-parses from its canonical form to the same threshold.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p(99)<200ms", "p(99.9) <= 1s", "service.p99<1ms", "error_rate<1%", "rps>1000", "dropped==0", "avg<50µs", "p999<5ms", "x.y.z", "p(", "é<1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error %T %v", s, err, err)
			}
			if pe.Col < 1 || pe.Col > utf8.RuneCountInString(s)+1 {
				t.Fatalf("%q: column %d out of range", s, pe.Col)
			}
			return
		}
		canon := th.Selector.String() + string(th.Op) + formatLimit(th)
		again, err := ParseThreshold(canon)
		if err != nil {
			t.Fatalf("%q: canonical form %q does not parse: %v", s, canon, err)
		}
		if again.Selector != th.Selector || again.Op != th.Op {
			t.Fatalf("%q → %q: %+v != %+v", s, canon, again, th)
		}
	})
}

func formatLimit(th Threshold) string {
	switch th.kind() {
	case kindDuration:
		return trimNum(th.Limit) + "us"
	case kindRate:
		return trimNum(th.Limit*100) + "%"
	}
	return trimNum(th.Limit)
}
