package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/stampede-lab/stampede/dashboards"
	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// runFlags are the flags of `stampede run` (and, in part, `demo`).
type runFlags struct {
	url, method, body, stages string
	headers                   []string
	rate                      float64
	vus, maxVUs, connections  int
	duration, grace, backlog  time.Duration
	timeout                   time.Duration
	keepAlive, insecure       bool
	out, ui                   string
	interval                  time.Duration
	outputs                   outputFlags // reports, thresholds, --segment: outputs.go
}

func (f *runFlags) register(fs *pflag.FlagSet, full bool) {
	if full {
		fs.StringVar(&f.url, "url", "", "target URL (without a scenario file: the one request; with one: replaces base_url)")
		fs.StringVarP(&f.method, "method", "X", "", "HTTP method of the request (default GET)")
		fs.StringArrayVarP(&f.headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
		fs.StringVar(&f.body, "body", "", "request body")
		fs.Float64Var(&f.rate, "rate", 0, "arrival rate in requests/s: selects the open model")
		fs.IntVar(&f.vus, "vus", 0, "virtual users (closed model alone; pre-allocated VUs with --rate)")
		fs.IntVar(&f.maxVUs, "max-vus", 0, "open model: most VUs the pool may grow to")
		fs.IntVar(&f.connections, "connections", 0, "keep-alive connections shared by the VUs (0: one per VU)")
		fs.StringVar(&f.stages, "stages", "", "ramp as duration:target,... e.g. 10s:100,30s:1000,10s:0 (rate, or VUs with --vus)")
		fs.DurationVar(&f.grace, "grace", 0, "time requests in flight may finish after the load ends (default 5s)")
		fs.DurationVar(&f.backlog, "max-backlog", 0, "open model: an arrival waiting longer than this for a free VU is dropped (default 10s)")
		fs.DurationVar(&f.timeout, "timeout", 0, "request timeout (default 10s)")
		fs.BoolVar(&f.keepAlive, "keep-alive", true, "reuse connections; false opens one per request, as HTTP/1.0 did")
		fs.BoolVar(&f.insecure, "insecure", false, "skip TLS certificate verification")
	}
	fs.DurationVar(&f.duration, "duration", 0, "how long the load runs (default 10s)")
	fs.StringVarP(&f.out, "out", "o", "", "write the results JSON to this file")
	fs.StringVar(&f.ui, "ui", "", "progress display: tui (live dashboard), plain (a line per interval on stderr) or none (default: tui when stdin and stdout are terminals, else plain)")
	fs.DurationVar(&f.interval, "interval", time.Second, "reporting interval")
	f.outputs.register(fs, full)
}

// overrides turns the flags the user set into scenario overrides.
func (f *runFlags) overrides(fs *pflag.FlagSet) (scenarios.Overrides, error) {
	var o scenarios.Overrides
	set := fs.Changed
	o.URL = ifSet(set("url"), &f.url)
	o.Method = ifSet(set("method"), &f.method)
	for _, h := range f.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return o, usageError{fmt.Errorf("--header %q: expected 'Name: value'", h)}
		}
		o.Headers = append(o.Headers, scenarios.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	o.Body = ifSet(set("body"), &f.body)
	o.Rate = ifSet(set("rate"), &f.rate)
	o.VUs = ifSet(set("vus"), &f.vus)
	o.MaxVUs = ifSet(set("max-vus"), &f.maxVUs)
	o.Connections = ifSet(set("connections"), &f.connections)
	o.Duration = ifSet(set("duration"), &f.duration)
	if set("stages") {
		st, err := scenarios.ParseStages(f.stages)
		if err != nil {
			return o, usageError{err}
		}
		o.Stages = st
	}
	o.Grace = ifSet(set("grace"), &f.grace)
	o.MaxBacklog = ifSet(set("max-backlog"), &f.backlog)
	o.Timeout = ifSet(set("timeout"), &f.timeout)
	o.KeepAlive = ifSet(set("keep-alive"), &f.keepAlive)
	o.Insecure = ifSet(set("insecure"), &f.insecure)
	return o, nil
}

func newRunCmd(env *Env) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [SCENARIO.yaml]",
		Short: "Run a scenario file, or a single URL given by flags",
		Example: `  stampede run --url http://127.0.0.1:8080/ --rate 1000 --duration 10s
  stampede run --url http://127.0.0.1:8080/ --vus 64 --duration 30s --out results.json
  stampede run scenario.yaml --rate 2000 --stages 10s:100,30s:2000,10s:0`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.overrides(cmd.Flags())
			if err != nil {
				return err
			}
			var plan *scenarios.Plan
			if len(args) == 1 && isLibraryName(args[0]) {
				var stop func()
				plan, stop, err = loadLibrary(env, args[0], o)
				if err != nil {
					return usageError{err}
				}
				defer stop()
			} else if len(args) == 1 {
				data, err := os.ReadFile(args[0])
				if err != nil {
					return usageError{fmt.Errorf("scenario: %w", err)}
				}
				o.ReadFile, o.Getenv = os.ReadFile, env.Getenv
				plan, err = scenarios.LoadFile(args[0], data, o)
				if err != nil {
					return usageError{err}
				}
			} else {
				if o.URL == nil {
					return usageError{errors.New("give a scenario file or --url (see stampede run --help)")}
				}
				plan, err = scenarios.FromFlags(o)
				if err != nil {
					return usageError{err}
				}
			}
			return runPlan(env, plan, &f)
		},
	}
	f.register(cmd.Flags(), true)
	return cmd
}

// runPlan runs a validated plan with the display and outputs f asks for,
// handling Ctrl-C: the first stops the load gracefully, the second
// interrupts requests in flight at once; results are written either way.
func runPlan(env *Env, plan *scenarios.Plan, f *runFlags) error {
	ui, err := uiMode(env, f.ui)
	if err != nil {
		return err
	}
	opts := engine.Options{Interval: f.interval}
	if ui == uiPlain {
		opts.OnInterval = dashboards.NewPlain(env.Stderr).OnInterval
	}
	if f.out != "" {
		// Fail before the run, not after it, if the results cannot be written.
		if err := checkWritable(f.out); err != nil {
			return usageError{fmt.Errorf("--out: %w", err)}
		}
	}
	if err := f.outputs.prepare(env, plan); err != nil {
		return err
	}
	client, err := engine.NewClient(plan)
	if err != nil {
		return err
	}
	defer client.Close()

	fmt.Fprintf(env.Stderr, "stampede: %s: %s, %s for %s against %s\n", plan.Name, plan.Load.Executor, loadText(plan), plan.Load.Total(), planTarget(plan))

	// The dashboard's q and Ctrl-C keys stop the run as SIGINT does (they
	// arrive on stops); while it owns the terminal, messages to stderr wait
	// until it closes. A run ended by q alone is not an interruption: it
	// exits 0, where Ctrl-C and signals exit 130.
	stops := make(chan string, 3)
	var interrupted atomic.Bool
	stderr, exit := env.Stderr, env.Exit
	var dash *liveTUI
	if ui == uiTUI {
		if dash, err = startTUI(plan, f.interval, stops, f.outputs.parsed); err != nil {
			return err
		}
		stderr = dash.log
		exit = func(code int) { dash.close(env.Stderr); env.Exit(code) }
		opts.OnInterval, opts.Control = dash.onInterval, dash.ctl
	}

	if opts.Control == nil {
		// Every run keeps a control, so that events (an abort by threshold
		// among them) reach the results.
		opts.Control = engine.NewControl()
	}
	watch, err := abortWatcher(plan, stops, stderr, opts.Control)
	if err != nil {
		return err
	}
	if watch != nil {
		inner := opts.OnInterval
		opts.OnInterval = func(s *engine.Snapshot) {
			if inner != nil {
				inner(s)
			}
			watch(s)
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	abort := make(chan struct{})
	opts.Abort = abort
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-env.Signals:
				interrupted.Store(true)
			case key := <-stops:
				if key != "q" && key != stopThreshold {
					interrupted.Store(true)
				}
			case <-finished:
				return
			}
			switch n {
			case 0:
				fmt.Fprintf(stderr, "\nstopping: waiting up to %s for requests in flight (Ctrl-C again to cut them off)\n", plan.Load.Grace)
				stop()
			case 1:
				fmt.Fprintln(stderr, "\ninterrupting requests in flight; writing results")
				close(abort)
			default:
				exit(exitInterrupted)
				return
			}
		}
	}()

	runEngine := func() (*engine.Result, error) { return engine.Run(ctx, plan, client, opts) }
	var res *engine.Result
	if dash != nil {
		res, err = dash.run(env.Stderr, runEngine)
	} else {
		res, err = runEngine()
	}
	if err != nil {
		return err
	}
	results := reports.NewResults(res, stampedeVersion())
	results.Backends = targetBackends(plan)
	f.outputs.annotate(results)
	if f.out != "" {
		if err := writeFileAtomic(f.out, results.WriteJSON); err != nil {
			return fmt.Errorf("writing results: %w", err)
		}
		fmt.Fprintf(env.Stderr, "results written to %s\n", f.out)
	}
	if err := reports.WriteSummary(env.Stdout, results); err != nil {
		return err
	}
	f.outputs.interrupted = interrupted.Load()
	if err := f.outputs.write(env, results, runLabel(f.out)); err != nil {
		return err
	}
	if res.Stopped == "interrupted" && interrupted.Load() {
		return exitError{exitInterrupted}
	}
	return nil
}

func loadText(p *scenarios.Plan) string {
	l := p.Load
	switch {
	case l.Open() && len(l.Stages) > 0:
		return fmt.Sprintf("rate ramping over %d stages, up to %d VUs", len(l.Stages), l.MaxVUs)
	case l.Open():
		return fmt.Sprintf("%g requests/s, up to %d VUs", l.Rate, l.MaxVUs)
	case len(l.Stages) > 0:
		return fmt.Sprintf("VUs ramping over %d stages, up to %d", len(l.Stages), l.MaxVUs)
	default:
		return fmt.Sprintf("%d VUs", l.VUs)
	}
}

func checkWritable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	tmp, err := os.CreateTemp(dir, ".stampede-check-*")
	if err != nil {
		return err
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// writeFileAtomic writes through a temporary file and renames it, so an
// interrupted write never leaves half a results file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stampede-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file private; a results file is for sharing.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ifSet returns v when its flag was given on the command line, else nil:
// an override only says what the user said.
func ifSet[T any](given bool, v *T) *T {
	if given {
		return v
	}
	return nil
}
