package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/reports"
)

func newMergeCmd(env *Env) *cobra.Command {
	var (
		o     outputFlags
		out   string
		check bool
	)
	cmd := &cobra.Command{
		Use:   "merge RESULTS.json... -o OUT.json",
		Short: "Merge the results of a run split across processes or machines",
		Long: `Merge results files exactly: the segments of a split run (stampede run
--segment i/n), or runs started side by side. Counters add, histograms add
bucket by bucket and every percentile is computed again from the merged
histograms; per-interval series align on wall-clock time; segments restore
the whole plan's load.

The thresholds the parts were run with (and --threshold) are evaluated on the
merged whole, which one segment alone cannot do. With --check, exit with code
99 when one fails, and with code 1 when segments of the split are missing or
a part was interrupted.`,
		Example: `  stampede merge seg-*.json -o all.json
  stampede merge seg-*.json -o all.json --check --threshold 'p(99)<200ms' --junit junit.xml --report all.html`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" && !check && len(o.files()) == 0 {
				return usageError{errors.New("nothing to do: give -o OUT.json, --check, or a report flag")}
			}
			if err := o.check(); err != nil {
				return err
			}
			if out != "" {
				if err := checkWritable(out); err != nil {
					return usageError{fmt.Errorf("-o: %w", err)}
				}
			}
			parts, err := readResultsFiles(args)
			if err != nil {
				return err
			}
			merged, notes, err := reports.Merge(stampedeVersion(), parts)
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintf(env.Stderr, "stampede merge: note: %s\n", n)
			}
			var problems []string
			if m := merged.MissingSegments(); len(m) > 0 {
				problems = append(problems, fmt.Sprintf("missing segments: %s (of %d)", joinInts(m), merged.Parts[0].Segment.Count))
			}
			for _, p := range merged.Parts {
				if p.Stopped != "completed" {
					problems = append(problems, fmt.Sprintf("%s stopped early (%s)", p.Source, p.Stopped))
				}
			}
			for _, p := range problems {
				fmt.Fprintf(env.Stderr, "stampede merge: warning: %s\n", p)
			}
			all := make([]*reports.Results, len(parts))
			for i, p := range parts {
				all[i] = p.Results
			}
			ths, err := collectThresholds(all, o.parsed)
			if err != nil {
				return err
			}
			merged.Thresholds = reports.Evaluate(merged, ths)
			if out != "" {
				if err := writeFileAtomic(out, merged.WriteJSON); err != nil {
					return fmt.Errorf("writing merged results: %w", err)
				}
				fmt.Fprintf(env.Stderr, "merged %d results files into %s\n", len(parts), out)
			}
			if err := reports.WriteSummary(env.Stdout, merged); err != nil {
				return err
			}
			if err := reports.WriteVerdicts(env.Stdout, "thresholds (on the merged run)", merged.Thresholds); err != nil {
				return err
			}
			if err := writeOutputs(env, &o, []reports.Named{{Name: "merged", Results: merged}}); err != nil {
				return err
			}
			if !check {
				if !reports.Passed(merged.Thresholds) {
					fmt.Fprintln(env.Stderr, "stampede merge: thresholds failed (add --check to exit with code 99)")
				}
				return nil
			}
			if len(problems) > 0 {
				return fmt.Errorf("--check: %s", strings.Join(problems, "; "))
			}
			if !reports.Passed(merged.Thresholds) {
				return exitError{exitThreshold}
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&out, "out", "o", "", "write the merged results JSON to this file")
	fs.BoolVar(&check, "check", false, "exit 99 when a threshold fails on the merged run, 1 when segments are missing or a part was interrupted")
	o.register(fs, false)
	return cmd
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
