package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRegression(t *testing.T) {
	tests := []struct {
		in       string
		sel      string
		relative bool
		tol      float64
	}{
		{"p99=10%", "p(99)", true, 0.1},
		{"p(99.9) = 25%", "p(99.9)", true, 0.25},
		{"service.p(99)=5ms", "service.p(99)", false, 5000},
		{"rps=5%", "rps", true, 0.05},
		{"rps=100/s", "rps", false, 100},
		{"error_rate=0.5%", "error_rate", false, 0.005},
		{"dropped=0", "dropped", false, 0},
		{"max=1s", "max", false, 1e6},
	}
	for _, tc := range tests {
		g, err := ParseRegression(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if g.Selector.String() != tc.sel || g.Relative != tc.relative || g.Tolerance != tc.tol {
			t.Errorf("%q = %s relative=%v %g", tc.in, g.Selector, g.Relative, g.Tolerance)
		}
	}
	bad := []struct {
		in   string
		col  int
		want string
	}{
		{"p99", 4, "expected =tolerance"},
		{"p99<10%", 4, "expected ="},
		{"p99=", 5, "expected a tolerance"},
		{"p99=10", 5, "give a unit: 10% (relative to the base) or 10ms"},
		{"p99=10xs", 7, "a percentage (10%) or a duration"},
		{"error_rate=1", 13, "percentage points"},
		{"rps=5ms", 6, "a plain number"},
		{"p98x=1%", 1, "unknown statistic"},
	}
	for _, tc := range bad {
		_, err := ParseRegression(tc.in)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Col != tc.col || !strings.Contains(pe.Msg, tc.want) {
			t.Errorf("%q: %v; want column %d with %q", tc.in, err, tc.col, tc.want)
		}
	}
}

func TestRegressionCheckBothWays(t *testing.T) {
	base := synth{intervals: 4, rate: 2000, median: 10 * time.Millisecond, seed: 1}.build()
	same := synth{intervals: 4, rate: 2000, median: 10 * time.Millisecond, seed: 2}.build()
	slow := synth{intervals: 4, rate: 2000, median: 10 * time.Millisecond, seed: 3, spike: 2}.build()
	errs := synth{intervals: 4, rate: 2000, median: 10 * time.Millisecond, seed: 4, errEvery: 50}.build()
	tests := []struct {
		reg  string
		next *Results
		pass bool
	}{
		{"p99=10%", same, true},
		{"p99=10%", slow, false},
		{"p99=1s", slow, true},
		{"p50=10%", slow, false},
		{"service.p(99)=10%", slow, false},
		{"error_rate=0.5%", same, true},
		{"error_rate=0.5%", errs, false},
		{"error_rate=5%", errs, true},
		{"rps=1%", same, true},
		{"errors=0", errs, false},
		{"dropped=0", same, true},
	}
	for _, tc := range tests {
		g, err := ParseRegression(tc.reg)
		if err != nil {
			t.Fatal(err)
		}
		v := g.Check(base, tc.next)
		if v.Pass != tc.pass || v.Threshold != tc.reg || v.Text == "" {
			t.Errorf("%s: %+v, want pass=%v", tc.reg, v, tc.pass)
		}
	}
	// Improving is never a regression.
	g, _ := ParseRegression("p99=0%")
	if v := g.Check(slow, base); !v.Pass {
		t.Errorf("faster run failed: %+v", v)
	}
}

func TestCompareTable(t *testing.T) {
	a := synth{intervals: 3, rate: 1000, median: 10 * time.Millisecond, seed: 1}.build()
	b := synth{intervals: 3, rate: 1000, median: 10 * time.Millisecond, seed: 1, spike: 3}.build()
	c, err := Compare([]Named{{Name: "base", Results: a}, {Name: "new", Results: b}})
	if err != nil {
		t.Fatal(err)
	}
	var p99 CompareRow
	for _, r := range c.Rows {
		if r.Name == "p(99)" {
			p99 = r
		}
	}
	if len(p99.Cells) != 2 || !p99.Cells[1].Worse || p99.Cells[1].Better {
		t.Fatalf("p(99) row %+v", p99)
	}
	want := (b.Summary.LatencyMS.P99 - a.Summary.LatencyMS.P99) / a.Summary.LatencyMS.P99
	if got := p99.Cells[1].Change; got < want-0.01 || got > want+0.01 {
		t.Errorf("p(99) change %v, want %v", got, want)
	}
	if p99.Cells[0].Value != a.Summary.LatencyMS.P99 || p99.Cells[1].Value != b.Summary.LatencyMS.P99 {
		t.Errorf("p(99) values %v %v, want %v %v ms", p99.Cells[0].Value, p99.Cells[1].Value, a.Summary.LatencyMS.P99, b.Summary.LatencyMS.P99)
	}
	// The other way round, the new run is better.
	c2, err := Compare([]Named{{Name: "new", Results: b}, {Name: "base", Results: a}})
	if err != nil {
		t.Fatal(err)
	}
	if cell := c2.Rows[2].Cells[1]; !cell.Better || cell.Worse || cell.Change >= 0 {
		t.Errorf("reverse p(99) cell %+v", cell)
	}
	var buf bytes.Buffer
	if err := WriteComparison(&buf, c); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"comparing against base", "p(99)", "worse", "error_rate", "service.p(50)"} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
}
