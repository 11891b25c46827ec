package dashboards

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/scenarios"
)

// lbStatsJSON is what a bundled balancer (stampede serve lb --policy
// least-conn) serves at /__stampede/stats, cut down to what matters and
// with the counters filled in by fmt: requests of app-1, app-2, app-3.
const lbStatsJSON = `{
  "mode": "l7",
  "policy": "least-conn",
  "requests": %[1]d,
  "no_backend": 0,
  "retries": 0,
  "backends": [
    {"id": "app-1", "url": "http://127.0.0.1:36529", "weight": 1, "available": true, "healthy": true, "ejected": false, "draining": false,
     "requests": %[2]d, "in_flight": 7, "errors": 0, "bytes_in": 0, "bytes_out": 0,
     "latency": {"count": 1, "mean_ns": 185000, "p50_ns": 185000, "p90_ns": 185000, "p99_ns": 2500000, "max_ns": 185000, "ewma_ns": 184240}},
    {"id": "app-2", "url": "http://127.0.0.1:36467", "weight": 1, "available": true, "healthy": true, "ejected": false, "draining": false,
     "requests": %[3]d, "in_flight": 2, "errors": 3, "bytes_in": 0, "bytes_out": 0, "latency": {"count": 0}},
    {"id": "app-3", "url": "http://127.0.0.1:45539", "weight": 1, "available": false, "healthy": false, "ejected": false, "draining": false,
     "requests": %[4]d, "in_flight": 0, "errors": 12, "bytes_in": 0, "bytes_out": 0, "latency": {"count": 0}}
  ]
}
`

// routerStatsJSON is a router's (stampede serve web) stats, two routes.
const routerStatsJSON = `{"routes": [
  {"prefix": "/static/", "mode": "l7", "policy": "round-robin", "requests": 10, "no_backend": 0, "retries": 0,
   "backends": [{"id": "static", "url": "http://127.0.0.1:41209", "weight": 1, "available": true, "healthy": true, "requests": 10, "in_flight": 0, "errors": 0, "latency": {}}]},
  {"prefix": "/", "mode": "l7", "policy": "round-robin", "requests": 30, "no_backend": 2, "retries": 0,
   "backends": [{"id": "lb", "url": "http://127.0.0.1:33951", "weight": 1, "available": true, "healthy": true, "requests": 30, "in_flight": 1, "errors": 0, "latency": {}}]}
]}`

// lbReading parses a canned balancer reading taken at second at.
func lbReading(t *testing.T, at int, app1, app2, app3 uint64) Backends {
	t.Helper()
	pools, ok := ParseBackendStats("entry", fmt.Appendf(nil, lbStatsJSON, app1+app2+app3, app1, app2, app3))
	if !ok {
		t.Fatal("canned lb stats do not parse")
	}
	return Backends{At: time.Unix(1000+int64(at), 0), Pools: pools}
}

func TestParseBackendStats(t *testing.T) {
	pools, ok := ParseBackendStats("entry", fmt.Appendf(nil, lbStatsJSON, 6, 1, 2, 3))
	if !ok || len(pools) != 1 {
		t.Fatalf("lb stats: %v %+v", ok, pools)
	}
	p := pools[0]
	if p.Name != "entry" || p.Mode != "l7" || p.Policy != "least-conn" || p.Requests != 6 || len(p.Backends) != 3 {
		t.Errorf("pool %+v", p)
	}
	b := p.Backends[0]
	if b.ID != "app-1" || b.URL != "http://127.0.0.1:36529" || b.Requests != 1 || b.InFlight != 7 || !b.Healthy || !b.Available || b.P99 != 2500*time.Microsecond {
		t.Errorf("backend %+v", b)
	}
	if c := p.Backends[2]; c.Healthy || c.Available || c.Errors != 12 {
		t.Errorf("backend %+v", c)
	}

	pools, ok = ParseBackendStats("entry", []byte(routerStatsJSON))
	if !ok || len(pools) != 1 || pools[0].Mode != "router" || pools[0].Requests != 40 || pools[0].NoBackend != 2 {
		t.Fatalf("router stats: %v %+v", ok, pools)
	}
	if bs := pools[0].Backends; len(bs) != 2 || bs[0].Route != "/static/" || bs[0].ID != "static" || bs[1].Route != "/" || bs[1].ID != "lb" || bs[1].URL != "http://127.0.0.1:33951" {
		t.Errorf("router backends %+v", bs)
	}

	for _, doc := range []string{
		`{"requests": 12, "errors": 0, "in_flight": 1}`, // a backend's own stats
		`{"hits": 1, "misses": 2}`,                      // a cache's
		`not json`, `[]`, `{"backends": "x"}`, ``,
	} {
		if pools, ok := ParseBackendStats("entry", []byte(doc)); ok {
			t.Errorf("%q parsed as a balancer's stats: %+v", doc, pools)
		}
	}
}

// TestBackendShares: shares over the time since the previous reading
// when there was traffic then, else over the whole run.
func TestBackendShares(t *testing.T) {
	first := lbReading(t, 0, 100, 100, 100)
	rows := backendRows(nil, &first)
	if len(rows) != 1 || rows[0].Recent || rows[0].Rate != -1 {
		t.Fatalf("first reading: %+v", rows)
	}
	for _, r := range rows[0].Rows {
		if math.Abs(r.Share-1.0/3) > 1e-9 || r.Rate != -1 {
			t.Errorf("first reading: %s share %v rate %v", r.ID, r.Share, r.Rate)
		}
	}
	second := lbReading(t, 2, 400, 200, 100) // +300, +100, +0 in 2 s
	rows = backendRows(&first, &second)
	p := rows[0]
	if !p.Recent || p.Rate != 200 {
		t.Fatalf("second reading: recent %v rate %v", p.Recent, p.Rate)
	}
	for i, want := range []struct{ share, rate float64 }{{0.75, 150}, {0.25, 50}, {0, 0}} {
		if r := p.Rows[i]; math.Abs(r.Share-want.share) > 1e-9 || r.Rate != want.rate {
			t.Errorf("%s: share %v rate %v, want %v", r.ID, r.Share, r.Rate, want)
		}
	}
	// No traffic since: back to the shares of the run.
	rows = backendRows(&second, &second)
	if rows[0].Recent || math.Abs(rows[0].Rows[0].Share-400.0/700) > 1e-9 || rows[0].Rows[0].Rate != -1 {
		t.Errorf("idle: %+v", rows[0])
	}

	// A failed reading keeps the last pools and says why.
	m := NewModel(testInfo, 0)
	m.SetBackends(Backends{Err: "connection refused"})
	if v := m.View(); v.Backends != nil {
		t.Fatalf("a failure before any reading shows backends: %+v", v.Backends)
	}
	m.SetBackends(first)
	m.SetBackends(second)
	m.SetBackends(Backends{At: time.Unix(1003, 0), Err: "timeout"})
	v := m.View()
	if v.BackendsErr != "timeout" || len(v.Backends) != 1 || v.Backends[0].Rows[0].Share != 0.75 {
		t.Errorf("after a failure: err %q %+v", v.BackendsErr, v.Backends)
	}
}

// flowSteps are the steps of a checkout flow at the nth second.
func flowSteps(n int) []engine.StepSnapshot {
	u := uint64(n)
	return []engine.StepSnapshot{
		{Flow: "buyer", Step: "login", Requests: 100 * u, P50: 850, P99: 12_300, ChecksPassed: 100 * u, Checks: 1},
		{Flow: "buyer", Step: "product", Requests: 90 * u, Errors: 3 * u, P50: 4_560, P99: 45_600, ChecksPassed: 87 * u, ChecksFailed: 3 * u, Checks: 1},
		{Flow: "buyer", Step: "checkout", Requests: 80 * u, P50: 20_000, P99: 1_230_000, ChecksPassed: 160 * u, Checks: 2},
		{Flow: "buyer", Step: "logout", Checks: 0},
	}
}

// thresholdsAt are the verdicts a judge gives: two pass, one fails.
func thresholdsAt(*engine.Snapshot) []ThresholdStatus {
	return []ThresholdStatus{
		{Expr: "p(99) < 200ms", State: ThresholdPass, Value: "p(99) = 5.00ms"},
		{Expr: "error_rate < 0.1%", State: ThresholdFail, Value: "error_rate = 0.15%"},
		{Expr: "p(95) < 1s", Step: "checkout", State: ThresholdPass, Value: "p(95) = 1.23s"},
		{Expr: "p(50) < 1s", Step: "pay", State: ThresholdAtEnd, Value: "judged at the end of the run"},
	}
}

// extrasTUI is a dashboard of ten recorded seconds of a flow scenario with
// thresholds and two readings of a balancer's stats.
func extrasTUI(t *testing.T, s tcell.SimulationScreen) *TUI {
	t.Helper()
	w, h := s.Size()
	defer s.SetSize(w, h) // NewTUI initialises the screen again
	info := testInfo
	info.Thresholds = []ThresholdStatus{{Expr: "p(99) < 200ms"}}
	tui, err := NewTUI(s, NewModel(info, 0), WithControl(&fakeControl{factor: 1}), WithThresholds(thresholdsAt))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tui.Stop)
	r := newRecording()
	for i := range 10 {
		r.addSpread()
		tui.OnInterval(r.snapshot(func(s *engine.Snapshot) { s.Steps = flowSteps(i + 1) }))
	}
	tui.SetBackends(lbReading(t, 0, 100, 100, 100))
	tui.SetBackends(lbReading(t, 1, 400, 200, 100))
	return tui
}

// wantLines fails for every group of parts that no row of st holds.
func wantLines(t *testing.T, st screenText, groups ...[]string) {
	t.Helper()
	for _, g := range groups {
		if st.lineWith(g...) < 0 {
			t.Errorf("no row reads %q:\n%s", g, st)
		}
	}
}

var (
	stepRows = [][]string{
		{"step", "reqs", "p50", "p99", "errors", "checks"},
		{"login", "1000", "850µs", "12.3ms", "0", "1000/1000"},
		{"product", "900", "4.56ms", "45.6ms", "30", "870/900"},
		{"checkout", "800", "20.0ms", "1.23s", "0", "1600/1600"},
		{"logout", "0", "-", "-", "0", "-"},
	}
	thresholdRows = [][]string{
		{"✓", "p(99) < 200ms", "p(99) = 5.00ms"},
		{"✗", "error_rate < 0.1%", "error_rate = 0.15%"},
		{"✓", "p(95) < 1s @checkout", "p(95) = 1.23s"},
		{"◷", "p(50) < 1s @pay", "judged at the end"},
	}
	backendRowsShown = [][]string{
		{"backend", "share", "req/s", "in-fl", "errors", "state"},
		{"entry", "least-conn", "400/s", "share since last reading"},
		{"app-1", "█", "75.0%", "300", "7", "0", "up"},
		{"app-2", "25.0%", "100", "2", "3", "up"},
		{"app-3", "0.0%", "0", "0", "12", "down"},
	}
)

// TestDashboardExtrasFit80x24: in 80×24 the overview keeps its charts;
// the steps, thresholds and backends are tab views of their own, and the
// header sums the thresholds up.
func TestDashboardExtrasFit80x24(t *testing.T) {
	s := simScreen(t, 80, 24)
	tui := extrasTUI(t, s)
	draw := func() screenText { tui.view.draw(s); return capture(s) }
	st := draw()
	if testing.Verbose() {
		t.Logf("\n%s", st)
	}
	if !strings.HasSuffix(st.row(0), "✗ 1/4  RUNNING ") {
		t.Errorf("header lacks the thresholds badge: %q", st.row(0))
	}
	for _, title := range []string{"┌ steps", "┌ thresholds", "┌ backends"} {
		if st.lineWith(title) >= 0 {
			t.Errorf("80x24 overview shows %s:\n%s", title, st)
		}
	}
	wantLines(t, st, []string{"┌ latency"}, []string{"┌ throughput"}, []string{"view: overview"})
	if len(st.rows) != 24 || len(st.rows[0]) != 80 {
		t.Fatalf("screen %dx%d", len(st.rows[0]), len(st.rows))
	}

	views := []struct {
		name string
		rows [][]string
	}{
		{"latency", nil}, {"throughput", nil}, {"status & errors", nil},
		{"steps", stepRows}, {"thresholds", thresholdRows}, {"backends", backendRowsShown},
		{"overview", nil},
	}
	for _, v := range views {
		tui.key(tcell.NewEventKey(tcell.KeyTab, 0, tcell.ModNone))
		st := draw()
		if st.lineWith("view: "+v.name) < 0 {
			t.Fatalf("tab: want view %s:\n%s", v.name, st)
		}
		wantLines(t, st, v.rows...)
	}
	if st := draw(); st.lineWith("┌ steps (run so far)") >= 0 {
		t.Errorf("back in the overview, the steps still show")
	}
	// Shift-tab goes back to the backends.
	tui.key(tcell.NewEventKey(tcell.KeyBacktab, 0, tcell.ModNone))
	wantLines(t, draw(), []string{"view: backends"}, []string{"┌ backends"})
}

// TestDashboardExtrasAlongside160x48: with room, the overview shows the
// steps, thresholds and backends beside the charts, which stay big.
func TestDashboardExtrasAlongside160x48(t *testing.T) {
	s := simScreen(t, 160, 48)
	tui := extrasTUI(t, s)
	tui.view.draw(s)
	st := capture(s)
	if testing.Verbose() {
		t.Logf("\n%s", st)
	}
	wantLines(t, st, []string{"┌ latency", "┌ now / run", "┌ steps (run so far)"}, []string{"view: overview"}, []string{"thresholds ✗ 1/4", "RUNNING"})
	wantLines(t, st, stepRows...)
	wantLines(t, st, thresholdRows...)
	wantLines(t, st, backendRowsShown...)
	// The charts keep most of the room.
	x0, y0, x1, y1 := st.box(t, "latency")
	if x1-x0 < 60 || y1-y0 < 20 {
		t.Errorf("latency chart %dx%d at 160x48", x1-x0+1, y1-y0+1)
	}
	// The extra panels are stacked in one column, in order, right of the
	// legend, and nothing is cut short.
	sx, sy, _, sy1 := st.box(t, "steps")
	tx, ty, _, ty1 := st.box(t, "thresholds")
	bx, by, _, by1 := st.box(t, "backends")
	if sx != tx || tx != bx || sy > ty || ty > by || sx <= x1 {
		t.Errorf("panels at (%d,%d) (%d,%d) (%d,%d), latency ends at column %d", sx, sy, tx, ty, bx, by, x1)
	}
	if sy1-sy+1 != len(stepRows) || ty1-ty+1 != len(thresholdRows) || by1 > 46 {
		t.Errorf("panel heights %d %d, backends to row %d", sy1-sy+1, ty1-ty+1, by1)
	}
	if st.lineWith("more (tab)") >= 0 {
		t.Errorf("something cut short at 160x48:\n%s", st)
	}
	// The bar of app-1 (75%) is three times app-2's.
	y := st.lineWith("app-1", "75.0%")
	y2 := st.lineWith("app-2", "25.0%")
	if n1, n2 := strings.Count(st.row(y), "█"), strings.Count(st.row(y2), "█"); n1 < 2*n2 || n1 == 0 {
		t.Errorf("bars of 75%% and 25%%: %d and %d cells", n1, n2)
	}
	// Colours: a failed threshold in red, a down backend in red.
	row := st.rows[st.lineWith("error_rate < 0.1%")]
	if x := strings.IndexRune(string(row), '✗'); x < 0 || st.fg(len([]rune(string(row)[:x])), st.lineWith("error_rate < 0.1%")) != tcell.ColorRed {
		t.Errorf("failed threshold not marked in red")
	}
}

// TestDashboardExtrasOverflow: in a roomy terminal with many backends,
// the panels share the column and say what they leave out.
func TestDashboardExtrasOverflow(t *testing.T) {
	m := modelOf(testInfo, tenSeconds())
	var bs []string
	for i := range 60 {
		bs = append(bs, fmt.Sprintf(`{"id": "app-%d", "url": "http://127.0.0.1:%d", "available": true, "healthy": true, "requests": %d}`, i, 9000+i, i))
	}
	pools, ok := ParseBackendStats("entry", []byte(`{"mode": "l7", "policy": "random", "backends": [`+strings.Join(bs, ",")+`]}`))
	if !ok {
		t.Fatal("no parse")
	}
	m.SetBackends(Backends{At: time.Unix(1, 0), Pools: pools})
	st := render(t, newView(m, nil), 160, 40)
	wantLines(t, st, []string{"┌ backends"}, []string{"app-0 "}, []string{"more (tab)"}, []string{"view: overview"})
	if st.lineWith("┌ steps") >= 0 || st.lineWith("┌ thresholds") >= 0 {
		t.Errorf("panels with nothing to show are shown:\n%s", st)
	}
}

// TestDashboardThresholdsBeforeFirstInterval: the plan's thresholds show
// as pending until the first snapshot judges them.
func TestDashboardThresholdsBeforeFirstInterval(t *testing.T) {
	info := testInfo
	info.Thresholds = []ThresholdStatus{{Expr: "p(99) < 200ms", Value: "waiting for the first interval"}}
	u := newView(NewModel(info, 0), nil)
	st := render(t, u, 80, 24)
	x := len([]rune(st.row(0))) - len([]rune("✓ 0/1  STARTING "))
	if !strings.HasSuffix(st.row(0), " ✓ 0/1  STARTING ") || st.fg(x, 0) != tcell.ColorGray {
		t.Errorf("header: %q", st.row(0))
	}
	u.cycle(1)
	u.cycle(1)
	u.cycle(1)
	u.cycle(1)
	st = render(t, u, 80, 24)
	wantLines(t, st, []string{"view: thresholds"}, []string{"…", "p(99) < 200ms", "waiting for the first interval"})
}

// TestDashboardReplayExtras: a replay labels steps and thresholds as the
// end of the run.
func TestDashboardReplayExtras(t *testing.T) {
	var frames []Frame
	for i, sn := range tenSeconds() {
		sn.Steps = flowSteps(i + 1)
		f := FrameOf(sn)
		f.Thresholds = thresholdsAt(sn)
		frames = append(frames, f)
	}
	st := render(t, newView(NewReplayModel(testInfo, frames), nil), 160, 48)
	wantLines(t, st, []string{"┌ steps (end of run)"}, []string{"┌ thresholds (end of run)"}, []string{"REPLAY"})
	if st.lineWith("┌ backends") >= 0 {
		t.Errorf("a replay shows backends")
	}
}

// TestDashboardStepsFromEngine runs a flow scenario in the engine and
// checks what the dashboard takes from its snapshots: the steps, in plan
// order, with requests, percentiles and checks that add up.
func TestDashboardStepsFromEngine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	defer srv.Close()
	yaml := `name: shop
base_url: ` + srv.URL + `
flows:
  - name: buyer
    steps:
      - name: home
        request: {url: /}
        checks: [{status: 200}, {body_contains: ok}]
      - name: broken
        request: {url: /missing}
        checks: [{status: 200}]
load:
  executor: constant-vus
  vus: 2
  duration: 1500ms
`
	plan, err := scenarios.LoadFile("shop.yaml", []byte(yaml), scenarios.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	client, err := engine.NewClient(plan)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var mu sync.Mutex
	var frames []Frame
	_, err = engine.Run(context.Background(), plan, client, engine.Options{Interval: 500 * time.Millisecond, OnInterval: func(s *engine.Snapshot) {
		mu.Lock()
		frames = append(frames, FrameOf(s))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(frames) < 3 {
		t.Fatalf("%d snapshots", len(frames))
	}
	var prev uint64
	for i, f := range frames {
		if len(f.Steps) != 2 || f.Steps[0].Step != "home" || f.Steps[1].Step != "broken" || f.Steps[0].Flow != "buyer" {
			t.Fatalf("frame %d steps %+v", i, f.Steps)
		}
		home, broken := f.Steps[0], f.Steps[1]
		if home.Requests < prev {
			t.Errorf("frame %d: home requests fell from %d to %d", i, prev, home.Requests)
		}
		prev = home.Requests
		if home.Checks != 2 || broken.Checks != 1 {
			t.Errorf("frame %d: checks %d %d", i, home.Checks, broken.Checks)
		}
		// Checks are read when the step's records are taken; requests
		// recorded in between may be a few apart.
		near := func(got, want uint64) bool { return got <= want+want/50+50 && got+want/50+50 >= want }
		if !near(home.ChecksPassed, 2*home.Requests) || home.ChecksFailed != 0 {
			t.Errorf("frame %d: home %d requests, checks %d passed %d failed", i, home.Requests, home.ChecksPassed, home.ChecksFailed)
		}
		if !near(broken.ChecksFailed, broken.Requests) || broken.ChecksPassed != 0 {
			t.Errorf("frame %d: broken %d requests, checks %d passed %d failed", i, broken.Requests, broken.ChecksPassed, broken.ChecksFailed)
		}
		if home.Requests > 0 && (home.P50 <= 0 || home.P99 < home.P50) {
			t.Errorf("frame %d: home p50 %d p99 %d", i, home.P50, home.P99)
		}
	}
	if last := frames[len(frames)-1]; last.Steps[0].Requests == 0 || last.Steps[0].Requests+last.Steps[1].Requests != last.TotalRequests {
		t.Errorf("steps %d + %d requests, run %d", last.Steps[0].Requests, last.Steps[1].Requests, last.TotalRequests)
	}
}

// TestDashboardNoStepsWithoutFlows: a plan of plain requests has no steps
// in its snapshots, and no steps view.
func TestDashboardNoStepsWithoutFlows(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }))
	defer srv.Close()
	url := srv.URL + "/"
	d := 600 * time.Millisecond
	vus := 1
	plan, err := scenarios.FromFlags(scenarios.Overrides{URL: &url, Duration: &d, VUs: &vus})
	if err != nil {
		t.Fatal(err)
	}
	client, err := engine.NewClient(plan)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var steps []engine.StepSnapshot
	seen := false
	_, err = engine.Run(context.Background(), plan, client, engine.Options{Interval: 200 * time.Millisecond, OnInterval: func(s *engine.Snapshot) {
		seen = true
		steps = append(steps, s.Steps...)
	}})
	if err != nil || !seen || steps != nil {
		t.Fatalf("err %v, snapshots %v, steps %+v", err, seen, steps)
	}
}

// BenchmarkOnIntervalFlows is OnInterval's cost with ten steps and five
// thresholds (judged by a function as quick as the real one).
func BenchmarkOnIntervalFlows(b *testing.B) {
	r := newRecording()
	r.addSpread()
	var steps []engine.StepSnapshot
	for range 3 {
		steps = append(steps, flowSteps(1)...)
	}
	snap := r.snapshot(func(s *engine.Snapshot) { s.Steps = steps })
	s := tcell.NewSimulationScreen("UTF-8")
	tui, err := NewTUI(s, NewModel(testInfo, 0), WithThresholds(thresholdsAt))
	if err != nil {
		b.Fatal(err)
	}
	defer tui.Stop()
	b.ReportAllocs()
	for b.Loop() {
		tui.OnInterval(snap)
	}
}

// BenchmarkDrawExtras is one redraw at 160×48 with ten minutes of history,
// steps, thresholds and two pools of backends beside the charts.
func BenchmarkDrawExtras(b *testing.B) {
	r := newRecording()
	m := NewModel(testInfo, 0)
	for i := range 600 {
		r.addSpread()
		f := FrameOf(r.snapshot(func(s *engine.Snapshot) { s.Planned, s.Steps = 10*time.Minute, flowSteps(i+1) }))
		f.Thresholds = thresholdsAt(nil)
		m.Add(f)
	}
	for i, reqs := range [][2]uint64{{100, 50}, {400, 200}} {
		pools, _ := ParseBackendStats("entry", fmt.Appendf(nil, lbStatsJSON, reqs[0]+reqs[1], reqs[0], reqs[1], 0))
		pools = append(pools, pools[0])
		pools[1].Name = "lb"
		m.SetBackends(Backends{At: time.Unix(int64(i), 0), Pools: pools})
	}
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		b.Fatal(err)
	}
	s.SetSize(160, 48)
	u := newView(m, nil)
	b.ReportAllocs()
	for b.Loop() {
		u.draw(s)
	}
}
