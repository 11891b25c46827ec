package reports

import (
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/stampede-lab/stampede/engine/metrics"
)

// EvaluateLive checks a whole-run threshold on the totals of a run still
// going (an engine snapshot's Total), for thresholds that abort a run
// that is clearly broken. Step thresholds need the finished results.
func (t Threshold) EvaluateLive(tot *metrics.Interval) (Verdict, error) {
	if t.Step != "" {
		return Verdict{}, fmt.Errorf("%s: step thresholds are checked at the end only", t.Expr)
	}
	m := measure{
		hist: func(name string) (*hdr.Histogram, error) {
			for h := range metrics.NumHists {
				if h.String() == name {
					return tot.Hists[h], nil
				}
			}
			return nil, fmt.Errorf("no %q histogram", name)
		},
		requests: tot.Requests, errors: tot.Errors, dropped: tot.Dropped, interrupts: tot.Interrupted,
		rps: tot.RPS(),
	}
	v := Verdict{Threshold: t.Expr}
	actual, ok, err := t.Selector.valueOf(m)
	if err != nil || !ok {
		// Nothing measured yet is not "clearly broken".
		v.Pass = true
		return v, err
	}
	v.Pass, v.Actual = t.Op.Holds(actual, t.Limit), actual
	v.Text = fmt.Sprintf("%s = %s, limit %s %s", t.Selector, t.Selector.format(actual), t.Op, t.Selector.format(t.Limit))
	return v, nil
}
