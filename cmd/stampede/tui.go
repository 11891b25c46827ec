package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/term"

	"github.com/stampede-lab/stampede/dashboards"
	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/lb"
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
	// poller reads the stats of the load balancer the run goes to, if the
	// target may be a bundled one (nil otherwise).
	poller *backendPoller
	// stopPoll ends the poller and waits for it; nil while it is not
	// running.
	mu       sync.Mutex
	stopPoll func()
}

// startTUI opens the terminal and builds the dashboard of a run, which
// judges ths live. A key q or Ctrl-C notes the stop among the run's
// events and sends the key's name ("q", "ctrl-c") on stops, where runPlan
// treats it as a SIGINT.
func startTUI(plan *scenarios.Plan, interval time.Duration, stops chan<- string, ths []reports.Threshold) (*liveTUI, error) {
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
	info := dashboardInfo(plan, interval)
	info.Thresholds = pendingThresholds(ths)
	model := dashboards.NewModel(info, 0)
	opts := []dashboards.Option{dashboards.WithControl(ctl), dashboards.WithStop(stop)}
	if len(ths) > 0 {
		opts = append(opts, dashboards.WithThresholds(thresholdJudge(ths)))
	}
	tui, err := dashboards.NewTUI(screen, model, opts...)
	if err != nil {
		return nil, usageError{fmt.Errorf("--ui tui: cannot use the terminal: %w (use --ui plain)", err)}
	}
	d := &liveTUI{tui: tui, ctl: ctl, log: &heldWriter{}}
	if u, ok := backendStatsURL(info.Target); ok {
		d.poller = newBackendPoller(u, pollTimeout(interval), tui.SetBackends)
	}
	return d, nil
}

// onInterval is the run's interval hook: the dashboard takes the
// snapshot, and the poller is asked for a reading of the balancer's stats
// (on its own goroutine: the engine's collector never waits for it).
func (d *liveTUI) onInterval(s *engine.Snapshot) {
	d.tui.OnInterval(s)
	if d.poller != nil {
		d.poller.Kick()
	}
}

// startPolling runs the poller, if any, until stopPolling.
func (d *liveTUI) startPolling() {
	if d.poller == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { d.poller.run(ctx) })
	d.mu.Lock()
	d.stopPoll = func() { cancel(); wg.Wait() }
	d.mu.Unlock()
}

// stopPolling ends the poller and waits for it; it may be called more
// than once.
func (d *liveTUI) stopPolling() {
	d.mu.Lock()
	stop := d.stopPoll
	d.stopPoll = nil
	d.mu.Unlock()
	if stop != nil {
		stop()
	}
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
	d.startPolling()
	defer d.stopPolling()
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
	d.stopPolling()
	d.log.release(stderr)
}

// pendingThresholds lists ths for the dashboard before anything is
// judged.
func pendingThresholds(ths []reports.Threshold) []dashboards.ThresholdStatus {
	out := make([]dashboards.ThresholdStatus, len(ths))
	for i, t := range ths {
		out[i] = dashboards.ThresholdStatus{Expr: t.Expr, Step: t.Step, State: dashboards.ThresholdPending, Value: "waiting for the first interval"}
	}
	return out
}

// thresholdJudge returns the dashboard's judge of ths: each interval,
// every threshold on the run's totals so far, and a step threshold on its
// step's totals when it names exactly one step. A threshold on a step
// that several flows share is judged at the end only.
func thresholdJudge(ths []reports.Threshold) func(*engine.Snapshot) []dashboards.ThresholdStatus {
	return func(s *engine.Snapshot) []dashboards.ThresholdStatus {
		out := make([]dashboards.ThresholdStatus, len(ths))
		for i, t := range ths {
			out[i] = judgeLive(t, s)
		}
		return out
	}
}

func judgeLive(t reports.Threshold, s *engine.Snapshot) dashboards.ThresholdStatus {
	st := dashboards.ThresholdStatus{Expr: t.Expr, Step: t.Step}
	tot := s.Total
	if t.Step != "" {
		var matched []*metrics.Interval
		for i := range s.Steps {
			sp := &s.Steps[i]
			if sp.Flow+"/"+sp.Step == t.Step || !strings.Contains(t.Step, "/") && sp.Step == t.Step {
				matched = append(matched, sp.Total)
			}
		}
		if len(matched) != 1 || matched[0] == nil {
			st.State, st.Value = dashboards.ThresholdAtEnd, "judged at the end of the run"
			return st
		}
		tot, t.Step = matched[0], ""
	}
	if tot == nil {
		st.State, st.Value = dashboards.ThresholdPending, "no samples yet"
		return st
	}
	v, err := t.EvaluateLive(tot)
	switch {
	case err != nil:
		st.State, st.Value = dashboards.ThresholdAtEnd, "judged at the end of the run"
	case v.Text == "": // nothing measured yet
		st.State, st.Value = dashboards.ThresholdPending, "no samples yet"
	default:
		st.State = dashboards.ThresholdFail
		if v.Pass {
			st.State = dashboards.ThresholdPass
		}
		st.Value, _, _ = strings.Cut(v.Text, ", limit")
	}
	return st
}

// backendStatsURL returns where the load balancer that target points at
// would serve its stats, and false unless target is plain HTTP on
// loopback: the dashboard asks only bundled targets on this machine.
func backendStatsURL(target string) (string, bool) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return "", false
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: lb.StatsPath}).String(), true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pollTimeout bounds one reading of the stats: half an interval, at most
// half a second.
func pollTimeout(interval time.Duration) time.Duration {
	return min(max(interval/2, 50*time.Millisecond), 500*time.Millisecond)
}

// Limits of the backend poller.
const (
	// pollRetries is how many failed readings (no answer at all) the
	// poller tries before it gives up on a target that never answered.
	pollRetries = 3
	// pollNested is how many balancers behind a router's routes it reads.
	pollNested = 4
	// pollMaxBody bounds a stats document.
	pollMaxBody = 1 << 20
)

// backendPoller reads a bundled load balancer's stats for the dashboard,
// once at the start and then once per Kick (per interval), on a goroutine
// of its own with a short timeout, so that the engine never waits on it.
// Behind a router it also reads the balancers its routes lead to, so that
// the app tier's policy shows. An answer that is not a balancer's stats
// (another server, a 404) ends it: the panel stays hidden.
type backendPoller struct {
	url    string
	client *http.Client
	kick   chan struct{}
	show   func(dashboards.Backends)
}

func newBackendPoller(statsURL string, timeout time.Duration, show func(dashboards.Backends)) *backendPoller {
	tr := &http.Transport{
		Proxy:                 nil, // loopback only: never through a proxy
		DisableCompression:    true,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: timeout,
	}
	client := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &backendPoller{url: statsURL, client: client, kick: make(chan struct{}, 1), show: show}
}

// Kick asks for a reading without waiting; a reading under way absorbs it.
func (p *backendPoller) Kick() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// errNotBalancer is an answer that is not a balancer's or router's stats.
var errNotBalancer = errors.New("not a load balancer's stats")

// run reads at once and then at every Kick until ctx ends.
func (p *backendPoller) run(ctx context.Context) {
	defer p.client.CloseIdleConnections()
	seen, failures := false, 0
	for {
		pools, err := p.read(ctx, "entry", p.url)
		switch {
		case ctx.Err() != nil:
			return
		case err == nil:
			seen = true
			pools = append(pools, p.nested(ctx, pools[0])...)
			p.show(dashboards.Backends{At: time.Now(), Pools: pools})
		case !seen && errors.Is(err, errNotBalancer):
			return
		case !seen:
			if failures++; failures >= pollRetries {
				return
			}
		default:
			p.show(dashboards.Backends{At: time.Now(), Err: err.Error()})
		}
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		}
	}
}

// nested reads the balancers behind a router's routes, by backend URL,
// each once, named after the backend.
func (p *backendPoller) nested(ctx context.Context, router dashboards.Pool) []dashboards.Pool {
	if router.Mode != "router" {
		return nil
	}
	var out []dashboards.Pool
	seen := map[string]bool{}
	for _, b := range router.Backends {
		u, ok := backendStatsURL(b.URL)
		if !ok || seen[u] || len(seen) >= pollNested {
			continue
		}
		seen[u] = true
		if pools, err := p.read(ctx, b.ID, u); err == nil && pools[0].Mode != "router" {
			out = append(out, pools[0])
		}
	}
	return out
}

// read fetches and parses one stats document.
func (p *backendPoller) read(ctx context.Context, name, u string) ([]dashboards.Pool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, pollMaxBody))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %w", resp.Status, errNotBalancer)
	}
	pools, ok := dashboards.ParseBackendStats(name, body)
	if !ok {
		return nil, errNotBalancer
	}
	return pools, nil
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
