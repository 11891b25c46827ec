package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets"
)

func newDemoCmd(env *Env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start the bundled target and run the built-in scenario against it",
		Long: `Start the bundled concurrent target in-process on a free loopback port and
run the built-in default scenario against it for about ten seconds, printing
a progress line each second and the summary. Needs no files and no flags.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			srv, err := targets.Start(ctx, targets.Config{Addr: "127.0.0.1:0"})
			if err != nil {
				return err
			}
			defer func() {
				sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer scancel()
				_ = srv.Shutdown(sctx)
			}()
			fmt.Fprintf(env.Stderr, "stampede demo: bundled target \"concurrent\" on %s\n", srv.URL())
			name, data, err := scenarios.Builtin("default")
			if err != nil {
				return err
			}
			url := srv.URL()
			plan, err := scenarios.LoadFile(name, data, scenarios.Overrides{URL: &url})
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("duration") {
				if f.duration <= 0 {
					return usageError{fmt.Errorf("--duration %s: must be > 0", f.duration)}
				}
				scaleLoad(&plan.Load, f.duration)
			}
			return runPlan(env, plan, &f)
		},
	}
	f.register(cmd.Flags(), false)
	return cmd
}

// scaleLoad stretches or shrinks the plan's load to last d, keeping the
// shape of its stages.
func scaleLoad(l *scenarios.Load, d time.Duration) {
	total := l.Total()
	if len(l.Stages) == 0 || total <= 0 {
		l.Duration = d
		return
	}
	for i := range l.Stages {
		l.Stages[i].Duration = time.Duration(float64(l.Stages[i].Duration) * float64(d) / float64(total))
	}
	l.Duration = l.Total()
}
