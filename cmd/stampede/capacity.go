package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stampede-lab/stampede/labs"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// capacityFlags are the search's flags, shared by capacity and lab.
type capacityFlags struct {
	budgets   []string
	maxErrors string
	step      time.Duration
	startRate float64
	maxRate   float64
}

func (c *capacityFlags) register(fs *pflag.FlagSet, budgetDefault string) {
	fs.StringArrayVar(&c.budgets, "budget", nil, "latency budget each rate must keep, e.g. 'p(99)<100ms' (repeatable; any threshold expression); default: "+budgetDefault)
	fs.StringVar(&c.maxErrors, "max-errors", "1%", "share of requests that may fail (and of arrivals that may be dropped) at a rate that passes, e.g. 0.1% or 0.001")
	fs.DurationVar(&c.step, "step-duration", labs.DefaultStepDuration, "how long each rate runs: long enough for a growing queue to show")
	fs.Float64Var(&c.startRate, "start-rate", labs.DefaultStartRate, "first rate tried (requests/s); rates double from it until the budget breaks, then bisect")
	fs.Float64Var(&c.maxRate, "max-rate", labs.DefaultMaxRate, "highest rate tried (requests/s)")
}

// options turns the flags into search options.
func (c *capacityFlags) options() (labs.CapacityOptions, error) {
	o := labs.CapacityOptions{StepDuration: c.step, StartRate: c.startRate, MaxRate: c.maxRate}
	for _, b := range c.budgets {
		th, err := reports.ParseThreshold(b)
		if err != nil {
			var pe *reports.ParseError
			if errors.As(err, &pe) {
				return o, usageError{fmt.Errorf("--budget %s\n%s", err, pe.Pointer("  "))}
			}
			return o, usageError{fmt.Errorf("--budget: %w", err)}
		}
		o.Budget = append(o.Budget, th)
	}
	r, err := parseShare(c.maxErrors)
	if err != nil {
		return o, usageError{fmt.Errorf("--max-errors %q: %w", c.maxErrors, err)}
	}
	o.MaxErrorRate = r
	switch {
	case c.step < 500*time.Millisecond:
		return o, usageError{fmt.Errorf("--step-duration %s: expected at least 500ms, for a step to say anything", c.step)}
	case c.startRate <= 0:
		return o, usageError{fmt.Errorf("--start-rate %g: expected a rate above 0", c.startRate)}
	case c.maxRate < c.startRate:
		return o, usageError{fmt.Errorf("--max-rate %g: expected at least --start-rate (%g)", c.maxRate, c.startRate)}
	}
	return o, nil
}

// parseShare reads a share as a percentage (0.5%) or a fraction (0.005).
func parseShare(s string) (float64, error) {
	s = strings.TrimSpace(s)
	pctSign := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, errors.New("expected a percentage like 0.1% or a fraction like 0.001")
	}
	if pctSign {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, errors.New("expected a share from 0 to 100%")
	}
	return v, nil
}

func newCapacityCmd(env *Env) *cobra.Command {
	var (
		c                 capacityFlags
		url, method, body string
		headers           []string
		timeout           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "capacity (SCENARIO | --url URL) --budget EXPR",
		Short: "Find the highest arrival rate a target sustains within a latency budget",
		Long: `Find the highest open-model arrival rate at which the target keeps the
budget: run the scenario's requests at a constant rate for --step-duration,
doubling the rate from --start-rate until the budget breaks (or --max-rate),
then bisect between the last rate that held and the first that broke, to
within 5%. A rate passes when every --budget holds, at most --max-errors of
the requests fail and at most that share of arrivals is dropped. Below its
capacity a target's latency is flat; above it a queue grows for the whole
step, so a longer step sees a smaller excess.

SCENARIO is a scenario file or a built-in scenario (whose bundled topology
is started); its load is ignored. The curve (rate, achieved throughput,
p50, p99, errors, verdict) and the knee are printed; the last line is
"capacity: N req/s".`,
		Example: `  stampede capacity --url http://127.0.0.1:8080/work --budget 'p(99)<100ms'
  stampede capacity scenario.yaml --budget 'p(99)<250ms' --budget 'p(50)<50ms' --max-errors 0.1%
  stampede capacity --url http://127.0.0.1:8080/ --budget 'p(99.9)<20ms' --step-duration 5s --max-rate 20000`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(c.budgets) == 0 {
				return usageError{errors.New("--budget is required: the latency the target must keep, e.g. --budget 'p(99)<100ms'")}
			}
			opts, err := c.options()
			if err != nil {
				return err
			}
			var o scenarios.Overrides
			set := cmd.Flags().Changed
			if set("url") {
				o.URL = &url
			}
			if set("method") {
				o.Method = &method
			}
			if set("body") {
				o.Body = &body
			}
			if set("timeout") {
				o.Timeout = &timeout
			}
			for _, h := range headers {
				name, value, ok := strings.Cut(h, ":")
				if !ok || strings.TrimSpace(name) == "" {
					return usageError{fmt.Errorf("--header %q: expected 'Name: value'", h)}
				}
				o.Headers = append(o.Headers, scenarios.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
			}
			plan, stop, err := capacityPlan(env, args, o)
			if err != nil {
				return usageError{err}
			}
			defer stop()
			return runCapacity(env, plan, opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&url, "url", "", "target URL (without a scenario: the one request; with one: replaces base_url)")
	fs.StringVarP(&method, "method", "X", "", "HTTP method of the request (default GET)")
	fs.StringArrayVarP(&headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	fs.StringVar(&body, "body", "", "request body")
	fs.DurationVar(&timeout, "timeout", 0, "request timeout (default 10s)")
	c.register(fs, "none, --budget is required")
	return cmd
}

// capacityPlan loads the plan a search runs: a scenario file, a built-in
// scenario (with its topology started; stop stops it), or --url alone.
func capacityPlan(env *Env, args []string, o scenarios.Overrides) (*scenarios.Plan, func(), error) {
	switch {
	case len(args) == 1 && isLibraryName(args[0]):
		return loadLibrary(env, args[0], o)
	case len(args) == 1:
		data, err := os.ReadFile(args[0])
		if err != nil {
			return nil, nil, fmt.Errorf("scenario: %w", err)
		}
		o.ReadFile, o.Getenv = os.ReadFile, env.Getenv
		plan, err := scenarios.LoadFile(args[0], data, o)
		return plan, func() {}, err
	case o.URL == nil:
		return nil, nil, errors.New("give a scenario or --url (see stampede capacity --help)")
	}
	plan, err := scenarios.FromFlags(o)
	return plan, func() {}, err
}

func runCapacity(env *Env, plan *scenarios.Plan, opts labs.CapacityOptions) error {
	var budgets []string
	for _, b := range opts.Budget {
		budgets = append(budgets, b.Expr)
	}
	fmt.Fprintf(env.Stderr, "stampede capacity: %s, budget %s, errors at most %s, steps of %s\n",
		planTarget(plan), strings.Join(budgets, " and "), strconv.FormatFloat(100*opts.MaxErrorRate, 'g', 4, 64)+"%", opts.StepDuration)
	opts.OnStep = func(s labs.CapacityStep) { fmt.Fprintf(env.Stderr, "  %s\n", s) }
	ctx, release := stopOnSignal(env, "stopping the search (Ctrl-C again to quit at once)")
	defer release()
	res, err := labs.Capacity(ctx, plan, opts)
	if errors.Is(err, context.Canceled) {
		if res != nil && len(res.Steps) > 0 {
			_ = labs.WriteCurve(env.Stdout, res, opts.MaxRate)
		}
		return exitError{exitInterrupted}
	}
	if err != nil {
		return err
	}
	return labs.WriteCurve(env.Stdout, res, opts.MaxRate)
}
