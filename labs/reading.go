package labs

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"text/template"
)

// A lab's reading is a text/template executed over the measured variants,
// so that every number in it is measured, never written in advance. The
// data is readingData; the functions are:
//
//	v NAME          the variant called NAME (an error if there is none)
//	(v NAME).M KEY  a metric's value (NaN when it does not apply)
//	(v NAME).F KEY  a metric formatted as in the table
//	best KEY        the variant with the highest value of KEY
//	least KEY       the variant with the lowest value of KEY
//	num X           X with about three significant digits
//	pct X           a ratio as a percentage
//	ms X            milliseconds
//	secs X          seconds
//	times A B       A/B as a factor, like 9.8×
//	div, mul, add, sub  arithmetic on numbers
//
// Comparisons (lt, gt, ...) need numbers of one kind: write 1.0, not 1.
type readingData struct {
	Lab      string
	Variants []*VariantResult
	// SLO is the lab's slo in milliseconds (0 when it has none).
	SLO float64
}

func readingFuncs(vs []*VariantResult) template.FuncMap {
	pick := func(key string, better func(a, b float64) bool) (*VariantResult, error) {
		if err := checkMetric(key); err != nil {
			return nil, err
		}
		var out *VariantResult
		for _, v := range vs {
			x := v.M(key)
			if math.IsNaN(x) {
				continue
			}
			if out == nil || better(x, out.M(key)) {
				out = v
			}
		}
		if out == nil && len(vs) > 0 {
			out = vs[0]
		}
		return out, nil
	}
	return template.FuncMap{
		"v": func(name string) (*VariantResult, error) {
			for _, v := range vs {
				if v.Name == name {
					return v, nil
				}
			}
			names := make([]string, len(vs))
			for i, v := range vs {
				names[i] = fmt.Sprintf("%q", v.Name)
			}
			return nil, fmt.Errorf("no variant %q (variants: %s)", name, strings.Join(names, ", "))
		},
		"best":  func(key string) (*VariantResult, error) { return pick(key, func(a, b float64) bool { return a > b }) },
		"least": func(key string) (*VariantResult, error) { return pick(key, func(a, b float64) bool { return a < b }) },
		"num":   num,
		"pct":   pct,
		"ms":    func(x float64) string { return strings.Replace(ms(x), "ms", " ms", 1) },
		"secs":  func(x float64) string { return num(x) + " s" },
		"times": func(a, b float64) string {
			if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
				return "-"
			}
			return num(a/b) + "×"
		},
		"div": func(a, b float64) float64 { return ratio(a, b) },
		"mul": func(a, b float64) float64 { return a * b },
		"add": func(a, b float64) float64 { return a + b },
		"sub": func(a, b float64) float64 { return a - b },
	}
}

// num shows x with about three significant digits.
func num(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x):
		return "-"
	case math.IsInf(x, 0):
		return "∞"
	case a >= 100:
		return fmt.Sprintf("%.0f", x)
	case a >= 10:
		return trimZeros(fmt.Sprintf("%.1f", x))
	case a >= 1:
		return trimZeros(fmt.Sprintf("%.2f", x))
	case a == 0:
		return "0"
	}
	return trimZeros(fmt.Sprintf("%.2g", x))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// render executes the lab's reading over vs; whitespace runs become one
// space, so that templates can be laid out freely.
func render(lab *Lab, vs []*VariantResult) (string, error) {
	if strings.TrimSpace(lab.reading) == "" {
		return defaultReading(vs), nil
	}
	t, err := template.New("reading").Funcs(readingFuncs(vs)).Option("missingkey=error").Parse(lab.reading)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	data := readingData{Lab: lab.Name, Variants: vs, SLO: float64(lab.SLO.Microseconds()) / 1000}
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(b.String()), " "), nil
}

// metricRef finds the metrics a reading names with .M and .F.
var metricRef = regexp.MustCompile(`\.[MF]\s+"([^"]*)"`)

// checkReading executes the reading over variants with no measures, to
// find mistakes (syntax, unknown variants and metrics) when the lab loads.
func checkReading(lab *Lab) error {
	for _, m := range metricRef.FindAllStringSubmatch(lab.reading, -1) {
		if err := checkMetric(m[1]); err != nil {
			return fmt.Errorf("reading: %v", err)
		}
	}
	vs := make([]*VariantResult, len(lab.Variants))
	for i, v := range lab.Variants {
		vs[i] = &VariantResult{Name: v.Name}
	}
	if _, err := render(lab, vs); err != nil {
		return fmt.Errorf("reading: %v", err)
	}
	return nil
}

// defaultReading compares throughput, latency and errors when a lab has
// no reading of its own.
func defaultReading(vs []*VariantResult) string {
	if len(vs) < 2 {
		return ""
	}
	var fast, slow, lo, hi *VariantResult
	for _, v := range vs {
		if fast == nil || v.M("rps") > fast.M("rps") {
			fast = v
		}
		if slow == nil || v.M("rps") < slow.M("rps") {
			slow = v
		}
		if lo == nil || v.M("p99") < lo.M("p99") {
			lo = v
		}
		if hi == nil || v.M("p99") > hi.M("p99") {
			hi = v
		}
	}
	s := fmt.Sprintf("%s had the highest throughput (%s req/s), %s the lowest (%s req/s). %s had the lowest p99 (%s), %s the highest (%s).",
		fast.Name, num(fast.M("rps")), slow.Name, num(slow.M("rps")), lo.Name, ms(lo.M("p99")), hi.Name, ms(hi.M("p99")))
	var failing []string
	for _, v := range vs {
		if v.M("errors") > 0 {
			failing = append(failing, fmt.Sprintf("%s %s", v.Name, pct(v.M("error_rate"))))
		}
	}
	if len(failing) > 0 {
		s += " Errors: " + strings.Join(failing, ", ") + "."
	} else {
		s += " No variant had errors."
	}
	return s
}

// Wrap breaks text into lines of at most width columns, at spaces.
func Wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		l := len([]rune(w))
		if n > 0 && n+1+l > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}
