package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// compareRows are the numbers a comparison shows, in order.
var compareRows = []Selector{
	{Metric: "latency", Stat: "p", Quantile: 50},
	{Metric: "latency", Stat: "p", Quantile: 90},
	{Metric: "latency", Stat: "p", Quantile: 99},
	{Metric: "latency", Stat: "p", Quantile: 99.9},
	{Metric: "latency", Stat: "max"},
	{Metric: "latency", Stat: "avg"},
	{Metric: "service", Stat: "p", Quantile: 50},
	{Metric: "service", Stat: "p", Quantile: 99},
	{Metric: "rps"},
	{Metric: "error_rate"},
	{Metric: "requests"},
	{Metric: "dropped"},
}

// higherIsBetter says which way a number improves.
func (s Selector) higherIsBetter() bool {
	return s.Stat == "" && (s.Metric == "rps" || s.Metric == "requests")
}

// Cell is one number of one run in a comparison.
type Cell struct {
	Value float64 `json:"value"`
	Text  string  `json:"text"`
	// OK is false when the run has no samples for it.
	OK bool `json:"ok"`
	// Change is (value − base) / base, relative to the first run; NaN-free:
	// 0 when either is missing or the base is 0.
	Change float64 `json:"change"`
	// Worse is true when the change goes the bad way by more than 1%.
	Worse  bool `json:"worse"`
	Better bool `json:"better"`
}

// CompareRow is one number across runs.
type CompareRow struct {
	Name  string `json:"name"`
	Cells []Cell `json:"cells"`
}

// Comparison puts runs side by side, each against the first.
type Comparison struct {
	Labels []string     `json:"labels"`
	Rows   []CompareRow `json:"rows"`
}

// Compare builds the comparison of runs, the first being the base.
func Compare(runs []Named) (*Comparison, error) {
	c := &Comparison{}
	for _, r := range runs {
		c.Labels = append(c.Labels, r.Name)
	}
	for _, sel := range compareRows {
		row := CompareRow{Name: sel.String()}
		var base float64
		for i, r := range runs {
			v, ok, err := sel.Value(r.Results)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.Name, err)
			}
			if i == 0 {
				base = v
			}
			cell := Cell{Value: v, OK: ok, Text: "—"}
			if ok {
				cell.Text = sel.format(v)
			}
			if i > 0 && ok && row.Cells[0].OK && base != 0 {
				cell.Change = (v - base) / base
				worse := cell.Change > 0.01
				better := cell.Change < -0.01
				if sel.higherIsBetter() {
					worse, better = better, worse
				}
				cell.Worse, cell.Better = worse, better
			}
			if sel.kind() == kindDuration {
				cell.Value = round3(v / 1000) // ms, as everywhere in reports
			}
			row.Cells = append(row.Cells, cell)
		}
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

// ChangeText writes a relative change as "+12.3%", or "" for none.
func (c Cell) ChangeText() string {
	if c.Change == 0 {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", 100*c.Change)
}

// WriteComparison prints the comparison as a table for the terminal.
func WriteComparison(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\ncomparing against %s:\n", c.Labels[0])
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "  \t")
	for i, l := range c.Labels {
		if i > 0 {
			fmt.Fprintf(tw, "%s\tΔ\t", l)
		} else {
			fmt.Fprintf(tw, "%s\t", l)
		}
	}
	fmt.Fprintln(tw)
	for _, row := range c.Rows {
		fmt.Fprintf(tw, "  %s\t", row.Name)
		for i, cell := range row.Cells {
			if i == 0 {
				fmt.Fprintf(tw, "%s\t", cell.Text)
				continue
			}
			mark := ""
			switch {
			case cell.Worse:
				mark = " worse"
			case cell.Better:
				mark = " better"
			}
			fmt.Fprintf(tw, "%s\t%s%s\t", cell.Text, cell.ChangeText(), mark)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Regression is a tolerance of `stampede compare --max-regression`: how
// much worse than the base a number may get.
//
//	p99=10%            p(99) may grow by 10% (any selector of a threshold)
//	service.p(99)=5ms  may grow by 5 ms
//	rps=5%             may fall by 5%
//	error_rate=0.5%    may rise by 0.5 percentage points
//	dropped=0          may not rise at all
type Regression struct {
	Expr string
	Selector
	// Relative tolerances are fractions of the base (0.1 for 10%);
	// absolute ones are in the selector's unit (µs for durations).
	Relative  bool
	Tolerance float64
}

// ParseRegression parses one tolerance; errors are *ParseError.
func ParseRegression(expr string) (Regression, error) {
	s := &scanner{src: expr}
	sel, perr := s.parseSelector()
	if perr != nil {
		return Regression{}, perr
	}
	s.spaces()
	if s.peek() != '=' {
		if s.peek() == 0 {
			return Regression{}, s.errAt(s.pos, "expected =tolerance, like p99=10%% or p99=5ms")
		}
		return Regression{}, s.errAt(s.pos, "expected =, as in p99=10%%, found %q", s.peek())
	}
	s.pos++
	s.spaces()
	r := Regression{Expr: strings.TrimSpace(expr), Selector: sel}
	vpos := s.pos
	v, ok := s.number()
	if !ok {
		return Regression{}, s.errAt(s.pos, "expected a tolerance, like 10%% or 5ms")
	}
	upos := s.pos
	unit := strings.TrimSpace(s.src[s.pos:])
	switch {
	case sel.kind() == kindRate:
		if unit != "%" {
			return Regression{}, s.errAt(upos, "%s's tolerance is in percentage points, like 0.5%%", sel.Metric)
		}
		r.Tolerance = v / 100
	case unit == "%":
		r.Relative, r.Tolerance = true, v/100
	case sel.kind() == kindDuration:
		mul, ok := units[unit]
		if !ok && unit == "" {
			return Regression{}, s.errAt(vpos, "give a unit: %s%% (relative to the base) or %sms (absolute)", trimNum(v), trimNum(v))
		}
		if !ok {
			return Regression{}, s.errAt(upos, "expected a percentage (10%%) or a duration (5ms), found %q", unit)
		}
		r.Tolerance = v * mul
	case unit == "" || unit == "/s" && sel.kind() == kindThroughput:
		r.Tolerance = v
	default:
		return Regression{}, s.errAt(upos, "expected a percentage (10%%) or a plain number, found %q", unit)
	}
	if math.IsInf(r.Tolerance, 0) || r.Tolerance < 0 {
		return Regression{}, s.errAt(vpos, "the tolerance must be a finite number >= 0")
	}
	return r, nil
}

// Check compares next with base and says whether the number stayed within
// the tolerance. The verdict's Threshold is the tolerance as written.
func (g Regression) Check(base, next *Results) Verdict {
	v := Verdict{Threshold: g.Expr}
	b, bok, err1 := g.Selector.Value(base)
	n, nok, err2 := g.Selector.Value(next)
	switch {
	case err1 != nil || err2 != nil:
		v.Text = fmt.Sprintf("%s cannot be measured: %v", g.Selector, firstErr(err1, err2))
		return v
	case !bok || !nok:
		v.Text = fmt.Sprintf("%s: no samples in one of the runs", g.Selector)
		return v
	}
	worse := n - b
	if g.higherIsBetter() {
		worse = b - n
	}
	allowed := g.Tolerance
	tol := g.format(g.Tolerance)
	if g.Relative {
		allowed = g.Tolerance * math.Abs(b)
		tol = strconv.FormatFloat(100*g.Tolerance, 'f', -1, 64) + "%"
	} else if g.kind() == kindRate {
		tol = strconv.FormatFloat(100*g.Tolerance, 'f', -1, 64) + " points"
	}
	v.Pass = worse <= allowed*(1+1e-12)
	v.Actual = n
	if g.kind() == kindDuration {
		v.Actual, v.Unit = round3(n/1000), "ms"
	}
	change := ""
	if b != 0 {
		change = fmt.Sprintf(" (%+.1f%%)", 100*(n-b)/math.Abs(b))
	}
	dir := "worse"
	if g.higherIsBetter() {
		dir = "lower"
	}
	v.Text = fmt.Sprintf("%s %s → %s%s, may get %s by %s", g.Selector, g.format(b), g.format(n), change, dir, tol)
	return v
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
