package labs

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// Defaults of a capacity search.
const (
	DefaultStepDuration = 3 * time.Second
	DefaultStartRate    = 10
	DefaultMaxRate      = 100_000
	DefaultPrecision    = 0.05
	// maxSearchSteps bounds a search, whatever its precision.
	maxSearchSteps = 30
	// settle is the pause between two steps, for queues to empty.
	settle = 250 * time.Millisecond
	// maxStepVUs caps the VU pool of one step.
	maxStepVUs = 10_000
)

// CapacityOptions tune a capacity search.
type CapacityOptions struct {
	// Budget must hold at a rate for the rate to pass (say p(99)<100ms).
	Budget []reports.Threshold
	// MaxErrorRate is the share of requests that may fail, and the share
	// of arrivals that may be dropped or cut off, at a passing rate; 0
	// allows none.
	MaxErrorRate float64
	// StepDuration is how long each rate runs: long enough for a queue
	// that grows to show in the latency (default DefaultStepDuration).
	StepDuration time.Duration
	// StartRate is the first rate tried (default DefaultStartRate); rates
	// double from it until the budget breaks, then bisect.
	StartRate float64
	// MaxRate stops the doubling (default DefaultMaxRate).
	MaxRate float64
	// Precision ends the bisection once the gap between the highest
	// passing and lowest failing rates is this share of the former
	// (default DefaultPrecision).
	Precision float64
	// OnStep, if set, is called after each step.
	OnStep func(CapacityStep)
}

// CapacityStep is one rate tried.
type CapacityStep struct {
	Rate      float64 `json:"rate"`
	RPS       float64 `json:"rps"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	ErrorRate float64 `json:"error_rate"`
	// Lost counts arrivals dropped (no VU in time) or cut off at the end.
	Lost uint64 `json:"lost"`
	Pass bool   `json:"pass"`
	// Why says what broke the budget.
	Why string `json:"why,omitempty"`
}

// String describes the step on one line.
func (s CapacityStep) String() string {
	verdict := "held"
	if !s.Pass {
		verdict = "broke: " + s.Why
	}
	return fmt.Sprintf("%s req/s: achieved %s, p50 %s, p99 %s, errors %s, lost %d: %s",
		rateText(s.Rate), num(s.RPS), ms(s.P50), ms(s.P99), pct(s.ErrorRate), s.Lost, verdict)
}

// CapacityResult is a finished search.
type CapacityResult struct {
	// Steps in the order they ran.
	Steps []CapacityStep `json:"steps"`
	// Capacity is the highest rate that kept the budget; 0 if none did.
	Capacity float64 `json:"capacity"`
	// Limit is the lowest rate that broke it; 0 if none did (Capacity is
	// then MaxRate or more).
	Limit float64 `json:"limit"`
}

// Curve returns the steps sorted by rate.
func (c *CapacityResult) Curve() []CapacityStep {
	s := slices.Clone(c.Steps)
	slices.SortFunc(s, func(a, b CapacityStep) int {
		switch {
		case a.Rate < b.Rate:
			return -1
		case a.Rate > b.Rate:
			return 1
		}
		return 0
	})
	return s
}

// Capacity finds the highest open-model arrival rate at which plan's
// requests keep the budget: it runs plan at a constant rate for a step,
// doubling the rate from StartRate until the budget breaks (or MaxRate),
// then bisects between the last rate that held and the first that broke.
// Below capacity latency is flat; above it a queue grows for the whole
// step, so a step must be long enough for that growth to break the budget.
// The plan's own load is ignored; its requests or flows are kept.
func Capacity(ctx context.Context, plan *scenarios.Plan, o CapacityOptions) (*CapacityResult, error) {
	if o.StepDuration <= 0 {
		o.StepDuration = DefaultStepDuration
	}
	if o.StartRate <= 0 {
		o.StartRate = DefaultStartRate
	}
	if o.MaxRate <= 0 {
		o.MaxRate = DefaultMaxRate
	}
	if o.Precision <= 0 {
		o.Precision = DefaultPrecision
	}
	res := &CapacityResult{}
	var lo, hi float64 // highest pass, lowest fail
	defer func() { res.Capacity, res.Limit = lo, hi }()
	try := func(rate float64) (bool, error) {
		if len(res.Steps) > 0 {
			if err := sleep(ctx, settle); err != nil {
				return false, err
			}
		}
		st, err := capacityStep(ctx, plan, rate, o)
		if err != nil {
			return false, err
		}
		res.Steps = append(res.Steps, st)
		if o.OnStep != nil {
			o.OnStep(st)
		}
		return st.Pass, ctx.Err()
	}
	for rate := math.Min(o.StartRate, o.MaxRate); ; rate = math.Min(2*rate, o.MaxRate) {
		ok, err := try(rate)
		if err != nil {
			return res, err
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate >= o.MaxRate {
			break
		}
	}
	// Halve from a first rate that broke the budget, unless the target
	// failed every request: it is down, or the URL is wrong.
	for lo == 0 && hi/2 >= 0.5 && len(res.Steps) < maxSearchSteps && res.Steps[len(res.Steps)-1].ErrorRate < 1 {
		rate := hi / 2
		ok, err := try(rate)
		if err != nil {
			return res, err
		}
		if ok {
			lo = rate
		} else {
			hi = rate
		}
	}
	for lo > 0 && hi > 0 && (hi-lo)/lo > o.Precision && len(res.Steps) < maxSearchSteps {
		mid := (lo + hi) / 2
		ok, err := try(mid)
		if err != nil {
			return res, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return res, nil
}

// capacityStep runs plan at rate for one step and judges it.
func capacityStep(ctx context.Context, base *scenarios.Plan, rate float64, o CapacityOptions) (CapacityStep, error) {
	p := *base
	maxVUs := min(max(base.Load.MaxVUs, int(math.Ceil(rate))+50), maxStepVUs)
	p.Load = scenarios.Load{
		Executor: scenarios.ConstantArrivalRate, Rate: rate, Duration: o.StepDuration,
		VUs: min(max(int(rate/20), 1), maxVUs), MaxVUs: maxVUs,
		Grace: min(o.StepDuration, 2*time.Second), MaxBacklog: scenarios.DefaultMaxBacklog,
	}
	p.Thresholds = nil
	client, err := engine.NewClient(&p)
	if err != nil {
		return CapacityStep{}, err
	}
	defer client.Close()
	res, err := engine.Run(ctx, &p, client, engine.Options{})
	if err != nil {
		return CapacityStep{}, err
	}
	r := reports.NewResults(res, "")
	s := r.Summary
	st := CapacityStep{Rate: rate, RPS: s.RPS, P50: s.LatencyMS.P50, P99: s.LatencyMS.P99, ErrorRate: s.ErrorRate,
		Lost: s.Dropped + s.Interrupted, Pass: true}
	for _, v := range reports.Evaluate(r, o.Budget) {
		if !v.Pass {
			st.Pass, st.Why = false, v.Text
			return st, nil
		}
	}
	if s.ErrorRate > o.MaxErrorRate {
		st.Pass, st.Why = false, fmt.Sprintf("error rate %s > %s", pct(s.ErrorRate), pct(o.MaxErrorRate))
		return st, nil
	}
	if all := s.Requests + st.Lost; all > 0 && float64(st.Lost)/float64(all) > o.MaxErrorRate {
		st.Pass, st.Why = false, fmt.Sprintf("%d arrivals dropped or cut off: the target did not keep up", st.Lost)
	}
	return st, nil
}

// WriteCurve writes a search's steps by rate, its knee and, last, the
// line "capacity: N req/s".
func WriteCurve(w io.Writer, c *CapacityResult, maxRate float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rate\tachieved\tp50\tp99\terrors\tlost\tbudget\t")
	for _, s := range c.Curve() {
		verdict := "held"
		if !s.Pass {
			verdict = "broke"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t\n", rateText(s.Rate), rateText(s.RPS), ms(s.P50), ms(s.P99), pct(s.ErrorRate), s.Lost, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, Knee(c, maxRate))
	_, err := fmt.Fprintf(w, "capacity: %s req/s\n", rateText(c.Capacity))
	return err
}

// Knee describes where the budget broke.
func Knee(c *CapacityResult, maxRate float64) string {
	var lo, hi *CapacityStep
	for i := range c.Steps {
		s := &c.Steps[i]
		if s.Pass && s.Rate == c.Capacity {
			lo = s
		}
		if !s.Pass && s.Rate == c.Limit {
			hi = s
		}
	}
	switch {
	case hi == nil && lo != nil:
		return fmt.Sprintf("knee: not reached: the budget held up to %s req/s (--max-rate %s)", rateText(lo.Rate), rateText(maxRate))
	case lo == nil && hi != nil:
		return fmt.Sprintf("knee: below %s req/s, the lowest rate tried (%s)", rateText(hi.Rate), hi.Why)
	case lo == nil:
		return "knee: no step ran"
	}
	return fmt.Sprintf("knee: between %s req/s (p99 %s) and %s req/s (p99 %s: %s)",
		rateText(lo.Rate), ms(lo.P99), rateText(hi.Rate), ms(hi.P99), hi.Why)
}

func rateText(r float64) string {
	if r < 10 {
		return trimZeros(fmt.Sprintf("%.2f", r))
	}
	return fmt.Sprintf("%.0f", r)
}
