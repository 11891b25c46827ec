package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/scenarios"
)

func newCheckCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate scenario files without running them",
		Long: `Load each scenario file as stampede run would (data files, ${env.NAME}
variables and all) without sending a request. Problems are printed on
stderr, one per line as file:line:col: message, the form editors and CI
annotate. The exit code is 0 when every file is valid and 2 otherwise.

A name that is not a file but a built-in scenario (stampede scenarios)
checks that one.`,
		Example: `  stampede check login.yaml
  stampede check scenarios/*.yaml`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, name := range args {
				if !checkScenario(env, name) {
					bad++
				}
			}
			if bad > 0 {
				return exitError{exitUsage}
			}
			return nil
		},
	}
}

// checkScenario loads one scenario file (or built-in), prints its
// problems on stderr or a one-line summary on stdout, and reports
// whether it is valid.
func checkScenario(env *Env, name string) bool {
	file := name
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) && slices.Contains(scenarios.BuiltinNames(), name) {
		file, data, err = scenarios.Builtin(name)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: cannot read: %v\n", name, fileCause(err))
		return false
	}
	plan, err := scenarios.LoadFile(file, data, scenarios.Overrides{Getenv: env.Getenv, ReadFile: os.ReadFile})
	var errs *scenarios.Errors
	switch {
	case errors.As(err, &errs):
		for _, e := range *errs {
			fmt.Fprintln(env.Stderr, e.Error())
		}
		return false
	case err != nil:
		fmt.Fprintf(env.Stderr, "%s: %v\n", name, err)
		return false
	}
	fmt.Fprintf(env.Stdout, "%s: ok (%s)\n", name, planShape(plan))
	return true
}

// fileCause drops the path an *fs.PathError repeats.
func fileCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// planShape sums a plan up: what it sends and what it is judged on.
func planShape(p *scenarios.Plan) string {
	s := ""
	if len(p.Flows) > 0 {
		steps := 0
		for _, f := range p.Flows {
			steps += countSteps(f.Steps)
		}
		s = plural(len(p.Flows), "flow") + ", " + plural(steps, "request step")
		if len(p.Data) > 0 {
			s += ", " + plural(len(p.Data), "data file")
		}
	} else {
		s = plural(len(p.Requests), "request")
	}
	if len(p.Thresholds) > 0 {
		s += ", " + plural(len(p.Thresholds), "threshold")
	}
	s += ", " + p.Load.Executor
	if p.Topology != "" {
		s += ", topology " + p.Topology
	}
	return s
}

func countSteps(steps []scenarios.Step) int {
	n := 0
	for _, st := range steps {
		if st.Group != nil {
			n += countSteps(st.Group.Steps)
		} else {
			n++
		}
	}
	return n
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
