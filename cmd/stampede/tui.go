package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/term"

	"github.com/stampede-lab/stampede/dashboards"
	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/scenarios"
)

// UI modes of --ui.
const (
	uiTUI   = "tui"
	uiPlain = "plain"
	uiNone  = "none"
)

// newScreen opens the terminal for the dashboard (tcell uses /dev/tty, so
// stdout may be redirected). Tests replace it with a simulation screen.
var newScreen = func() (tcell.Screen, error) { return tcell.NewScreen() }

// stdinIsTerminal reports whether the process's stdin is a terminal.
var stdinIsTerminal = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// uiMode resolves --ui: by default the dashboard when stdout and stdin
// are terminals (someone is watching and can press keys), the plain
// progress lines otherwise (CI, pipes, files).
func uiMode(env *Env, ui string) (string, error) {
	switch ui {
	case uiTUI, uiPlain, uiNone:
		return ui, nil
	case "", "auto":
		if isTerminal(env.Stdout) && stdinIsTerminal() {
			return uiTUI, nil
		}
		return uiPlain, nil
	default:
		return "", usageError{fmt.Errorf("--ui %q: expected tui, plain or none", ui)}
	}
}

// protocolOf names the wire protocol of the client engine.NewClient
// builds for plan.
func protocolOf(*scenarios.Plan) string { return "HTTP/1.1" }

// dashboardInfo describes plan for the dashboard's header.
func dashboardInfo(plan *scenarios.Plan, interval time.Duration) dashboards.Info {
	target := planTarget(plan)
	if len(plan.Requests) > 1 && plan.BaseURL != "" {
		target = plan.BaseURL
	}
	info := dashboards.Info{
		Scenario: plan.Name,
		Protocol: protocolOf(plan),
		Target:   target,
		Open:     plan.Load.Open(),
		Planned:  plan.Load.Total(),
		Interval: interval,
	}
	for _, s := range plan.Load.Stages {
		info.Stages = append(info.Stages, s.Duration)
	}
	return info
}

// liveTUI is the dashboard of one run and what it needs from runPlan.
type liveTUI struct {
	tui *dashboards.TUI
	ctl *engine.Control
	// log holds what the run writes to stderr while the dashboard owns
	// the terminal; it is written out when the dashboard closes.
	log *heldWriter
}

// startTUI opens the terminal and builds the dashboard of a run. A key q
// or Ctrl-C notes the stop among the run's events and sends the key's
// name ("q", "ctrl-c") on stops, where runPlan treats it as a SIGINT.
func startTUI(plan *scenarios.Plan, interval time.Duration, stops chan<- string) (*liveTUI, error) {
	screen, err := newScreen()
	if err != nil {
		return nil, usageError{fmt.Errorf("--ui tui: no terminal: %w (use --ui plain)", err)}
	}
	ctl := engine.NewControl()
	presses := 0 // only touched on the dashboard's event loop
	stop := func(key string) {
		kind := "stop"
		if presses > 0 {
			kind = "abort"
		}
		presses++
		ctl.Note(kind, "key "+key)
		select {
		case stops <- key:
		default:
		}
	}
	model := dashboards.NewModel(dashboardInfo(plan, interval), 0)
	tui, err := dashboards.NewTUI(screen, model, dashboards.WithControl(ctl), dashboards.WithStop(stop))
	if err != nil {
		return nil, usageError{fmt.Errorf("--ui tui: cannot use the terminal: %w (use --ui plain)", err)}
	}
	return &liveTUI{tui: tui, ctl: ctl, log: &heldWriter{}}, nil
}

// run shows the dashboard while runEngine runs in another goroutine, and
// closes it when the run ends, so that what follows (the summary) prints
// on the normal screen. If the terminal fails, the run goes on without
// the dashboard.
func (d *liveTUI) run(stderr io.Writer, runEngine func() (*engine.Result, error)) (*engine.Result, error) {
	type outcome struct {
		res *engine.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := runEngine()
		d.tui.Stop()
		done <- outcome{res, err}
	}()
	uiErr := d.tui.Run()
	d.log.release(stderr)
	if uiErr != nil {
		fmt.Fprintf(stderr, "stampede: dashboard: %v; the run goes on without it (Ctrl-C stops it)\n", uiErr)
	}
	o := <-done
	return o.res, o.err
}

// close gives the terminal back at once (before an exit).
func (d *liveTUI) close(stderr io.Writer) {
	d.tui.Stop()
	d.log.release(stderr)
}

// heldWriter keeps what is written to it until release, then passes
// writes through. It is safe for concurrent use.
type heldWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	out io.Writer
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.out != nil {
		return h.out.Write(p)
	}
	return h.buf.Write(p)
}

// release writes out what was held and passes later writes to w.
func (h *heldWriter) release(w io.Writer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.out != nil {
		return
	}
	_, _ = w.Write(h.buf.Bytes())
	h.buf.Reset()
	h.out = w
}
