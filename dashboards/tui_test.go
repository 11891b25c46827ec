package dashboards

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"go.uber.org/goleak"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
)

// recording makes snapshots the way the engine does: samples through a
// metrics.Recorder, cut into one-second intervals and merged into totals.
type recording struct {
	rec   *metrics.Recorder
	acc   metrics.Counts
	total *metrics.Interval
	t0    time.Time
	n     int
}

func newRecording() *recording {
	t0 := time.Unix(1000, 0)
	return &recording{rec: metrics.NewRecorder(1), total: metrics.NewInterval(t0), t0: t0}
}

// add records n requests of latency d that ended with status and err.
func (r *recording) add(n int, d time.Duration, status int, err metrics.ErrClass) {
	start := r.t0.Add(time.Duration(r.n) * time.Second)
	for range n {
		s := metrics.Sample{Intended: start, Sent: start, Done: start.Add(d), Status: status, Err: err}
		r.rec.Shard(0).Record(&s)
	}
}

// addSpread records 1000 requests with p50 1ms, p90 2ms, p99 5ms, p99.9
// 20ms and max 100ms: five lines a decade or so apart on a log scale.
func (r *recording) addSpread() {
	r.add(500, time.Millisecond, 200, 0)
	r.add(400, 2*time.Millisecond, 200, 0)
	r.add(90, 5*time.Millisecond, 200, 0)
	r.add(9, 20*time.Millisecond, 200, 0)
	r.add(1, 100*time.Millisecond, 200, 0)
}

// snapshot cuts the current interval; mod may change the gauges.
func (r *recording) snapshot(mod func(*engine.Snapshot)) *engine.Snapshot {
	start := r.t0.Add(time.Duration(r.n) * time.Second)
	r.rec.Collect(&r.acc)
	iv := r.acc.Interval(start, start.Add(time.Second))
	r.total.Merge(iv)
	r.n++
	s := &engine.Snapshot{
		Elapsed: time.Duration(r.n) * time.Second, Planned: 20 * time.Second,
		Interval: iv, Total: r.total,
		ActiveVUs: 3, MaxVUs: 50, AskedRate: 1000, Factor: 1,
	}
	if mod != nil {
		mod(s)
	}
	return s
}

// tenSeconds is a run 10 s into 20: 1000 requests/s with the spread of
// addSpread, and in the fifth second also 10 timeouts and 5 answers 503.
func tenSeconds() []*engine.Snapshot {
	r := newRecording()
	var snaps []*engine.Snapshot
	for i := range 10 {
		r.addSpread()
		if i == 4 {
			r.add(10, time.Second, 0, metrics.ErrTimeout)
			r.add(5, time.Millisecond, 503, metrics.ErrStatus)
		}
		snaps = append(snaps, r.snapshot(nil))
	}
	return snaps
}

var testInfo = Info{Scenario: "checkout", Protocol: "HTTP/1.1", Target: "http://127.0.0.1:8080/", Open: true, Planned: 20 * time.Second}

func modelOf(info Info, snaps []*engine.Snapshot) *Model {
	m := NewModel(info, 0)
	for _, s := range snaps {
		m.Add(FrameOf(s))
	}
	return m
}

// fakeControl records the keys' effects.
type fakeControl struct {
	mu     sync.Mutex
	paused bool
	factor float64
	steps  []int
}

func (c *fakeControl) TogglePause() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paused = !c.paused
	return c.paused
}

func (c *fakeControl) Step(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.steps = append(c.steps, n)
	c.factor += float64(n) / 10
}

func (c *fakeControl) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

func (c *fakeControl) Factor() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.factor
}

var _ Controller = (*fakeControl)(nil)

func simScreen(t *testing.T, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	s.SetSize(w, h)
	return s
}

// screenText is what a terminal would show, one string per row.
type screenText struct {
	rows  [][]rune
	cells []tcell.SimCell
	w     int
}

func capture(s tcell.SimulationScreen) screenText {
	cells, w, h := s.GetContents()
	st := screenText{cells: cells, w: w}
	for y := range h {
		row := make([]rune, w)
		for x := range w {
			row[x] = ' '
			if rs := cells[y*w+x].Runes; len(rs) > 0 {
				row[x] = rs[0]
			}
		}
		st.rows = append(st.rows, row)
	}
	return st
}

func (st screenText) String() string {
	var b strings.Builder
	for _, r := range st.rows {
		b.WriteString(string(r))
		b.WriteByte('\n')
	}
	return b.String()
}

func (st screenText) row(y int) string { return string(st.rows[y]) }

func (st screenText) fg(x, y int) tcell.Color {
	fg, _, _ := st.cells[y*st.w+x].Style.Decompose()
	return fg
}

// lineWith returns the first row holding all of parts, or -1.
func (st screenText) lineWith(parts ...string) int {
	for y := range st.rows {
		row := st.row(y)
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(row, p)
		}
		if ok {
			return y
		}
	}
	return -1
}

// box finds the panel titled title: the rows and columns inside its border.
func (st screenText) box(t *testing.T, title string) (x0, y0, x1, y1 int) {
	t.Helper()
	for y, row := range st.rows {
		i := strings.Index(string(row), "┌ "+title)
		if i < 0 {
			continue
		}
		x := len([]rune(string(row)[:i]))
		end := slices.Index(row[x+1:], '┐') + x + 1
		for yy := y + 1; yy < len(st.rows); yy++ {
			if st.rows[yy][x] == '└' {
				return x + 1, y + 1, end - 1, yy - 1
			}
		}
	}
	t.Fatalf("no panel %q on screen:\n%s", title, st)
	return
}

func render(t *testing.T, u *view, w, h int) screenText {
	t.Helper()
	s := simScreen(t, w, h)
	u.draw(s)
	return capture(s)
}

// TestDashboardScreen draws ten recorded intervals at 80×24 and 160×48 and
// checks the labels and the values.
func TestDashboardScreen(t *testing.T) {
	snaps := tenSeconds()
	cur := FrameOf(snaps[len(snaps)-1])
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			st := render(t, newView(modelOf(testInfo, snaps), nil), w, h)
			if testing.Verbose() {
				t.Logf("\n%s", st)
			}

			// Header.
			if y := st.lineWith("stampede", "checkout", "HTTP/1.1", "http://127.0.0.1:8080/", "RUNNING"); y != 0 {
				t.Errorf("header line 1 wrong:\n%s", st.row(0))
			}
			if !strings.HasSuffix(st.row(0), "RUNNING ") {
				t.Errorf("state not at the right edge: %q", st.row(0))
			}
			if y := st.lineWith("10.0s/20.0s", "█", " 50%", "VUs  3/50", "rate 1000/s", "(asked 1000/s)", "×1.0"); y != 1 {
				t.Errorf("header line 2 wrong:\n%s", st.row(1))
			}
			// Current and whole-run latency, with the exact figures.
			for _, ls := range latencySeries {
				now, run := fmtLatency(ls.get(cur.Latency)), fmtLatency(ls.get(cur.TotalLatency))
				if st.lineWith(ls.name+" ", now, run) < 0 {
					t.Errorf("legend lacks %s %s %s", ls.name, now, run)
				}
			}
			for _, want := range []string{"1.00ms", "2.00ms", "5.00ms", "20.0ms", "100ms"} {
				if st.lineWith(want) < 0 {
					t.Errorf("no %s on screen", want)
				}
			}
			// Totals, status codes, error classes.
			checks := [][]string{
				{"requests", "10015"},
				{"errors", "15", "0.1%"},
				{"200", "1000", "10000"},
				{"503", "0", "5"},
				{"timeout", "0", "10"},
				{"dropped", "0"},
				{"throughput 1000/s", "errors 0/s"},
				{"q", "stop", "p", "pause", "+/-", "rate", "tab", "view", "?", "keys"},
			}
			for _, c := range checks {
				if st.lineWith(c...) < 0 {
					t.Errorf("nothing on screen reads %q", c)
				}
			}
			if !strings.Contains(st.row(h-1), "q stop") {
				t.Errorf("footer: %q", st.row(h-1))
			}
			// The y axis has a label at each power of ten of the scale.
			for _, l := range []string{"1ms┤", "10ms┤", "100ms┤", "1s┤"} {
				if st.lineWith(l) < 0 {
					t.Errorf("no axis label %q", l)
				}
			}
		})
	}
}

// TestLatencyChartShape draws ten intervals of the same latencies: each
// percentile is one horizontal line, max on top and p50 at the bottom,
// running from the left edge to the tenth of twenty planned seconds.
func TestLatencyChartShape(t *testing.T) {
	r := newRecording()
	var snaps []*engine.Snapshot
	for range 10 {
		r.addSpread()
		snaps = append(snaps, r.snapshot(nil))
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			w, h := size[0], size[1]
			st := render(t, newView(modelOf(testInfo, snaps), nil), w, h)
			// Latency chart: constant data, so each percentile is one
			// horizontal line, max on top and p50 at the bottom, running
			// from the left edge to the tenth of twenty planned seconds.
			x0, y0, x1, y1 := st.box(t, "latency")
			cx := x0 + gutterCols
			rowOf := map[tcell.Color][]int{}
			for y := y0; y <= y1; y++ {
				for x := cx; x <= x1; x++ {
					if st.rows[y][x] >= 0x2800 && st.rows[y][x] <= 0x28ff {
						c := st.fg(x, y)
						if !slices.Contains(rowOf[c], y) {
							rowOf[c] = append(rowOf[c], y)
						}
					}
				}
			}
			prev := y0 - 1
			for i := len(latencySeries) - 1; i >= 0; i-- {
				ls := latencySeries[i]
				rows := rowOf[ls.color]
				if len(rows) != 1 {
					t.Fatalf("%s drawn on rows %v, want one row\n%s", ls.name, rows, st)
				}
				if rows[0] <= prev {
					t.Errorf("%s on row %d, not below the higher percentile (row %d)", ls.name, rows[0], prev)
				}
				prev = rows[0]
			}
			p50 := rowOf[tcell.ColorGreen][0]
			lastCell := cx + xOf(9, 20, 2*(x1-cx+1))/2
			for x := cx; x <= x1; x++ {
				drawn := st.rows[p50][x] != ' '
				if want := x <= lastCell; drawn != want {
					t.Fatalf("p50 line: column %d drawn=%v, want %v (line ends at %d):\n%s", x-cx, drawn, want, lastCell-cx, st.row(p50))
				}
			}
			// A bigger terminal gets a bigger chart.
			if h == 48 && y1-y0 < 20 {
				t.Errorf("latency chart %d rows high at 160x48", y1-y0+1)
			}
		})
	}
}

// barHeights sums the eighth blocks of each column of a panel's rows.
func barHeights(st screenText, x0, x1, y0, y1 int) []int {
	var hs []int
	for x := x0; x <= x1; x++ {
		n := 0
		for y := y0; y <= y1; y++ {
			if i := slices.Index(barBlocks, st.rows[y][x]); i > 0 {
				n += i
			}
		}
		hs = append(hs, n)
	}
	return hs
}

// TestThroughputShape: a rate rising from 100/s to 1000/s draws bars that
// rise from left to right, and errors get their own row.
func TestThroughputShape(t *testing.T) {
	r := newRecording()
	var snaps []*engine.Snapshot
	for i := range 10 {
		r.add(100*(i+1), time.Millisecond, 200, 0)
		if i == 9 {
			r.add(50, time.Millisecond, 0, metrics.ErrRefused)
		}
		snaps = append(snaps, r.snapshot(func(s *engine.Snapshot) { s.Planned = 10 * time.Second }))
	}
	st := render(t, newView(modelOf(testInfo, snaps), nil), 80, 24)
	x0, y0, x1, y1 := st.box(t, "throughput")
	cx := x0 + gutterCols
	rps := barHeights(st, cx, x1, y0, y1-1) // the last row holds the errors
	errs := barHeights(st, cx, x1, y1, y1)
	if rps[0] == 0 || rps[len(rps)-1] == 0 {
		t.Fatalf("bars do not span the chart: %v\n%s", rps, st)
	}
	for i := 1; i < len(rps); i++ {
		if rps[i] < rps[i-1] {
			t.Fatalf("bars fall at column %d: %v\n%s", i, rps, st)
		}
	}
	// 1050 requests/s on a scale of 2000.
	if got, want := rps[len(rps)-1], 8*(y1-y0)*1050/2000; got < want-1 || got > want+1 {
		t.Errorf("the highest bar fills %d eighths, want %d", got, want)
	}
	if errs[0] != 0 || errs[len(errs)-1] == 0 {
		t.Errorf("error bars %v: want only the last interval", errs)
	}
	if st.lineWith("refused", "50") < 0 || st.lineWith("err┤") < 0 {
		t.Errorf("error class or error row missing:\n%s", st)
	}
}

// TestHeaderStates covers the header's states and the closed model.
func TestHeaderStates(t *testing.T) {
	snaps := tenSeconds()
	stopping := newRecording()
	stopping.addSpread()
	tests := []struct {
		name  string
		info  Info
		snaps []*engine.Snapshot
		ctl   Controller
		want  []string
		not   []string
	}{
		{"before the first interval", testInfo, nil, nil, []string{"STARTING", "0.0s/20.0s", "rate    -/s", "waiting for the first requests"}, []string{"RUNNING"}},
		{"paused by the control", testInfo, snaps, &fakeControl{paused: true, factor: 1.5}, []string{"PAUSED", "×1.5"}, []string{"RUNNING"}},
		{"paused by the engine", testInfo, []*engine.Snapshot{stopping.snapshot(func(s *engine.Snapshot) { s.Paused = true; s.Factor = 0.5 })}, nil, []string{"PAUSED", "×0.5"}, nil},
		{"stopping", testInfo, []*engine.Snapshot{newRecording().snapshot(func(s *engine.Snapshot) { s.Stopping = true })}, nil, []string{"STOPPING"}, nil},
		{"closed model", Info{Scenario: "c", Protocol: "HTTP/1.1", Target: "http://x/", Stages: []time.Duration{5 * time.Second, 10 * time.Second, 5 * time.Second}},
			[]*engine.Snapshot{newRecording().snapshot(func(s *engine.Snapshot) { s.AskedRate = 0; s.Elapsed = 7 * time.Second })},
			nil, []string{"+/- VUs", "stage 2/3"}, []string{"asked"}},
		{"a ramp with a big pool still gets a bar at 80 columns", Info{Scenario: "default", Protocol: "HTTP/1.1", Target: "http://127.0.0.1:35109", Open: true, Stages: []time.Duration{time.Second, 2 * time.Second, time.Second}},
			[]*engine.Snapshot{newRecording().snapshot(func(s *engine.Snapshot) {
				s.Elapsed, s.Planned, s.MaxVUs, s.AskedRate = 2*time.Second, 4*time.Second, 200, 500
			})},
			nil, []string{"stage 2/3", "VUs   3/200", "(asked  500/s)", "×1.0", "█", "50%"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := render(t, newView(modelOf(tc.info, tc.snaps), tc.ctl), 80, 24)
			for _, w := range tc.want {
				if st.lineWith(w) < 0 {
					t.Errorf("no %q on screen:\n%s", w, st)
				}
			}
			for _, w := range tc.not {
				if st.lineWith(w) >= 0 {
					t.Errorf("%q on screen:\n%s", w, st)
				}
			}
		})
	}
}

// TestSmallTerminals: nothing breaks when the terminal is tiny.
func TestSmallTerminals(t *testing.T) {
	m := modelOf(testInfo, tenSeconds())
	for _, size := range [][2]int{{40, 12}, {20, 6}, {1, 1}} {
		st := render(t, newView(m, nil), size[0], size[1])
		if size[0] == 40 && st.lineWith("rate 1000/s") < 0 {
			t.Errorf("40x12 lost the rate:\n%s", st)
		}
	}
}

func key(r rune) *tcell.EventKey { return tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone) }

// TestKeys drives the key handler directly: every key reaches the control
// or the stop function, tab cycles the views and ? shows the keys.
func TestKeys(t *testing.T) {
	ctl := &fakeControl{factor: 1}
	var stops []string
	s := simScreen(t, 80, 24)
	tui, err := NewTUI(s, modelOf(testInfo, tenSeconds()), WithControl(ctl), WithStop(func(k string) { stops = append(stops, k) }))
	if err != nil {
		t.Fatal(err)
	}
	defer tui.Stop()
	draw := func() screenText { tui.view.draw(s); return capture(s) }

	tui.key(key('p'))
	if !ctl.Paused() || draw().lineWith("PAUSED") != 0 {
		t.Errorf("p did not pause")
	}
	tui.key(key('p'))
	tui.key(key('+'))
	tui.key(key('+'))
	tui.key(key('-'))
	if ctl.Paused() || !slices.Equal(ctl.steps, []int{1, 1, -1}) {
		t.Errorf("paused %v steps %v", ctl.Paused(), ctl.steps)
	}
	if draw().lineWith("×1.1") < 0 {
		t.Errorf("factor not shown at once")
	}
	for _, want := range []string{"latency", "throughput", "status & errors", "overview"} {
		tui.key(tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone))
		if st := draw(); st.lineWith("view: "+want) < 0 {
			t.Errorf("tab: want view %s:\n%s", want, st)
		}
	}
	tui.key(tcell.NewEventKey(tcell.KeyBacktab, 0, tcell.ModNone))
	if st := draw(); st.lineWith("view: status & errors") < 0 || st.lineWith("┌ latency") >= 0 {
		t.Errorf("shift-tab: want the status view alone:\n%s", st)
	}
	tui.key(tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone))

	tui.key(key('?'))
	if st := draw(); st.lineWith("┌ keys") < 0 || st.lineWith("pause / resume") < 0 || st.lineWith("per-backend") < 0 {
		t.Errorf("? shows no help:\n%s", st)
	}
	tui.key(key('p')) // closes the help, does not pause
	if st := draw(); st.lineWith("┌ keys") >= 0 || ctl.Paused() {
		t.Errorf("a key did not just close the help (paused %v):\n%s", ctl.Paused(), st)
	}

	tui.key(key('q'))
	tui.key(tcell.NewEventKey(tcell.KeyCtrlC, 0, tcell.ModCtrl))
	if !slices.Equal(stops, []string{"q", "ctrl-c"}) {
		t.Errorf("stops %v", stops)
	}
	if draw().lineWith("STOPPING") < 0 {
		t.Errorf("q does not show the stop at once")
	}
}

// onLoop captures the screen from the dashboard's event loop, so that it
// does not read the simulation screen while tview draws on it.
func onLoop(tui *TUI, s tcell.SimulationScreen) screenText {
	ch := make(chan screenText, 1)
	tui.app.QueueUpdate(func() { ch <- capture(s) })
	return <-ch
}

// waitFor polls the running dashboard's screen until cond holds.
func waitFor(t *testing.T, tui *TUI, s tcell.SimulationScreen, what string, cond func(screenText) bool) screenText {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := onLoop(tui, s)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLive runs the dashboard's event loop on a simulation screen: the
// snapshots show up, keys work, Ctrl-C does not close it (the run does,
// through Stop), a resize redraws at the new size, and nothing leaks.
func TestLive(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := simScreen(t, 80, 24)
	ctl := &fakeControl{factor: 1}
	stops := make(chan string, 4)
	tui, err := NewTUI(s, NewModel(testInfo, 0), WithControl(ctl), WithStop(func(k string) { stops <- k }))
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- tui.Run() }()

	snaps := tenSeconds()
	for _, sn := range snaps[:3] {
		tui.OnInterval(sn)
	}
	waitFor(t, tui, s, "the third interval", func(st screenText) bool { return st.lineWith("3.0s/20.0s", "rate 1000/s") >= 0 })

	s.InjectKey(tcell.KeyRune, 'p', tcell.ModNone)
	waitFor(t, tui, s, "PAUSED", func(st screenText) bool { return st.lineWith("PAUSED") == 0 })
	s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl)
	if k := <-stops; k != "ctrl-c" {
		t.Fatalf("stop key %q", k)
	}
	tui.OnInterval(snaps[3])
	waitFor(t, tui, s, "the fourth interval after Ctrl-C", func(st screenText) bool { return st.lineWith("4.0s/20.0s") >= 0 })

	s.SetSize(160, 48)
	tui.Refresh()
	waitFor(t, tui, s, "a redraw at 160x48", func(st screenText) bool {
		return len(st.rows) == 48 && strings.HasSuffix(st.row(0), "STOPPING ") && strings.Contains(st.row(47), "view: overview")
	})

	tui.Stop()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Stop")
	}
	tui.Stop() // twice is fine
}

// TestOnIntervalNeverWaits: with no event loop drawing (a terminal that
// does not keep up), OnInterval still returns at once; redraws are
// dropped, frames are not.
func TestOnIntervalNeverWaits(t *testing.T) {
	s := simScreen(t, 80, 24)
	m := NewModel(testInfo, 0)
	tui, err := NewTUI(s, m)
	if err != nil {
		t.Fatal(err)
	}
	defer tui.Stop()
	snap := tenSeconds()[0]
	start := time.Now()
	for range 200 {
		tui.OnInterval(snap)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("200 snapshots took %v", took)
	}
	if _, n := m.Position(); n != 200 {
		t.Fatalf("model holds %d frames, want 200", n)
	}
}

// TestStopBeforeRun: a run that ends before the dashboard has started
// must not leave Run waiting.
func TestStopBeforeRun(t *testing.T) {
	tui, err := NewTUI(simScreen(t, 80, 24), NewModel(testInfo, 0))
	if err != nil {
		t.Fatal(err)
	}
	tui.Stop()
	done := make(chan error, 1)
	go func() { done <- tui.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run after Stop did not return")
	}
}

// TestReplay scrubs through a finished run and plays it.
func TestReplay(t *testing.T) {
	defer goleak.VerifyNone(t)
	var frames []Frame
	for _, sn := range tenSeconds() {
		frames = append(frames, FrameOf(sn))
	}
	s := simScreen(t, 100, 30)
	tui, err := NewReplay(s, testInfo, frames)
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- tui.Run() }()
	st := waitFor(t, tui, s, "the end of the run", func(st screenText) bool {
		return st.lineWith("REPLAY") == 0 && st.lineWith("interval 10/10", "10.0s/20.0s") >= 0
	})
	if st.lineWith("×") >= 0 || st.lineWith("p pause") >= 0 {
		t.Errorf("a replay shows live controls:\n%s", st)
	}
	s.InjectKey(tcell.KeyLeft, 0, tcell.ModNone)
	waitFor(t, tui, s, "one step back", func(st screenText) bool { return st.lineWith("interval 9/10", "9.0s/20.0s") >= 0 })
	s.InjectKey(tcell.KeyHome, 0, tcell.ModNone)
	waitFor(t, tui, s, "the start", func(st screenText) bool { return st.lineWith("interval 1/10", "1.0s/20.0s") >= 0 })
	s.InjectKey(tcell.KeyRune, ' ', tcell.ModNone)
	waitFor(t, tui, s, "the replay played to the end", func(st screenText) bool { return st.lineWith("interval 10/10") >= 0 })
	s.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end the replay")
	}
}

func TestModelRing(t *testing.T) {
	m := NewModel(Info{Planned: 3 * time.Second}, 4)
	if v := m.View(); len(v.Frames) != 0 || v.Span != 3 {
		t.Fatalf("empty model: %d frames, span %d", len(v.Frames), v.Span)
	}
	for i := range 6 {
		m.Add(Frame{Elapsed: time.Duration(i+1) * time.Second, Planned: 3 * time.Second})
	}
	v := m.View()
	var got []time.Duration
	for _, f := range v.Frames {
		got = append(got, f.Elapsed)
	}
	if want := []time.Duration{3 * time.Second, 4 * time.Second, 5 * time.Second, 6 * time.Second}; !slices.Equal(got, want) {
		t.Fatalf("frames %v, want %v", got, want)
	}
	if v.Span != 4 {
		t.Fatalf("span %d, want the history, 4", v.Span)
	}
	m.Seek(-1) // live: no effect
	if pos, n := m.Position(); pos != 3 || n != 4 {
		t.Fatalf("position %d/%d", pos, n)
	}
	r := NewReplayModel(Info{}, []Frame{{}, {}, {}})
	r.Seek(-5)
	if pos, _ := r.Position(); pos != 0 {
		t.Fatalf("seek clamps at the start: %d", pos)
	}
	r.Seek(10)
	if pos, _ := r.Position(); pos != 2 {
		t.Fatalf("seek clamps at the end: %d", pos)
	}
	if v := r.View(); len(v.Frames) != 3 || v.Span != 3 {
		t.Fatalf("replay view: %d frames, span %d", len(v.Frames), v.Span)
	}
}

func TestFormats(t *testing.T) {
	for us, want := range map[int64]string{0: "0µs", 850: "850µs", 1234: "1.23ms", 12345: "12.3ms", 123456: "123ms", 1234567: "1.23s", 12345678: "12.3s", 123456789: "123s"} {
		if got := fmtLatency(us); got != want {
			t.Errorf("fmtLatency(%d) = %q, want %q", us, got, want)
		}
	}
	for n, want := range map[uint64]string{0: "0", 999999: "999999", 1234567: "1.23M", 123456789: "123M", 1234567890: "1.2G"} {
		if got := fmtCount(n); got != want {
			t.Errorf("fmtCount(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{1500 * time.Millisecond: "1.5s", 90 * time.Second: "1:30", 3725 * time.Second: "1:02:05"} {
		if got := fmtClock(d); got != want {
			t.Errorf("fmtClock(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestLatencyOfMatchesHistogram: the one-pass percentiles are the ones
// hdrhistogram's ValueAtQuantile and Max give, as the plain line shows.
func TestLatencyOfMatchesHistogram(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		h := metrics.NewHistogram()
		for range 1 + rng.IntN(5000) {
			h.RecordValue(1 + rng.Int64N(int64(1)<<rng.IntN(30)))
		}
		got := LatencyOf(h)
		want := Latency{P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99), P999: h.ValueAtQuantile(99.9), Max: h.Max()}
		if got != want {
			t.Fatalf("case %d: LatencyOf = %+v, want %+v", i, got, want)
		}
	}
	if (LatencyOf(nil) != Latency{}) || (LatencyOf(metrics.NewHistogram()) != Latency{}) {
		t.Fatal("empty histograms must give the zero Latency")
	}
}

// BenchmarkOnInterval is the dashboard's cost on the engine's collector
// goroutine per interval (once a second by default).
func BenchmarkOnInterval(b *testing.B) {
	snap := tenSeconds()[9]
	s := tcell.NewSimulationScreen("UTF-8")
	tui, err := NewTUI(s, NewModel(testInfo, 0))
	if err != nil {
		b.Fatal(err)
	}
	defer tui.Stop()
	b.ReportAllocs()
	for b.Loop() {
		tui.OnInterval(snap)
	}
}

// BenchmarkDraw is the cost of one redraw (once per interval) with ten
// minutes of history, on tview's event loop, not the engine's.
func BenchmarkDraw(b *testing.B) {
	r := newRecording()
	m := NewModel(testInfo, 0)
	for range 600 {
		r.addSpread()
		m.Add(FrameOf(r.snapshot(func(s *engine.Snapshot) { s.Planned = 10 * time.Minute })))
	}
	for _, size := range [][2]int{{100, 30}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			s := tcell.NewSimulationScreen("UTF-8")
			if err := s.Init(); err != nil {
				b.Fatal(err)
			}
			s.SetSize(size[0], size[1])
			u := newView(m, nil)
			b.ReportAllocs()
			for b.Loop() {
				u.draw(s)
			}
		})
	}
}
