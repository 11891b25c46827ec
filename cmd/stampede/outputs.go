package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// exitThreshold is the exit code when a threshold or a regression
// tolerance failed (documented in README.md), as k6 uses it.
const exitThreshold = 99

// outputFlags are the flags that write reports and check budgets, shared
// by run, demo, report and merge; and --segment, which only run has.
type outputFlags struct {
	// interrupted is set when Ctrl-C or a signal ended the run: its exit
	// code (130) then wins over a failed threshold's. A stop by the
	// dashboard's q or by an abort threshold is not an interruption.
	interrupted                           bool
	report, junit, summaryJSON, hlog, csv string
	thresholds                            []string
	segment                               string

	parsed []reports.Threshold
	seg    scenarios.Segment
	whole  scenarios.Load
}

// register adds the output flags; segment adds --segment (run only).
func (o *outputFlags) register(fs *pflag.FlagSet, segment bool) {
	fs.StringVar(&o.report, "report", "", "write a self-contained HTML report to this file")
	fs.StringArrayVar(&o.thresholds, "threshold", nil, "a budget the run must keep, e.g. 'p(99)<200ms', 'service.p(99.9)<1s', 'error_rate<1%', 'rps>1000' (repeatable); exit code 99 when one fails")
	fs.StringVar(&o.junit, "junit", "", "write the threshold verdicts as JUnit XML to this file, one test case per threshold")
	fs.StringVar(&o.summaryJSON, "summary-json", "", "write the summary and the threshold verdicts as JSON to this file")
	fs.StringVar(&o.hlog, "hlog", "", "write the per-interval latency histograms as an HdrHistogram interval log (.hlog)")
	fs.StringVar(&o.csv, "csv", "", "write the per-interval series as CSV to this file")
	if segment {
		fs.StringVar(&o.segment, "segment", "", "do part i of n of the plan's load (e.g. 2/4: a quarter of the rate and VUs); merge the parts' results with stampede merge")
	}
}

// files are the output files asked for, by flag name.
func (o *outputFlags) files() [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"--report", o.report}, {"--junit", o.junit}, {"--summary-json", o.summaryJSON}, {"--hlog", o.hlog}, {"--csv", o.csv}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseThresholds parses exprs, and points at the column of the first
// mistake for the terminal.
func parseThresholds(exprs []string) ([]reports.Threshold, error) {
	var out []reports.Threshold
	for _, e := range exprs {
		t, err := reports.ParseThreshold(e)
		if err != nil {
			var pe *reports.ParseError
			if errors.As(err, &pe) {
				return nil, usageError{fmt.Errorf("--threshold %s\n%s", err, pe.Pointer("  "))}
			}
			return nil, usageError{fmt.Errorf("--threshold: %w", err)}
		}
		out = append(out, t)
	}
	return out, nil
}

// check validates the flags before any work: thresholds parse, files can
// be written.
func (o *outputFlags) check() error {
	var err error
	if o.parsed, err = parseThresholds(o.thresholds); err != nil {
		return err
	}
	for _, f := range o.files() {
		if err := checkWritable(f[1]); err != nil {
			return usageError{fmt.Errorf("%s: %w", f[0], err)}
		}
	}
	return nil
}

// planThresholds parses the thresholds of a scenario file; a mistake is
// reported at its place in the file.
func planThresholds(plan *scenarios.Plan) ([]reports.Threshold, error) {
	var out []reports.Threshold
	for _, st := range plan.Thresholds {
		t, err := reports.ParseThreshold(st.Expr)
		if err != nil {
			var pe *reports.ParseError
			if errors.As(err, &pe) && st.Line > 0 {
				return nil, usageError{fmt.Errorf("%s:%d:%d: threshold %q, column %d: %s", plan.Source, st.Line, st.Col, st.Expr, pe.Col, pe.Msg)}
			}
			return nil, usageError{fmt.Errorf("%s: threshold: %w", plan.Source, err)}
		}
		t.Step = st.Step
		out = append(out, t)
	}
	return out, nil
}

// prepare checks the flags before a run, adds the scenario's thresholds
// to the flags' and applies --segment to plan.
func (o *outputFlags) prepare(env *Env, plan *scenarios.Plan) error {
	if err := o.check(); err != nil {
		return err
	}
	fromPlan, err := planThresholds(plan)
	if err != nil {
		return err
	}
	o.parsed = append(fromPlan, o.parsed...)
	if o.segment == "" {
		return nil
	}
	seg, err := scenarios.ParseSegment(o.segment)
	if err != nil {
		return usageError{fmt.Errorf("--segment: %w", err)}
	}
	part, err := scenarios.SplitPlan(plan, seg)
	if err != nil {
		return usageError{fmt.Errorf("--segment: %w", err)}
	}
	o.seg, o.whole = seg, plan.Load
	*plan = *part
	fmt.Fprintf(env.Stderr, "stampede: segment %s of the plan's load: %s\n", seg, loadText(plan))
	return nil
}

// annotate adds to the results what the output flags know: the segment
// and the threshold verdicts. It runs before the results file is written.
func (o *outputFlags) annotate(r *reports.Results) {
	if !o.seg.Whole() {
		r.Segment = &reports.SegmentInfo{Segment: o.seg, WholeLoad: o.whole}
	}
	if len(o.parsed) > 0 {
		r.Thresholds = reports.Evaluate(r, o.parsed)
	}
}

// write prints the verdicts and writes the files asked for. It returns
// exitError 99 when a threshold failed, unless the run was interrupted
// (the caller's 130 wins: the run did not finish).
func (o *outputFlags) write(env *Env, r *reports.Results, label string) error {
	if err := reports.WriteVerdicts(env.Stdout, "thresholds", r.Thresholds); err != nil {
		return err
	}
	if err := writeOutputs(env, o, []reports.Named{{Name: label, Results: r}}); err != nil {
		return err
	}
	if !reports.Passed(r.Thresholds) && !o.interrupted {
		return exitError{exitThreshold}
	}
	return nil
}

// writeOutputs writes the files o asks for. The single-run exports
// (JUnit, summary JSON, .hlog, CSV) take the first of runs.
func writeOutputs(env *Env, o *outputFlags, runs []reports.Named) error {
	r := runs[0].Results
	writers := []struct {
		flag, path string
		write      func(io.Writer) error
	}{
		{"--report", o.report, func(w io.Writer) error {
			return reports.WriteHTML(w, runs, reports.HTMLOptions{Version: stampedeVersion()})
		}},
		{"--junit", o.junit, func(w io.Writer) error { return reports.WriteJUnit(w, r, r.Thresholds, reports.JUnitThresholds) }},
		{"--summary-json", o.summaryJSON, func(w io.Writer) error { return reports.WriteSummaryJSON(w, r) }},
		{"--hlog", o.hlog, func(w io.Writer) error { return reports.WriteHlog(w, r) }},
		{"--csv", o.csv, func(w io.Writer) error { return reports.WriteCSV(w, r) }},
	}
	for _, wr := range writers {
		if wr.path == "" {
			continue
		}
		if err := writeFileAtomic(wr.path, wr.write); err != nil {
			return fmt.Errorf("%s %s: %w", wr.flag, wr.path, err)
		}
		fmt.Fprintf(env.Stderr, "%s written to %s\n", strings.TrimPrefix(wr.flag, "--"), wr.path)
	}
	return nil
}

// readResultsFiles reads results files, naming each by its base name
// (its path when two share a base name).
func readResultsFiles(paths []string) ([]reports.Named, error) {
	base := map[string]int{}
	for _, p := range paths {
		base[filepath.Base(p)]++
	}
	var out []reports.Named
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, usageError{err}
		}
		r, err := reports.ReadResults(f)
		f.Close()
		if err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", p, err)}
		}
		if r.Plan == nil {
			return nil, usageError{fmt.Errorf("%s: not a stampede results file (no plan)", p)}
		}
		name := filepath.Base(p)
		if base[name] > 1 {
			name = p
		}
		out = append(out, reports.Named{Name: name, Results: r})
	}
	return out, nil
}

// collectThresholds returns the thresholds the runs were checked
// against, then extra, each expression once.
func collectThresholds(runs []*reports.Results, extra []reports.Threshold) ([]reports.Threshold, error) {
	ths, err := reports.CheckedThresholds(runs...)
	if err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	for _, t := range ths {
		seen[[2]string{t.Step, t.Expr}] = true
	}
	for _, t := range extra {
		if key := [2]string{t.Step, t.Expr}; !seen[key] {
			seen[key] = true
			ths = append(ths, t)
		}
	}
	return ths, nil
}

// reevaluate checks, on r, the thresholds r was checked against before
// plus extra, and stores the verdicts in r.
func reevaluate(r *reports.Results, extra []reports.Threshold) error {
	ths, err := collectThresholds([]*reports.Results{r}, extra)
	if err != nil {
		return err
	}
	if len(ths) > 0 {
		r.Thresholds = reports.Evaluate(r, ths)
	}
	return nil
}

// runLabel names a run's results in a report: the results file's name, or
// "run".
func runLabel(out string) string {
	if out != "" {
		return filepath.Base(out)
	}
	return "run"
}

// usageArgs makes a wrong number of arguments a usage error (exit 2).
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := check(c, args); err != nil {
			return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
		}
		return nil
	}
}
