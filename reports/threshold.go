package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A threshold is a budget a run must keep, written the way people say it:
//
//	p(99) < 200ms          latency (the default metric) at the 99th percentile
//	p99.9 <= 1s            same as p(99.9); p50, p90, p95, p99, p999, p9999 too
//	avg < 50ms             also mean, med, min, max, stdev
//	service.p(99) < 100ms  a metric prefix: latency, service, ttfb,
//	                       scheduler_lag, dns, connect, tls
//	error_rate < 1%        a fraction: 1% or 0.01
//	rps > 1000             finished requests per second over the run
//	dropped == 0           also requests, errors, interrupted
//
// Operators are <, <=, >, >=, == and !=. Durations need a unit (us, µs,
// ms, s, m, h): a bare "200" could mean anything. Spaces are free.
//
// The grammar, hand-written so that every error points at a column:
//
//	threshold = [ metric "." ] stat op value
//	stat      = "p(" number ")" | "p" digits ["." digits] | name
//	value     = number [ unit ]

// Op is a comparison operator of a threshold.
type Op string

// The operators a threshold may use.
const (
	OpLess      Op = "<"
	OpLessEq    Op = "<="
	OpGreater   Op = ">"
	OpGreaterEq Op = ">="
	OpEqual     Op = "=="
	OpNotEqual  Op = "!="
)

// Holds reports whether actual op limit is true.
func (o Op) Holds(actual, limit float64) bool {
	switch o {
	case OpLess:
		return actual < limit
	case OpLessEq:
		return actual <= limit
	case OpGreater:
		return actual > limit
	case OpGreaterEq:
		return actual >= limit
	case OpEqual:
		return actual == limit
	case OpNotEqual:
		return actual != limit
	}
	return false
}

// kind says what a metric's values are.
type kind int

const (
	kindDuration   kind = iota // histogram in µs; stats are durations
	kindRate                   // a fraction 0..1
	kindThroughput             // per second
	kindCount                  // a whole number
)

// histMetrics are the metrics with a histogram, by name in results files.
var histMetrics = []string{"latency", "service", "ttfb", "scheduler_lag", "dns", "connect", "tls"}

// runMetrics are the run-level numbers a threshold may check, with kind.
var runMetrics = map[string]kind{
	"error_rate":  kindRate,
	"rps":         kindThroughput,
	"requests":    kindCount,
	"errors":      kindCount,
	"dropped":     kindCount,
	"interrupted": kindCount,
}

// histStats are the statistics of a histogram metric besides p(N).
var histStats = []string{"avg", "mean", "med", "min", "max", "stdev", "count"}

// Selector names one number of a run: a statistic of a histogram metric
// (Stat set) or a run-level number (Stat empty).
type Selector struct {
	// Metric is a histogram (latency, service, ...) or a run-level number
	// (error_rate, rps, requests, errors, dropped, interrupted).
	Metric string
	// Stat is p, avg, med, min, max, stdev or count for a histogram metric.
	Stat string
	// Quantile is the percentile of Stat "p", in (0, 100].
	Quantile float64
}

func (s Selector) kind() kind {
	if s.Stat == "count" {
		return kindCount
	}
	if s.Stat != "" {
		return kindDuration
	}
	return runMetrics[s.Metric]
}

// String writes the selector in its canonical form: "p(99)",
// "service.max", "error_rate".
func (s Selector) String() string {
	var stat string
	switch s.Stat {
	case "":
		return s.Metric
	case "p":
		stat = "p(" + strconv.FormatFloat(s.Quantile, 'f', -1, 64) + ")"
	default:
		stat = s.Stat
	}
	if s.Metric == "latency" {
		return stat
	}
	return s.Metric + "." + stat
}

// Threshold is a parsed budget, e.g. p(99)<200ms.
type Threshold struct {
	// Expr is the expression as written.
	Expr string
	// Step, when set, judges only that step of the flows ("flow/step",
	// or "step" in every flow that has it) instead of the whole run.
	Step string
	Selector
	Op Op
	// Limit is in µs for durations, a fraction for error_rate, and a
	// plain number otherwise.
	Limit float64
}

// ParseError is a threshold (or regression tolerance) that does not
// parse; Col is the 1-based column, in characters, of the problem.
type ParseError struct {
	Expr string
	Col  int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%q, column %d: %s", e.Expr, e.Col, e.Msg)
}

// Pointer renders the expression with a caret under the column, for a
// terminal: two lines, indented by indent.
func (e *ParseError) Pointer(indent string) string {
	return indent + e.Expr + "\n" + indent + strings.Repeat(" ", max(0, e.Col-1)) + "^"
}

// scanner walks an expression by rune, keeping the column.
type scanner struct {
	src string
	pos int // byte offset
}

func (s *scanner) errAt(pos int, format string, args ...any) *ParseError {
	return &ParseError{Expr: s.src, Col: utf8.RuneCountInString(s.src[:pos]) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) peek() rune {
	if s.pos >= len(s.src) {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s.src[s.pos:])
	return r
}

func (s *scanner) spaces() {
	for s.pos < len(s.src) && (s.src[s.pos] == ' ' || s.src[s.pos] == '\t') {
		s.pos++
	}
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' }
func isDigit(r rune) bool  { return r >= '0' && r <= '9' }

func (s *scanner) ident() string {
	start := s.pos
	for s.pos < len(s.src) {
		r := rune(s.src[s.pos])
		if !isLetter(r) && !isDigit(r) {
			break
		}
		s.pos++
	}
	return s.src[start:s.pos]
}

// number reads digits with at most one decimal point.
func (s *scanner) number() (float64, bool) {
	start := s.pos
	dot := false
	for s.pos < len(s.src) {
		c := s.src[s.pos]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			goto done
		}
		s.pos++
	}
done:
	text := s.src[start:s.pos]
	if text == "" || text == "." {
		s.pos = start
		return 0, false
	}
	v, err := strconv.ParseFloat(text, 64)
	return v, err == nil
}

// parseSelector reads [metric "."] stat, or a run-level metric name.
func (s *scanner) parseSelector() (Selector, *ParseError) {
	s.spaces()
	start := s.pos
	r := s.peek()
	if !isLetter(r) {
		if r == 0 {
			return Selector{}, s.errAt(s.pos, "empty: expected a statistic like p(99), avg or error_rate")
		}
		return Selector{}, s.errAt(s.pos, "expected a statistic like p(99), avg or error_rate, found %q", r)
	}
	name := s.ident()
	sel := Selector{Metric: "latency"}
	// A metric prefix: a name followed by "." and a letter.
	if s.peek() == '.' && s.pos+1 < len(s.src) && isLetter(rune(s.src[s.pos+1])) {
		if !contains(histMetrics, name) {
			msg := fmt.Sprintf("unknown metric %q", name)
			if _, ok := runMetrics[name]; ok {
				msg = fmt.Sprintf("%s has no statistics: write %s < value", name, name)
			} else if sg := suggest(name, histMetrics); sg != "" {
				msg += fmt.Sprintf(", did you mean %q?", sg)
			}
			return Selector{}, s.errAt(start, "%s (metrics: %s)", msg, strings.Join(histMetrics, ", "))
		}
		sel.Metric = name
		s.pos++ // the dot
		start = s.pos
		name = s.ident()
	} else if _, ok := runMetrics[name]; ok {
		return Selector{Metric: name}, nil
	} else if contains(histMetrics, name) {
		return Selector{}, s.errAt(s.pos, "%s needs a statistic: %s.p(99), %s.avg, %s.max", name, name, name, name)
	}
	switch {
	case name == "p":
		s.spaces()
		if s.peek() != '(' {
			return Selector{}, s.errAt(s.pos, "expected ( after p, as in p(99)")
		}
		s.pos++
		s.spaces()
		qpos := s.pos
		q, ok := s.number()
		if !ok {
			return Selector{}, s.errAt(qpos, "expected a percentile, as in p(99) or p(99.9)")
		}
		if err := checkQuantile(s, qpos, q); err != nil {
			return Selector{}, err
		}
		s.spaces()
		if s.peek() != ')' {
			return Selector{}, s.errAt(s.pos, "expected ) to close p(")
		}
		s.pos++
		sel.Stat, sel.Quantile = "p", q
	case len(name) > 1 && name[0] == 'p' && allDigits(name[1:]):
		q, err := shortQuantile(s, start, name[1:])
		if err != nil {
			return Selector{}, err
		}
		sel.Stat, sel.Quantile = "p", q
	case contains(histStats, name):
		sel.Stat = name
		switch name {
		case "mean":
			sel.Stat = "avg"
		case "med":
			sel.Stat, sel.Quantile = "p", 50
		}
	default:
		msg := fmt.Sprintf("unknown statistic %q", name)
		all := append(append([]string{"p"}, histStats...), keys(runMetrics)...)
		if sg := suggest(name, all); sg != "" {
			msg += fmt.Sprintf(", did you mean %q?", sg)
		}
		return Selector{}, s.errAt(start, "%s (use p(N), %s, or %s)", msg, strings.Join(histStats, ", "), strings.Join(keys(runMetrics), ", "))
	}
	return sel, nil
}

// shortQuantile reads p99, p999 (99.9), p9999 (99.99) and p99.5: the digits
// after the first two are decimals, as in the results file's names.
func shortQuantile(s *scanner, start int, digits string) (float64, *ParseError) {
	text := digits
	if len(digits) > 2 && digits != "100" {
		text = digits[:2] + "." + digits[2:]
	}
	if s.peek() == '.' {
		if len(digits) > 2 {
			return 0, s.errAt(s.pos, "p%s already reads as p(%s): for more decimals write p(%s5)", digits, text, text)
		}
		s.pos++
		frac := s.pos
		for s.pos < len(s.src) && isDigit(rune(s.src[s.pos])) {
			s.pos++
		}
		if s.pos == frac {
			return 0, s.errAt(s.pos, "expected digits after the decimal point")
		}
		text += "." + s.src[frac:s.pos]
	}
	q, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, s.errAt(start, "bad percentile %q", text)
	}
	if perr := checkQuantile(s, start+1, q); perr != nil {
		return 0, perr
	}
	return q, nil
}

func checkQuantile(s *scanner, pos int, q float64) *ParseError {
	if q <= 0 || q > 100 {
		return s.errAt(pos, "the percentile must be above 0 and at most 100, got %s", strconv.FormatFloat(q, 'f', -1, 64))
	}
	return nil
}

func (s *scanner) parseOp() (Op, *ParseError) {
	s.spaces()
	start := s.pos
	two := ""
	if s.pos+2 <= len(s.src) {
		two = s.src[s.pos : s.pos+2]
	}
	switch two {
	case "<=", ">=", "==", "!=":
		s.pos += 2
		return Op(two), nil
	case "=<", "=>":
		return "", s.errAt(start, "write %c= instead of %s", two[1], two)
	}
	switch s.peek() {
	case '<', '>':
		s.pos++
		return Op(s.src[start:s.pos]), nil
	case '=':
		return "", s.errAt(start, "use == to compare for equality")
	case 0:
		return "", s.errAt(start, "expected a comparison (<, <=, >, >=, ==, !=) and a value")
	}
	return "", s.errAt(start, "expected a comparison (<, <=, >, >=, ==, !=), found %q", s.peek())
}

// units maps a duration unit to microseconds.
var units = map[string]float64{"us": 1, "µs": 1, "μs": 1, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}

// parseValue reads a number and its unit and converts it for kind k.
func (s *scanner) parseValue(k kind, sel Selector) (float64, *ParseError) {
	s.spaces()
	start := s.pos
	neg := false
	if s.peek() == '-' {
		neg = true
		s.pos++
	}
	v, ok := s.number()
	if !ok {
		if s.peek() == 0 {
			return 0, s.errAt(s.pos, "expected a value after the comparison")
		}
		return 0, s.errAt(s.pos, "expected a number, found %q", s.peek())
	}
	if neg {
		v = -v
	}
	upos := s.pos
	unit := ""
	for s.pos < len(s.src) {
		r, n := utf8.DecodeRuneInString(s.src[s.pos:])
		if r == ' ' || r == '\t' {
			break
		}
		unit += string(r)
		s.pos += n
	}
	switch k {
	case kindDuration:
		if unit == "" {
			return 0, s.errAt(start, "%s is a duration: give a unit, like %sms or %ss", sel, trimNum(v), trimNum(v))
		}
		mul, ok := units[unit]
		if !ok {
			return 0, s.errAt(upos, "unknown unit %q (use us, ms, s, m or h)", unit)
		}
		if v < 0 {
			return 0, s.errAt(start, "a duration cannot be negative")
		}
		return v * mul, nil
	case kindRate:
		switch unit {
		case "%":
			v /= 100
		case "":
			if v >= 1 {
				return 0, s.errAt(start, "%s is a fraction from 0 to 1: write %s%% or %s", sel.Metric, trimNum(v), trimNum(v/100))
			}
		default:
			return 0, s.errAt(upos, "%s takes a fraction (0.01) or a percentage (1%%), not %q", sel.Metric, unit)
		}
		if v < 0 || v > 1 {
			return 0, s.errAt(start, "%s is between 0%% and 100%%", sel.Metric)
		}
		return v, nil
	case kindThroughput:
		if unit != "" && unit != "/s" {
			return 0, s.errAt(upos, "%s is in requests per second: a plain number (or with /s), not %q", sel, unit)
		}
	default:
		if unit != "" {
			return 0, s.errAt(upos, "%s is a count: a plain number, not %q", sel, unit)
		}
	}
	if v < 0 {
		return 0, s.errAt(start, "%s cannot be negative", sel)
	}
	return v, nil
}

// ParseThreshold parses one threshold expression; errors are *ParseError.
func ParseThreshold(expr string) (Threshold, error) {
	s := &scanner{src: expr}
	sel, perr := s.parseSelector()
	if perr != nil {
		return Threshold{}, perr
	}
	op, perr := s.parseOp()
	if perr != nil {
		return Threshold{}, perr
	}
	v, perr := s.parseValue(sel.kind(), sel)
	if perr != nil {
		return Threshold{}, perr
	}
	s.spaces()
	if s.pos < len(s.src) {
		return Threshold{}, s.errAt(s.pos, "unexpected %q after the value: one comparison per threshold (repeat --threshold for more)", s.src[s.pos:])
	}
	return Threshold{Expr: strings.TrimSpace(expr), Selector: sel, Op: op, Limit: v}, nil
}

// ParseThresholds parses each expression, and returns every error found,
// joined, with the expression's position in the list.
func ParseThresholds(exprs []string) ([]Threshold, error) {
	var out []Threshold
	var errs []string
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out = append(out, t)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// Verdict is the outcome of one threshold on one run, as the results
// file, the summary JSON, JUnit and the HTML report show it.
type Verdict struct {
	// Threshold is the expression as written.
	Threshold string `json:"threshold"`
	// Step is the step the threshold judged; empty for the whole run.
	Step string `json:"step,omitempty"`
	Pass bool   `json:"pass"`
	// Actual is the measured value, in Unit: ms for durations, a
	// fraction for rates, a number otherwise. NaN-free: 0 when no samples.
	Actual float64 `json:"actual"`
	Unit   string  `json:"unit,omitempty"`
	// Text is a one-line explanation, e.g. "p(99) = 212ms, limit < 200ms".
	Text string `json:"text"`
}

// Value measures the selector on the whole run r, in the unit the
// selector's kind uses (µs for durations). ok is false when the histogram
// has no samples.
func (s Selector) Value(r *Results) (v float64, ok bool, err error) {
	return s.valueOf(runMeasure(r))
}

func (s Selector) valueOf(m measure) (v float64, ok bool, err error) {
	if s.Stat == "" {
		switch s.Metric {
		case "error_rate":
			if m.requests == 0 {
				return 0, false, nil
			}
			return float64(m.errors) / float64(m.requests), true, nil
		case "rps":
			return m.rps, true, nil
		case "requests":
			return float64(m.requests), true, nil
		case "errors":
			return float64(m.errors), true, nil
		case "dropped":
			return float64(m.dropped), true, nil
		case "interrupted":
			return float64(m.interrupts), true, nil
		}
		return 0, false, fmt.Errorf("unknown metric %q", s.Metric)
	}
	h, err := m.hist(s.Metric)
	if err != nil {
		return 0, false, err
	}
	if s.Stat == "count" {
		return float64(h.TotalCount()), true, nil
	}
	if h.TotalCount() == 0 {
		return 0, false, nil
	}
	switch s.Stat {
	case "p":
		return float64(h.ValueAtQuantile(s.Quantile)), true, nil
	case "avg":
		return h.Mean(), true, nil
	case "min":
		return float64(h.Min()), true, nil
	case "max":
		return float64(h.Max()), true, nil
	case "stdev":
		return h.StdDev(), true, nil
	}
	return 0, false, fmt.Errorf("unknown statistic %q", s.Stat)
}

// format writes a value of the selector's kind for people.
func (s Selector) format(v float64) string {
	switch s.kind() {
	case kindDuration:
		return ms(v / 1000)
	case kindRate:
		return strconv.FormatFloat(100*v, 'g', 4, 64) + "%"
	case kindThroughput:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	}
	return trimNum(v)
}

// Evaluate checks t on r. A duration threshold on a histogram without
// samples fails: a run that measured nothing does not meet a budget.
func (t Threshold) Evaluate(r *Results) Verdict {
	v := Verdict{Threshold: t.Expr, Step: t.Step}
	m := runMeasure(r)
	if t.Step != "" {
		var err error
		if m, err = stepMeasure(r, t.Step); err != nil {
			v.Text = err.Error()
			return v
		}
	}
	actual, ok, err := t.Selector.valueOf(m)
	limit := t.Selector.format(t.Limit)
	switch {
	case err != nil:
		v.Text = fmt.Sprintf("%s: cannot be measured: %v", t.Selector, err)
		return v
	case !ok:
		v.Text = fmt.Sprintf("%s: no samples, so it cannot be checked (limit %s %s)", t.Selector, t.Op, limit)
		return v
	}
	v.Pass = t.Op.Holds(actual, t.Limit)
	v.Actual = actual
	if t.kind() == kindDuration {
		v.Actual, v.Unit = round3(actual/1000), "ms"
	} else if t.kind() == kindThroughput {
		v.Actual, v.Unit = round3(actual), "/s"
	}
	v.Text = fmt.Sprintf("%s = %s, limit %s %s", t.Selector, t.Selector.format(actual), t.Op, limit)
	return v
}

// Evaluate checks every threshold on r, in order.
func Evaluate(r *Results, ths []Threshold) []Verdict {
	out := make([]Verdict, 0, len(ths))
	for _, t := range ths {
		out = append(out, t.Evaluate(r))
	}
	return out
}

// Passed reports whether every verdict passed (true for none).
func Passed(vs []Verdict) bool {
	for _, v := range vs {
		if !v.Pass {
			return false
		}
	}
	return true
}

// WriteVerdicts prints verdicts under a title ("thresholds"), one a
// line, for the terminal.
func WriteVerdicts(w io.Writer, title string, vs []Verdict) error {
	if len(vs) == 0 {
		return nil
	}
	var b strings.Builder
	failed := 0
	fmt.Fprintf(&b, "\n  %s:\n", title)
	for _, v := range vs {
		mark := "ok  "
		if !v.Pass {
			mark = "FAIL"
			failed++
		}
		name := v.Threshold
		if v.Step != "" {
			name += " (step " + v.Step + ")"
		}
		fmt.Fprintf(&b, "    %s  %-24s %s\n", mark, name, v.Text)
	}
	if failed > 0 {
		fmt.Fprintf(&b, "  %d of %d failed\n", failed, len(vs))
	} else {
		fmt.Fprintf(&b, "  all %d passed\n", len(vs))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func trimNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func allDigits(s string) bool {
	for _, r := range s {
		if !isDigit(r) {
			return false
		}
	}
	return s != ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys(m map[string]kind) []string {
	out := make([]string, 0, len(m))
	for _, k := range []string{"error_rate", "rps", "requests", "errors", "dropped", "interrupted"} {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// suggest returns the candidate nearest to s when it is a likely typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(1, len(s)/3) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
