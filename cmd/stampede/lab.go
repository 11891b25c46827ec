package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/labs"
	"github.com/stampede-lab/stampede/reports"
)

// textWidth is where the lab's texts are wrapped.
const textWidth = 78

// labFlags are the flags of `stampede lab`.
type labFlags struct {
	duration time.Duration
	report   string
	outDir   string
	capacity bool
	capFlags capacityFlags
}

func newLabCmd(env *Env) *cobra.Command {
	var f labFlags
	cmd := &cobra.Command{
		Use:   "lab [NAME | FILE.yaml]",
		Short: "Run an experiment that answers an architecture question with measurements (scale up or out, cache, balancing, sessions, keep-alive)",
		Long: `Without an argument, list the labs and the question each answers.

With a lab's name (or a lab file of your own), run it: each variant's
topology of bundled targets starts in this process on free loopback ports,
the lab's scenario runs against it (with the faults or scaling the variant
times into the run), the targets' own counters are read, and it stops. Then
a table puts the variants side by side, and a reading of the measured
numbers answers the question. Everything stays on 127.0.0.1, and every run
is bounded in time: a lab takes 10 to 40 seconds.

--report writes the variants' comparison as one HTML page; --out-dir keeps
each variant's results file (for stampede report and compare) and lab.json
(the table, the targets' counters and the reading). --capacity also finds
each variant's highest arrival rate within the lab's latency budget (or
--budget), as stampede capacity does. docs/labs.md describes the labs and
their file format.`,
		Example: `  stampede lab
  stampede lab scale-out
  stampede lab caching --duration 8s --report caching.html
  stampede lab scale-up --capacity --step-duration 2s
  stampede lab my-lab.yaml --out-dir results/`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return listLabs(env.Stdout)
			}
			lab, err := loadLab(env, args[0])
			if err != nil {
				return usageError{err}
			}
			return runLab(env, lab, &f, cmd.Flags().Changed)
		},
	}
	fs := cmd.Flags()
	fs.DurationVar(&f.duration, "duration", 0, "length of each variant's load (default: the lab's own, a few seconds); a ramp keeps its shape, and timed actions scale with it")
	fs.StringVar(&f.report, "report", "", "write the variants' comparison as a self-contained HTML report to this file")
	fs.StringVar(&f.outDir, "out-dir", "", "write each variant's results file and lab.json (table, target counters, reading) into this directory")
	fs.BoolVar(&f.capacity, "capacity", false, "also search each variant's capacity: the highest arrival rate within the budget")
	f.capFlags.register(fs, "the lab's budget")
	return cmd
}

// listLabs prints the library: name and question, and why a lab is not
// available yet.
func listLabs(w io.Writer) error {
	all, err := labs.Library()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LAB\tVARIANTS\tQUESTION")
	for _, l := range all {
		n := fmt.Sprint(len(l.Variants))
		q := l.Question
		if l.Unavailable != "" {
			n, q = "-", q+" (not available yet: "+firstClause(l.Unavailable)+")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Name, n, q)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, "\nRun one with: stampede lab NAME [--duration D] [--report FILE.html] [--out-dir DIR] [--capacity]")
	return err
}

// firstClause is a text up to its first comma or semicolon.
func firstClause(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.IndexAny(s, ",;"); i > 0 {
		return s[:i]
	}
	return s
}

// loadLab reads a library lab, or a lab file.
func loadLab(env *Env, arg string) (*labs.Lab, error) {
	isFile := strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator)
	if !isFile {
		if _, err := os.Stat(arg); err != nil {
			return labs.Builtin(arg)
		}
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	return labs.Parse(arg, data, labs.Env{ReadFile: os.ReadFile, Getenv: env.Getenv})
}

func runLab(env *Env, lab *labs.Lab, f *labFlags, changed func(string) bool) error {
	durationSet := changed("duration")
	if lab.Unavailable != "" {
		return fmt.Errorf("lab %s is not available yet: it %s", lab.Name, strings.Join(strings.Fields(lab.Unavailable), " "))
	}
	if durationSet && f.duration <= 0 {
		return usageError{fmt.Errorf("--duration %s: must be > 0", f.duration)}
	}
	opts := labs.Options{Duration: f.duration, Version: stampedeVersion(), Log: env.Stderr}
	if !f.capacity {
		for _, name := range []string{"budget", "max-errors", "step-duration", "start-rate", "max-rate"} {
			if changed(name) {
				return usageError{fmt.Errorf("--%s applies to the capacity search: add --capacity", name)}
			}
		}
	}
	if f.capacity {
		co, err := f.capFlags.options()
		if err != nil {
			return err
		}
		opts.Capacity = &co
	}
	for _, out := range []struct{ flag, path string }{{"--report", f.report}} {
		if out.path != "" {
			if err := checkWritable(out.path); err != nil {
				return usageError{fmt.Errorf("%s: %w", out.flag, err)}
			}
		}
	}
	if f.outDir != "" {
		if err := os.MkdirAll(f.outDir, 0o755); err != nil {
			return usageError{fmt.Errorf("--out-dir: %w", err)}
		}
	}

	fmt.Fprintf(env.Stdout, "lab %s: %s\n", lab.Name, lab.Question)
	if lab.About != "" {
		fmt.Fprintf(env.Stdout, "\n%s\n", indent(labs.Wrap(lab.About, textWidth-2), "  "))
	}
	fmt.Fprintln(env.Stdout)

	ctx, release := stopOnSignal(env, "stopping after the variant in progress (Ctrl-C again to quit at once)")
	defer release()

	out, runErr := labs.Run(ctx, lab, opts)
	if out == nil {
		return runErr
	}
	if len(out.Variants) > 0 {
		if err := labs.WriteTable(env.Stdout, out); err != nil {
			return err
		}
	}
	if out.Reading != "" {
		fmt.Fprintf(env.Stdout, "\n%s\n", labs.Wrap(out.Reading, textWidth))
	}
	if err := writeLabOutputs(env, out, f); err != nil {
		return err
	}
	if errors.Is(runErr, context.Canceled) {
		return exitError{exitInterrupted}
	}
	return runErr
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// writeLabOutputs writes the report and the results directory of what ran.
func writeLabOutputs(env *Env, out *labs.Outcome, f *labFlags) error {
	if len(out.Variants) == 0 {
		return nil
	}
	if f.report != "" {
		runs := make([]reports.Named, len(out.Variants))
		for i, v := range out.Variants {
			runs[i] = reports.Named{Name: v.Name, Results: v.Results}
		}
		title := "stampede lab " + out.Lab.Name + ": " + out.Lab.Question
		err := writeFileAtomic(f.report, func(w io.Writer) error {
			return reports.WriteHTML(w, runs, reports.HTMLOptions{Title: title, Version: stampedeVersion()})
		})
		if err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		fmt.Fprintf(env.Stderr, "report written to %s\n", f.report)
	}
	if f.outDir != "" {
		if err := writeLabDir(f.outDir, out); err != nil {
			return fmt.Errorf("--out-dir: %w", err)
		}
		fmt.Fprintf(env.Stderr, "results written to %s\n", f.outDir)
	}
	return nil
}

// labFile is lab.json: what the table and reading show, and the targets'
// counters, which results files do not hold.
type labFile struct {
	Lab      string        `json:"lab"`
	Question string        `json:"question"`
	Reading  string        `json:"reading,omitempty"`
	Variants []labVariantJ `json:"variants"`
}

type labVariantJ struct {
	Name string `json:"name"`
	// Results is the variant's results file, beside lab.json.
	Results string `json:"results_file"`
	// Metrics are the table's numbers and more (docs/labs.md lists them).
	Metrics  map[string]float64   `json:"metrics"`
	Text     map[string]string    `json:"text,omitempty"`
	Targets  labs.TargetStats     `json:"targets"`
	Capacity *labs.CapacityResult `json:"capacity,omitempty"`
	Notes    []string             `json:"notes,omitempty"`
}

func writeLabDir(dir string, out *labs.Outcome) error {
	lf := labFile{Lab: out.Lab.Name, Question: out.Lab.Question, Reading: out.Reading}
	for i, v := range out.Variants {
		name := fmt.Sprintf("%02d-%s.json", i+1, slug(v.Name))
		if err := writeFileAtomic(filepath.Join(dir, name), v.Results.WriteJSON); err != nil {
			return err
		}
		m := map[string]float64{}
		for k, x := range v.Values {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				m[k] = x
			}
		}
		lf.Variants = append(lf.Variants, labVariantJ{Name: v.Name, Results: name, Metrics: m, Text: v.Text,
			Targets: v.Targets, Capacity: v.Capacity, Notes: v.Notes})
	}
	return writeFileAtomic(filepath.Join(dir, "lab.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(lf)
	})
}

// slug makes a file name part of a variant's name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}
