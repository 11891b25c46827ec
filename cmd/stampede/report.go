package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/reports"
)

func newReportCmd(env *Env) *cobra.Command {
	var o outputFlags
	cmd := &cobra.Command{
		Use:   "report RESULTS.json... -o FILE.html",
		Short: "Write an HTML report of one run, or of several side by side",
		Long: `Write a self-contained HTML report (one file, works offline) of a results
file written by stampede run --out. Given several, the report puts them side
by side: overlaid percentile spectra and a table of differences from the
first. With one results file it can also write its interval histograms as an
HdrHistogram log (--hlog), its per-interval series as CSV (--csv), and check
thresholds again (--threshold; exit code 99 when one fails).`,
		Example: `  stampede report results.json -o report.html
  stampede report h1.json h2.json h3.json -o protocols.html
  stampede report results.json --hlog results.hlog --csv results.csv
  stampede report results.json --threshold 'p(99)<50ms' --junit junit.xml`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(o.files()) == 0 {
				return usageError{errors.New("nothing to write: give -o FILE.html (or --hlog, --csv, --junit, --summary-json)")}
			}
			if len(args) > 1 {
				for _, f := range [][2]string{{"--hlog", o.hlog}, {"--csv", o.csv}, {"--junit", o.junit}, {"--summary-json", o.summaryJSON}} {
					if f[1] != "" {
						return usageError{fmt.Errorf("%s takes one results file, got %d", f[0], len(args))}
					}
				}
			}
			if err := o.check(); err != nil {
				return err
			}
			runs, err := readResultsFiles(args)
			if err != nil {
				return err
			}
			passed := true
			for _, r := range runs {
				if err := reevaluate(r.Results, o.parsed); err != nil {
					return fmt.Errorf("%s: %w", r.Name, err)
				}
				if len(runs) > 1 && len(r.Thresholds) > 0 {
					fmt.Fprintf(env.Stdout, "\n%s:", r.Name)
				}
				if err := reports.WriteVerdicts(env.Stdout, "thresholds", r.Thresholds); err != nil {
					return err
				}
				passed = passed && reports.Passed(r.Thresholds)
			}
			if err := writeOutputs(env, &o, runs); err != nil {
				return err
			}
			if !passed {
				return exitError{exitThreshold}
			}
			return nil
		},
	}
	o.register(cmd.Flags(), false)
	cmd.Flags().StringVarP(&o.report, "out", "o", "", "write the HTML report to this file")
	_ = cmd.Flags().MarkHidden("report") // -o says it here
	return cmd
}
