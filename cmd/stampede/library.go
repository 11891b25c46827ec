package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/topology"
)

// isLibraryName reports whether a `run` argument names a built-in
// scenario rather than a file.
func isLibraryName(arg string) bool {
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator) {
		return false
	}
	_, err := os.Stat(arg)
	return err != nil
}

// loadLibrary loads a built-in scenario and, when it names a bundled
// topology and no --url points elsewhere, starts that topology on a free
// loopback port and aims the scenario at it. stop shuts it down.
func loadLibrary(env *Env, name string, o scenarios.Overrides) (plan *scenarios.Plan, stop func(), err error) {
	file, data, err := scenarios.Builtin(name)
	if err != nil {
		return nil, nil, err
	}
	o.ReadFile, o.Getenv = os.ReadFile, env.Getenv
	// A library scenario may ramp in stages: --duration then stretches or
	// shrinks its shape, as for the demo, instead of clashing with them.
	duration := o.Duration
	o.Duration = nil
	defer func() {
		if err == nil && duration != nil {
			if *duration <= 0 {
				stop()
				plan, stop, err = nil, nil, fmt.Errorf("--duration %s: must be > 0", *duration)
				return
			}
			scaleLoad(&plan.Load, *duration)
		}
	}()
	stop = func() {}
	if o.URL == nil {
		probe, err := scenarios.LoadFile(file, data, o)
		if err != nil {
			return nil, nil, err
		}
		if probe.Topology != "" {
			spec, err := topology.Builtin(probe.Topology)
			if err != nil {
				return nil, nil, fmt.Errorf("scenario %s: %w", name, err)
			}
			sys, err := topology.Start(context.Background(), spec, topology.Options{})
			if err != nil {
				return nil, nil, err
			}
			stop = func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = sys.Shutdown(ctx)
			}
			fmt.Fprintf(env.Stderr, "stampede: started bundled topology %q, entry %s\n", probe.Topology, sys.Entry.URL)
			url := sys.Entry.URL
			o.URL = &url
		}
	}
	plan, err = scenarios.LoadFile(file, data, o)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return plan, stop, nil
}
