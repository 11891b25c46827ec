package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/reports"
)

func newCompareCmd(env *Env) *cobra.Command {
	var (
		tolerances    []string
		report, junit string
	)
	cmd := &cobra.Command{
		Use:   "compare BASE.json NEW.json...",
		Short: "Compare runs with a base run, and fail when one is worse beyond a tolerance",
		Long: `Print the differences between a base run and one or more new runs (results
files of stampede run --out): percentiles, throughput, errors. With
--max-regression, exit with code 99 when a new run is worse than the base by
more than the tolerance:

  p99=10%            p(99) latency may grow by 10% (any statistic of a threshold:
                     p50, p(99.9), max, avg, service.p99, ttfb.p(90), ...)
  service.p99=5ms    may grow by 5 ms
  rps=5%             throughput may fall by 5%
  error_rate=0.5%    the error rate may rise by half a percentage point
  dropped=0          may not rise at all`,
		Example: `  stampede compare yesterday.json today.json
  stampede compare base.json new.json --max-regression p99=10% --max-regression error_rate=0.1%
  stampede compare h1.json h2.json h3.json --report protocols.html`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var regs []reports.Regression
			for _, t := range tolerances {
				g, err := reports.ParseRegression(t)
				if err != nil {
					var pe *reports.ParseError
					if errors.As(err, &pe) {
						return usageError{fmt.Errorf("--max-regression %s\n%s", err, pe.Pointer("  "))}
					}
					return usageError{fmt.Errorf("--max-regression: %w", err)}
				}
				regs = append(regs, g)
			}
			o := outputFlags{report: report, junit: junit}
			if err := o.check(); err != nil {
				return err
			}
			runs, err := readResultsFiles(args)
			if err != nil {
				return err
			}
			c, err := reports.Compare(runs)
			if err != nil {
				return err
			}
			if err := reports.WriteComparison(env.Stdout, c); err != nil {
				return err
			}
			base := runs[0]
			var verdicts []reports.Verdict
			for _, next := range runs[1:] {
				for _, g := range regs {
					v := g.Check(base.Results, next.Results)
					if len(runs) > 2 {
						v.Threshold = next.Name + ": " + v.Threshold
					}
					verdicts = append(verdicts, v)
				}
			}
			if err := reports.WriteVerdicts(env.Stdout, "regression checks against "+base.Name, verdicts); err != nil {
				return err
			}
			if report != "" {
				if err := writeOutputs(env, &outputFlags{report: report}, runs); err != nil {
					return err
				}
			}
			if junit != "" {
				last := runs[len(runs)-1].Results
				err := writeFileAtomic(junit, func(w io.Writer) error {
					return reports.WriteJUnit(w, last, verdicts, reports.JUnitRegressions)
				})
				if err != nil {
					return fmt.Errorf("--junit %s: %w", junit, err)
				}
				fmt.Fprintf(env.Stderr, "junit written to %s\n", junit)
			}
			if !reports.Passed(verdicts) {
				return exitError{exitThreshold}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&tolerances, "max-regression", nil, "how much worse than the base a number may get, e.g. p99=10% (repeatable, or comma-separated); exit code 99 beyond it")
	fs.StringVar(&report, "report", "", "also write an HTML report of the runs side by side")
	fs.StringVar(&junit, "junit", "", "write the regression checks as JUnit XML, one test case per tolerance")
	return cmd
}
