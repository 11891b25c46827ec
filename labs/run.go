package labs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/reports"
)

// Options tune a lab run.
type Options struct {
	// Duration, when > 0, replaces every variant's load length (a staged
	// load keeps its shape); action times scale with it.
	Duration time.Duration
	// Capacity, when set, also searches each variant's highest arrival
	// rate within the budget (the lab's unless Capacity.Budget is set).
	Capacity *CapacityOptions
	// Version is the stampede version written into results.
	Version string
	// Log receives a line per variant as it starts and ends; nil
	// discards them.
	Log io.Writer
}

// Outcome is a finished lab: one result per variant, and the reading.
type Outcome struct {
	Lab      *Lab
	Variants []*VariantResult
	// Reading is the lab's reading of the numbers; empty when not every
	// variant ran.
	Reading string
}

// VariantResult is what one variant measured.
type VariantResult struct {
	Name    string
	Results *reports.Results
	// Values are the variant's metrics (docs/labs.md lists them); Text holds the
	// ones that are not numbers (shares).
	Values map[string]float64
	Text   map[string]string
	// Targets are the targets' counters at the end of the run.
	Targets TargetStats
	// Capacity is the capacity search, when asked for.
	Capacity *CapacityResult
	// Notes are what went wrong besides requests: actions that failed,
	// stats that could not be read.
	Notes []string
}

// M returns metric key, or NaN when the variant does not have it.
func (v *VariantResult) M(key string) float64 {
	if x, ok := v.Values[key]; ok {
		return x
	}
	return math.NaN()
}

// F returns metric key as the table shows it.
func (v *VariantResult) F(key string) string {
	if t, ok := v.Text[key]; ok {
		return t
	}
	return formatMetric(key, v.M(key))
}

// ErrUnavailable is returned for a lab that needs parts not built yet.
var ErrUnavailable = errors.New("lab not available")

// Run runs every variant of lab in turn. When ctx is cancelled it stops
// after the variant in progress (whose load ends gracefully) and returns
// what it has with ctx's error.
func Run(ctx context.Context, lab *Lab, opts Options) (*Outcome, error) {
	if lab.Unavailable != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrUnavailable, lab.Name, lab.Unavailable)
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	out := &Outcome{Lab: lab}
	for i, v := range lab.Variants {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		fmt.Fprintf(log, "[%d/%d] %s: running\n", i+1, len(lab.Variants), v.Name)
		vr, err := runVariant(ctx, lab, v, opts)
		if err != nil {
			return out, fmt.Errorf("variant %q: %w", v.Name, err)
		}
		out.Variants = append(out.Variants, vr)
		capacity := ""
		if vr.Capacity != nil {
			capacity = ", capacity " + rateText(vr.Capacity.Capacity) + " req/s"
		}
		fmt.Fprintf(log, "[%d/%d] %s: %s req/s, p99 %s, %s errors%s\n", i+1, len(lab.Variants), v.Name,
			vr.F("rps"), vr.F("p99"), vr.F("error_rate"), capacity)
		for _, n := range vr.Notes {
			fmt.Fprintf(log, "[%d/%d] %s: note: %s\n", i+1, len(lab.Variants), v.Name, n)
		}
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	reading, err := render(lab, out.Variants)
	if err != nil {
		return out, err
	}
	out.Reading = reading
	return out, nil
}

func runVariant(ctx context.Context, lab *Lab, v *Variant, opts Options) (*VariantResult, error) {
	sys, err := startSystem(ctx, v)
	if err != nil {
		return nil, err
	}
	defer sys.stop()
	plan, err := lab.plan(v, sys.url, 0)
	if err != nil {
		return nil, err
	}
	factor := 1.0
	if opts.Duration > 0 {
		factor = float64(opts.Duration) / float64(plan.Load.Total())
		scaleLoad(&plan.Load, opts.Duration)
	}
	plan.Name = lab.Name + ": " + v.Name
	client, err := engine.NewClient(plan)
	if err != nil {
		return nil, err
	}
	defer client.Close()

	ctl := engine.NewControl()
	act := &actor{sys: sys, ctl: ctl}
	actx, stopActions := context.WithCancel(ctx)
	act.schedule(actx, v.Actions, factor)
	res, err := engine.Run(ctx, plan, client, engine.Options{Interval: lab.Interval, Control: ctl, OnInterval: act.onInterval})
	stopActions()
	act.wait()
	if err != nil {
		return nil, err
	}
	res.Events = ctl.Events()
	results := reports.NewResults(res, opts.Version)
	vr := &VariantResult{Name: v.Name, Results: results, Notes: act.failures()}
	cctx, cancel := context.WithTimeout(context.Background(), stopTimeout) // also after a Ctrl-C
	st, err := sys.collect(cctx)
	cancel()
	if err != nil {
		vr.Notes = append(vr.Notes, err.Error())
	}
	vr.Targets = st
	sys.stop() // before a capacity search starts the topology afresh
	vr.Values, vr.Text = measure(lab, res, results, st)
	if opts.Capacity != nil {
		c, err := variantCapacity(ctx, lab, v, opts)
		if err != nil {
			return nil, fmt.Errorf("capacity: %w", err)
		}
		vr.Capacity = c
		vr.Values["capacity"] = c.Capacity
	}
	return vr, nil
}

// variantCapacity searches a variant's capacity on a fresh start of its
// topology; actions are not replayed.
func variantCapacity(ctx context.Context, lab *Lab, v *Variant, opts Options) (*CapacityResult, error) {
	sys, err := startSystem(ctx, v)
	if err != nil {
		return nil, err
	}
	defer sys.stop()
	plan, err := lab.plan(v, sys.url, 0)
	if err != nil {
		return nil, err
	}
	co := *opts.Capacity
	if len(co.Budget) == 0 {
		th, err := reports.ParseThreshold(lab.Budget)
		if err != nil {
			return nil, err
		}
		co.Budget = []reports.Threshold{th}
	}
	return Capacity(ctx, plan, co)
}

// actor carries out a variant's actions: timed ones from a goroutine,
// conditional ones when an interval meets their condition. Each action
// is noted as an event of the run, so reports mark it on the time charts.
type actor struct {
	sys *system
	ctl *engine.Control
	ctx context.Context
	wg  sync.WaitGroup

	mu      sync.Mutex
	pending []Action // conditional actions not yet fired
	errs    []string
}

func (a *actor) schedule(ctx context.Context, actions []Action, factor float64) {
	a.ctx = ctx
	start := time.Now()
	for _, act := range actions {
		act.At = time.Duration(float64(act.At) * factor)
		if act.when != nil {
			a.mu.Lock()
			a.pending = append(a.pending, act)
			a.mu.Unlock()
			continue
		}
		a.wg.Go(func() {
			if sleep(ctx, time.Until(start.Add(act.At))) == nil {
				a.fire(act)
			}
		})
	}
}

// onInterval fires the conditional actions whose condition holds on the
// interval just ended. It returns at once: actions run on goroutines.
func (a *actor) onInterval(s *engine.Snapshot) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.Stopping || a.ctx.Err() != nil {
		return
	}
	kept := a.pending[:0]
	for _, act := range a.pending {
		if s.Elapsed < act.At {
			kept = append(kept, act)
			continue
		}
		verdict, err := act.when.EvaluateLive(s.Interval)
		if err != nil || !verdict.Pass {
			kept = append(kept, act)
			continue
		}
		a.wg.Go(func() { a.fire(act) })
	}
	a.pending = kept
}

func (a *actor) fire(act Action) {
	detail := strings.TrimPrefix(act.String(), act.Verb+" ")
	if act.When != "" {
		detail += " (when " + act.When + ")"
	}
	a.ctl.Note(act.Verb, detail)
	if err := a.sys.do(a.ctx, act); err != nil && a.ctx.Err() == nil {
		a.mu.Lock()
		a.errs = append(a.errs, fmt.Sprintf("%s: %v", act, err))
		a.mu.Unlock()
	}
}

func (a *actor) wait() { a.wg.Wait() }

func (a *actor) failures() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.errs...)
}

// WriteTable writes the comparison table: a row per variant, the standard
// columns (rps, p50, p99, errors, error rate) and the lab's own.
func WriteTable(w io.Writer, o *Outcome) error {
	cols := []Column{{"rps", "rps"}, {"p50", "p50"}, {"p99", "p99"}, {"errors", "errors"}, {"error_rate", "error rate"}}
	cols = append(cols, o.Lab.Columns...)
	if len(o.Variants) > 0 && o.Variants[0].Capacity != nil {
		cols = append(cols, Column{"capacity", "capacity"})
	}
	width := len("variant")
	for _, v := range o.Variants {
		width = max(width, utf8.RuneCountInString(v.Name))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-utf8.RuneCountInString(s)) }
	// Numbers align right; names, padded to one width, read left-aligned.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", pad("variant"))
	for _, c := range cols {
		fmt.Fprintf(tw, "%s\t", c.Title)
	}
	fmt.Fprintln(tw)
	for _, v := range o.Variants {
		fmt.Fprintf(tw, "%s\t", pad(v.Name))
		for _, c := range cols {
			fmt.Fprintf(tw, "%s\t", v.F(c.Metric))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
