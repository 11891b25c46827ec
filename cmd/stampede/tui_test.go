package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/stampede-lab/stampede/dashboards"
	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/lb"
)

func TestUIMode(t *testing.T) {
	old := stdinIsTerminal
	t.Cleanup(func() { stdinIsTerminal = old })
	stdinIsTerminal = func() bool { return true }
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	for ui, want := range map[string]string{"": uiPlain, "auto": uiPlain, "tui": uiTUI, "plain": uiPlain, "none": uiNone} {
		got, err := uiMode(env, ui)
		if err != nil || got != want {
			t.Errorf("uiMode(%q) = %q, %v; want %q (stdout is not a terminal)", ui, got, err, want)
		}
	}
	var ue usageError
	if _, err := uiMode(env, "fancy"); !errors.As(err, &ue) || !strings.Contains(err.Error(), "tui, plain or none") {
		t.Errorf("uiMode(fancy) = %v", err)
	}
}

// shownScreen is a simulation screen that keeps a copy of what it shows,
// taken on the drawing goroutine, so a test can read it without racing.
type shownScreen struct {
	tcell.SimulationScreen
	mu    sync.Mutex
	shown string
}

func (s *shownScreen) Show() {
	s.SimulationScreen.Show()
	cells, w, h := s.GetContents()
	var b strings.Builder
	for y := range h {
		for x := range w {
			r := ' '
			if rs := cells[y*w+x].Runes; len(rs) > 0 {
				r = rs[0]
			}
			b.WriteRune(r)
		}
		b.WriteByte('\n')
	}
	s.mu.Lock()
	s.shown = b.String()
	s.mu.Unlock()
}

func (s *shownScreen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shown
}

func (s *shownScreen) waitFor(t *testing.T, what string, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		txt := s.text()
		if re.MatchString(txt) {
			return txt
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s:\n%s", what, txt)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// useSimScreen makes --ui tui draw on a simulation screen of w×h.
func useSimScreen(t *testing.T, w, h int) *shownScreen {
	t.Helper()
	sim := tcell.NewSimulationScreen("UTF-8")
	s := &shownScreen{SimulationScreen: sim}
	old := newScreen
	t.Cleanup(func() { newScreen = old })
	newScreen = func() (tcell.Screen, error) {
		if err := sim.Init(); err != nil {
			return nil, err
		}
		sim.SetSize(w, h)
		return initDone{s}, nil
	}
	return s
}

// initDone keeps the dashboard from initialising the simulation screen
// again (which would reset its size).
type initDone struct{ *shownScreen }

func (initDone) Init() error { return nil }

// TestRunTUIInProcess runs `stampede run --ui tui` in process on a
// simulation screen: the dashboard shows the run, p pauses, the key q
// stops it gracefully with exit code 0, the summary comes after, and
// messages meant for stderr wait until the dashboard has closed.
func TestRunTUIInProcess(t *testing.T) {
	srv := startTarget(t)
	tests := []struct {
		name     string
		key      func(tcell.SimulationScreen)
		wantCode int
	}{
		{"q", func(s tcell.SimulationScreen) { s.InjectKey(tcell.KeyRune, 'q', tcell.ModNone) }, exitOK},
		{"ctrl-c", func(s tcell.SimulationScreen) { s.InjectKey(tcell.KeyCtrlC, 0, tcell.ModCtrl) }, exitInterrupted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			scr := useSimScreen(t, 100, 30)
			out := filepath.Join(t.TempDir(), "results.json")
			var stdout, stderr syncBuffer
			env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Signals: make(chan os.Signal), Exit: func(int) {}}
			code := make(chan int, 1)
			go func() {
				code <- execute(env, []string{"run", "--url", srv.URL() + "/", "--rate", "200", "--duration", "30s", "--grace", "2s", "--ui", "tui", "--out", out})
			}()
			scr.waitFor(t, "the first interval", regexp.MustCompile(`(?s)stampede flags · HTTP/1\.1 · http://127\.0\.0\.1:\d+/.*rate +[1-9]\d*/s \(asked  200/s\).*p99 +\d`))
			scr.InjectKey(tcell.KeyRune, 'p', tcell.ModNone)
			scr.waitFor(t, "PAUSED", regexp.MustCompile(`PAUSED`))
			scr.InjectKey(tcell.KeyRune, '+', tcell.ModNone)
			scr.waitFor(t, "×1.1", regexp.MustCompile(`×1\.1`))
			if strings.Contains(stderr.String(), "stopping") {
				t.Fatal("stderr written while the dashboard is up")
			}
			tc.key(scr.SimulationScreen)
			select {
			case c := <-code:
				if c != tc.wantCode {
					t.Fatalf("exit %d, want %d; stderr:\n%s", c, tc.wantCode, stderr.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatal("the run did not end after the stop key")
			}
			if !strings.Contains(stdout.String(), "requests:") {
				t.Errorf("no summary on stdout:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), "stopping: waiting up to 2s") || !strings.Contains(stderr.String(), "results written to") {
				t.Errorf("stderr lacks the held messages:\n%s", stderr.String())
			}
			if strings.ContainsRune(stdout.String()+stderr.String(), '\x1b') {
				t.Errorf("escape codes in stdout or stderr")
			}
			res, _ := readResults(t, out)
			if res.Summary.Requests == 0 {
				t.Errorf("no requests in the results")
			}
			// Every key action is an event of the run.
			var got []string
			for _, e := range res.Events {
				got = append(got, e.Kind+" "+e.Detail)
			}
			want := []string{"pause ", "scale ×1.1", "stop key " + tc.name}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("events %q, want %q", got, want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the run's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoTerminal: without a terminal the default is the plain progress
// lines, with no escape codes anywhere; asking for the dashboard says why
// it cannot be had.
func TestNoTerminal(t *testing.T) {
	srv := startTarget(t)
	t.Run("default is plain", func(t *testing.T) {
		for _, args := range [][]string{
			{"run", "--url", srv.URL() + "/", "--rate", "100", "--duration", "2s"},
			{"demo", "--duration", "2s"},
		} {
			cmd := exec.Command(binary, args...)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s", args[0], err, stderr.String())
			}
			if n := len(regexp.MustCompile(`(?m)^\[ *\d+\.\ds/\d+\.\ds\].* rate \d+/s .*p99 `).FindAllString(stderr.String(), -1)); n < 2 {
				t.Errorf("%s: %d progress lines on stderr:\n%s", args[0], n, stderr.String())
			}
			if !strings.Contains(stdout.String(), "requests:") {
				t.Errorf("%s: no summary on stdout:\n%s", args[0], stdout.String())
			}
			if i := bytes.IndexByte(append(stdout.Bytes(), stderr.Bytes()...), 0x1b); i >= 0 {
				t.Errorf("%s: escape code in the output: stdout %q stderr %q", args[0], stdout.String(), stderr.String())
			}
		}
	})
	t.Run("tui asked for", func(t *testing.T) {
		cmd := exec.Command(binary, "run", "--url", srv.URL()+"/", "--rate", "10", "--duration", "1s", "--ui", "tui")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
			t.Fatalf("exit %v, want %d; stderr %s", err, exitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), "--ui tui") || !strings.Contains(stderr.String(), "--ui plain") {
			t.Errorf("stderr does not say what to do: %s", stderr.String())
		}
		if bytes.IndexByte(stderr.Bytes(), 0x1b) >= 0 || stdout.Len() > 0 {
			t.Errorf("output: stdout %q stderr %q", stdout.String(), stderr.String())
		}
	})
}

// TestWatch replays a results file on a simulation screen.
func TestWatch(t *testing.T) {
	srv := startTarget(t)
	out := filepath.Join(t.TempDir(), "results.json")
	if b, err := exec.Command(binary, "run", "--url", srv.URL()+"/", "--rate", "100", "--duration", "3s", "--ui", "none", "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	res, _ := readResults(t, out)
	frames := replayFrames(res)
	if len(frames) != len(res.Intervals) {
		t.Fatalf("%d frames for %d intervals", len(frames), len(res.Intervals))
	}
	last := frames[len(frames)-1]
	if last.TotalRequests != res.Summary.Requests || last.TotalStatus[200] != res.Summary.Status["200"] {
		t.Errorf("totals %d / %v, summary %d / %v", last.TotalRequests, last.TotalStatus, res.Summary.Requests, res.Summary.Status)
	}
	if got, want := float64(last.TotalLatency.P99)/1000, res.Summary.LatencyMS.P99; got != want {
		t.Errorf("merged p99 %.3fms, summary %.3fms", got, want)
	}

	scr := useSimScreen(t, 100, 30)
	var stdout, stderr syncBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Exit: func(int) {}}
	code := make(chan int, 1)
	go func() { code <- execute(env, []string{"watch", out}) }()
	n := len(res.Intervals)
	scr.waitFor(t, "the replay", regexp.MustCompile(fmt.Sprintf(`REPLAY(?s:.*)interval %d/%d(?s:.*)p99 +\d`, n, n)))
	scr.InjectKey(tcell.KeyLeft, 0, tcell.ModNone)
	scr.waitFor(t, "one step back", regexp.MustCompile(fmt.Sprintf(`interval %d/%d`, n-1, n)))
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case c := <-code:
		if c != exitOK {
			t.Fatalf("watch exit %d: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not end watch")
	}

	var ue bytes.Buffer
	env = &Env{Stdout: &ue, Stderr: &ue, Getenv: func(string) string { return "" }, Exit: func(int) {}}
	if c := execute(env, []string{"watch", filepath.Join(t.TempDir(), "none.json")}); c != exitUsage {
		t.Errorf("watch of a missing file: exit %d", c)
	}
}

// enginePauses reports whether engine.Control's Pause stops the load yet:
// a short run against url, paused after half a second, must start no
// request in its last full interval.
func enginePauses(t *testing.T, url string) bool {
	t.Helper()
	o := scenarios.Overrides{URL: &url}
	rate, d := 200.0, 3*time.Second
	o.Rate, o.Duration = &rate, &d
	plan, err := scenarios.FromFlags(o)
	if err != nil {
		t.Fatal(err)
	}
	client, err := engine.NewClient(plan)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctl := engine.NewControl()
	ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	time.AfterFunc(500*time.Millisecond, ctl.Pause)
	var mu sync.Mutex
	var perInterval []uint64
	_, err = engine.Run(ctx, plan, client, engine.Options{Interval: 500 * time.Millisecond, Control: ctl, OnInterval: func(s *engine.Snapshot) {
		mu.Lock()
		perInterval = append(perInterval, s.Interval.Requests)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// Intervals end at 0.5, 1, 1.5, 2 s: the last two come after the pause.
	return len(perInterval) >= 4 && perInterval[3] == 0
}

// tmux drives a tmux server of the test's own.
type tmux struct {
	t    *testing.T
	sock string
}

func (m tmux) run(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", m.sock}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (m tmux) screen() string { return m.run("capture-pane", "-p", "-t", "e2e") }

func (m tmux) waitFor(what string, within time.Duration, cond func(string) bool) string {
	m.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := m.screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("timed out waiting for %s; the screen:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	shownElapsed = regexp.MustCompile(`(\d+\.\d)s/20\.0s`)
	shownRate    = regexp.MustCompile(`rate +(\d+)/s`)
)

// elapsedShown is the run's time in the header, or -1.
func elapsedShown(screen string) float64 {
	m := shownElapsed.FindStringSubmatch(screen)
	if m == nil {
		return -1
	}
	var v float64
	fmt.Sscan(m[1], &v)
	return v
}

// TestTUIInTmux runs the binary in a real terminal (tmux, 100×30) with the
// dashboard, and drives it with keys as a person would.
func TestTUIInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): the end-to-end dashboard test needs a real terminal")
	}
	srv := startTarget(t)
	// Whether the engine honours the control yet decides two checks below;
	// find out before the dashboard's run, so as not to load it.
	wired := enginePauses(t, srv.URL()+"/")
	dir := t.TempDir()
	m := tmux{t: t, sock: filepath.Join(dir, "tmux.sock")}
	script := fmt.Sprintf(`cd %q && %q run --url %q --rate 200 --duration 20s --ui tui --out results.json >stdout.txt 2>stderr.txt; echo $? >rc.txt`,
		dir, binary, srv.URL()+"/")
	m.run("-u", "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "-e", "LC_ALL=C.UTF-8", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-S", m.sock, "kill-server").Run() })

	// About 3 s in: the header, a rate that is not zero, latency figures.
	s := m.waitFor("the run at 3 s", 15*time.Second, func(s string) bool { return elapsedShown(s) >= 3 })
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`stampede flags · HTTP/1\.1 · http://127\.0\.0\.1:\d+/ +RUNNING`),
		regexp.MustCompile(`rate +[1-9]\d*/s \(asked  200/s\)`),
		regexp.MustCompile(`p50 +\d+(\.\d+)?(µs|ms|s) +\d`),
		regexp.MustCompile(`p99 +\d+(\.\d+)?(µs|ms|s) +\d`),
		regexp.MustCompile(`latency \(log scale\)`),
		regexp.MustCompile(`[⠁-⣿]`),
	} {
		if !want.MatchString(s) {
			t.Errorf("the screen at 3 s lacks %s:\n%s", want, s)
		}
	}
	if len(strings.Split(strings.TrimRight(s, "\n"), "\n")) > 30 {
		t.Errorf("more than 30 rows captured")
	}

	// p pauses: the header says so at once; the rate falls to 0.
	m.run("send-keys", "-t", "e2e", "p")
	s = m.waitFor("PAUSED", 3*time.Second, func(s string) bool { return strings.Contains(s, "PAUSED") })
	pausedAt := elapsedShown(s)
	s = m.waitFor("two snapshots after the pause", 5*time.Second, func(s string) bool { return elapsedShown(s) >= pausedAt+2 })
	t.Run("the rate falls to 0 while paused", func(t *testing.T) {
		if !wired {
			t.Skip("engine.Control's Pause does not stop the load yet (the lead's engine work): only the paused indicator is checked")
		}
		if r := shownRate.FindStringSubmatch(s); r == nil || r[1] != "0" {
			t.Errorf("rate shown while paused: %v\n%s", r, s)
		}
	})

	// p resumes; + raises the factor shown.
	m.run("send-keys", "-t", "e2e", "p")
	m.waitFor("RUNNING again", 3*time.Second, func(s string) bool { return strings.Contains(s, "RUNNING") })
	m.run("send-keys", "-t", "e2e", "+")
	m.waitFor("×1.1", 3*time.Second, func(s string) bool { return strings.Contains(s, "×1.1") })
	t.Run("the asked rate follows the factor", func(t *testing.T) {
		if !wired {
			t.Skip("engine.Control does not steer the load yet (the lead's engine work)")
		}
		m.waitFor("asked 220/s", 3*time.Second, func(s string) bool { return strings.Contains(s, "(asked  220/s)") })
	})

	// A smaller terminal: the dashboard redraws to fit 80×24.
	m.run("resize-window", "-t", "e2e", "-x", "80", "-y", "24")
	m.waitFor("the layout at 80×24", 3*time.Second, func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return len(lines) == 24 && strings.HasSuffix(strings.TrimRight(lines[0], " "), "RUNNING") &&
			len([]rune(lines[0])) <= 80 && strings.Contains(lines[23], "view: overview")
	})

	// q: a graceful stop, the summary on stdout, exit code 0.
	m.run("send-keys", "-t", "e2e", "q")
	rcFile := filepath.Join(dir, "rc.txt")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(rcFile); err == nil && len(b) > 0 {
			if rc := strings.TrimSpace(string(b)); rc != "0" {
				stderr, _ := os.ReadFile(filepath.Join(dir, "stderr.txt"))
				t.Fatalf("exit code %s; stderr:\n%s", rc, stderr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not end after q:\n%s", m.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stdout, _ := os.ReadFile(filepath.Join(dir, "stdout.txt"))
	if !regexp.MustCompile(`requests: [1-9]\d*`).Match(stdout) {
		t.Errorf("no summary on stdout:\n%s", stdout)
	}
	if bytes.IndexByte(stdout, 0x1b) >= 0 {
		t.Errorf("escape codes in the redirected stdout: %q", stdout)
	}
	res, _ := readResults(t, filepath.Join(dir, "results.json"))
	if res.Summary.Requests == 0 {
		t.Errorf("results without requests")
	}
}

// cannedLBStats is a bundled balancer's /__stampede/stats (stampede serve
// lb --policy p2c), with the requests of app-1 and app-2 filled in.
const cannedLBStats = `{
  "mode": "l7",
  "policy": "p2c",
  "requests": %[1]d,
  "no_backend": 0,
  "retries": 0,
  "backends": [
    {"id": "app-1", "url": "http://127.0.0.1:36529", "weight": 1, "available": true, "healthy": true, "ejected": false, "draining": false,
     "requests": %[2]d, "in_flight": 3, "errors": 0, "bytes_in": 0, "bytes_out": 0,
     "latency": {"count": 10, "mean_ns": 185000, "p50_ns": 185000, "p90_ns": 185000, "p99_ns": 185000, "max_ns": 185000, "ewma_ns": 184240}},
    {"id": "app-2", "url": "http://127.0.0.1:36467", "weight": 1, "available": false, "healthy": false, "ejected": false, "draining": false,
     "requests": %[3]d, "in_flight": 0, "errors": 4, "bytes_in": 0, "bytes_out": 0,
     "latency": {"count": 0, "mean_ns": 0, "p50_ns": 0, "p90_ns": 0, "p99_ns": 0, "max_ns": 0, "ewma_ns": 0}}
  ]
}`

func TestTUIBackendStatsURL(t *testing.T) {
	for target, want := range map[string]string{
		"http://127.0.0.1:8080/work?sleep=5ms": "http://127.0.0.1:8080/__stampede/stats",
		"http://localhost:9000":                "http://localhost:9000/__stampede/stats",
		"http://[::1]:9000/x":                  "http://[::1]:9000/__stampede/stats",
		"http://127.0.0.2:80/":                 "http://127.0.0.2:80/__stampede/stats",
		"http://10.0.0.1:8080/":                "",
		"http://example.com/":                  "",
		"https://127.0.0.1:8443/":              "", // TLS: not one of ours to ask
		"127.0.0.1:8080":                       "",
		"":                                     "",
	} {
		got, ok := backendStatsURL(target)
		if got != want || ok != (want != "") {
			t.Errorf("backendStatsURL(%q) = %q, %v; want %q", target, got, ok, want)
		}
	}
}

// TestTUIRealLBStatsParse: the dashboard reads the JSON of targets/lb's
// own types, so the two cannot drift apart.
func TestTUIRealLBStatsParse(t *testing.T) {
	st := lb.Stats{Mode: "l7", Policy: "least-time", Requests: 9, Backends: []lb.BackendStats{
		{ID: "a", URL: "http://127.0.0.1:1", Weight: 2, Available: true, Healthy: true, Requests: 6, InFlight: 2, Errors: 1, Latency: lb.Latency{P99: 3 * time.Millisecond}},
		{ID: "b", URL: "http://127.0.0.1:2", Weight: 1, Healthy: true, Draining: true, Requests: 3},
	}}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	pools, ok := dashboards.ParseBackendStats("entry", data)
	want := dashboards.Pool{Name: "entry", Mode: "l7", Policy: "least-time", Requests: 9, Backends: []dashboards.Backend{
		{ID: "a", URL: "http://127.0.0.1:1", Weight: 2, Available: true, Healthy: true, Requests: 6, InFlight: 2, Errors: 1, P99: 3 * time.Millisecond},
		{ID: "b", URL: "http://127.0.0.1:2", Weight: 1, Healthy: true, Draining: true, Requests: 3},
	}}
	if !ok || len(pools) != 1 || !reflect.DeepEqual(pools[0], want) {
		t.Fatalf("lb.Stats read as %v %+v", ok, pools)
	}
	rs := lb.RouterStats{Routes: []lb.RouteStats{{Prefix: "/api/", Stats: st}}}
	if data, err = json.Marshal(rs); err != nil {
		t.Fatal(err)
	}
	pools, ok = dashboards.ParseBackendStats("entry", data)
	if !ok || len(pools) != 1 || pools[0].Mode != "router" || len(pools[0].Backends) != 2 || pools[0].Backends[1].Route != "/api/" || pools[0].Backends[1].ID != "b" {
		t.Fatalf("lb.RouterStats read as %v %+v", ok, pools)
	}
}

// readings collects what a poller shows.
type readings chan dashboards.Backends

func (r readings) show(b dashboards.Backends) { r <- b }

func (r readings) next(t *testing.T) dashboards.Backends {
	t.Helper()
	select {
	case b := <-r:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no reading")
		return dashboards.Backends{}
	}
}

// startPoller runs a poller of u until the test ends; done closes when
// it returns.
func startPoller(t *testing.T, u string, timeout time.Duration) (*backendPoller, readings, chan struct{}) {
	t.Helper()
	r := make(readings, 16)
	p := newBackendPoller(u, timeout, r.show)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return p, r, done
}

// TestTUIBackendPoller reads canned balancer stats from an httptest
// server: at once, then once per kick; a failure keeps the panel with a
// note; the reading is bounded by the timeout.
func TestTUIBackendPoller(t *testing.T) {
	var mu sync.Mutex
	app1, app2, status, hang := 10, 5, http.StatusOK, false
	paths := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.Method + " " + r.URL.Path
		mu.Lock()
		a, b, code, h := app1, app2, status, hang
		mu.Unlock()
		if h {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, cannedLBStats, a+b, a, b)
	}))
	defer srv.Close()
	u, ok := backendStatsURL(srv.URL + "/work?sleep=1ms")
	if !ok {
		t.Fatal("httptest server not on loopback")
	}
	p, r, _ := startPoller(t, u, 200*time.Millisecond)

	b := r.next(t)
	if got := <-paths; got != "GET /__stampede/stats" {
		t.Errorf("asked %q", got)
	}
	if b.Err != "" || len(b.Pools) != 1 || b.At.IsZero() {
		t.Fatalf("first reading %+v", b)
	}
	pool := b.Pools[0]
	if pool.Name != "entry" || pool.Policy != "p2c" || pool.Requests != 15 || len(pool.Backends) != 2 {
		t.Fatalf("pool %+v", pool)
	}
	if a, c := pool.Backends[0], pool.Backends[1]; a.ID != "app-1" || a.Requests != 10 || a.InFlight != 3 || !a.Healthy ||
		c.ID != "app-2" || c.Healthy || c.Errors != 4 {
		t.Errorf("backends %+v", pool.Backends)
	}
	select {
	case b := <-r:
		t.Fatalf("a reading without a kick: %+v", b)
	case <-time.After(300 * time.Millisecond):
	}

	mu.Lock()
	app1, app2 = 40, 7
	mu.Unlock()
	p.Kick()
	p.Kick() // absorbed: one reading per interval at most
	if b := r.next(t); b.Pools[0].Backends[0].Requests != 40 || b.Pools[0].Requests != 47 {
		t.Errorf("second reading %+v", b.Pools[0])
	}

	// A failing balancer: the reading says why (the model keeps the pools).
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	for b := (dashboards.Backends{}); b.Err == ""; {
		p.Kick()
		b = r.next(t)
		if b.Err != "" && (!strings.Contains(b.Err, "500") || b.Pools != nil) {
			t.Errorf("failed reading %+v", b)
		}
	}
	// A hanging one: the reading gives up within the timeout.
	mu.Lock()
	status, hang = http.StatusOK, true
	mu.Unlock()
	start := time.Now()
	p.Kick()
	for b := r.next(t); b.Err == ""; b = r.next(t) {
		// a reading taken before the hang
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a hanging balancer held the poller %v", took)
	}
	mu.Lock()
	hang = false
	mu.Unlock()
}

// TestTUIBackendPollerNotABalancer: a target that is not a bundled
// balancer (another kind of stats, a 404, nothing listening) ends the
// poller without a reading, so the panel stays hidden.
func TestTUIBackendPollerNotABalancer(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__stampede/stats" {
			fmt.Fprint(w, `{"id": "app-1", "requests": 10, "in_flight": 1}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer other.Close()
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for name, base := range map[string]string{"backend stats": other.URL, "404": notFound.URL, "nothing listening": closedURL} {
		t.Run(name, func(t *testing.T) {
			u, _ := backendStatsURL(base + "/")
			p, r, done := startPoller(t, u, 200*time.Millisecond)
			for range pollRetries + 1 {
				p.Kick()
				time.Sleep(20 * time.Millisecond)
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the poller goes on")
			}
			select {
			case b := <-r:
				t.Errorf("a reading of a target that is no balancer: %+v", b)
			default:
			}
		})
	}
}

// TestTUIBackendPollerRouter: behind a router, the balancers its routes
// lead to are read too, each once.
func TestTUIBackendPollerRouter(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, cannedLBStats, 30, 20, 10)
	}))
	defer app.Close()
	var mu sync.Mutex
	asked := map[string]int{}
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked[r.URL.Path]++
		mu.Unlock()
		fmt.Fprint(w, `{"requests": 3}`) // a static server's own stats
	}))
	defer static.Close()
	router := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"routes": [
  {"prefix": "/static/", "mode": "l7", "policy": "round-robin", "requests": 3, "backends": [{"id": "static", "url": %[1]q, "available": true, "healthy": true, "requests": 3}]},
  {"prefix": "/private/", "mode": "l7", "policy": "round-robin", "requests": 0, "backends": [{"id": "static", "url": %[1]q, "available": true, "healthy": true, "requests": 0}]},
  {"prefix": "/", "mode": "l7", "policy": "round-robin", "requests": 30, "backends": [{"id": "lb", "url": %[2]q, "available": true, "healthy": true, "requests": 30}]},
  {"prefix": "/ext/", "mode": "l7", "policy": "round-robin", "requests": 0, "backends": [{"id": "far", "url": "http://192.0.2.1:80", "available": true, "healthy": true}]}
]}`, static.URL, app.URL)
	}))
	defer router.Close()
	u, _ := backendStatsURL(router.URL)
	_, r, _ := startPoller(t, u, time.Second)
	b := r.next(t)
	if len(b.Pools) != 2 {
		t.Fatalf("pools %+v", b.Pools)
	}
	if rp := b.Pools[0]; rp.Name != "entry" || rp.Mode != "router" || len(rp.Backends) != 4 || rp.Backends[2].Route != "/" {
		t.Errorf("router pool %+v", rp)
	}
	if lp := b.Pools[1]; lp.Name != "lb" || lp.Policy != "p2c" || len(lp.Backends) != 2 || lp.Backends[0].Requests != 20 {
		t.Errorf("nested pool %+v", lp)
	}
	mu.Lock()
	defer mu.Unlock()
	if asked["/__stampede/stats"] != 1 {
		t.Errorf("the static backend was asked %v", asked)
	}
}

// stepsSnapshot is a snapshot of a run of 100 requests of 1-100 ms,
// with two flows that share the step "pay".
func stepsSnapshot() *engine.Snapshot {
	t0 := time.Unix(1000, 0)
	tot := metrics.NewInterval(t0)
	step := func(n int) *metrics.Interval {
		iv := metrics.NewInterval(t0)
		for i := range n {
			iv.Hists[metrics.Latency].RecordValue(int64(1000 * (i + 1)))
		}
		iv.Requests, iv.End = uint64(n), t0.Add(10*time.Second)
		return iv
	}
	a, b, c := step(100), step(10), step(10)
	tot.Merge(a)
	tot.Errors = 2
	return &engine.Snapshot{Total: tot, Steps: []engine.StepSnapshot{
		{Flow: "buyer", Step: "checkout", Requests: 100, Total: a},
		{Flow: "buyer", Step: "pay", Requests: 10, Total: b},
		{Flow: "guest", Step: "pay", Requests: 10, Total: c},
	}}
}

// TestTUIThresholdJudge judges thresholds on a snapshot as the dashboard
// does each interval: whole-run ones on the totals, a step's on its own
// totals when the name picks one step, at the end otherwise.
func TestTUIThresholdJudge(t *testing.T) {
	exprs := []struct{ expr, step string }{
		{"p(99) < 200ms", ""},
		{"p(50) < 10ms", ""},
		{"error_rate < 1%", ""},
		{"p(99) < 50ms", "checkout"},
		{"p(99) < 50ms", "buyer/pay"},
		{"p(99) < 50ms", "pay"},
		{"p(99) < 50ms", "nope"},
	}
	var ths []reports.Threshold
	for _, e := range exprs {
		th, err := reports.ParseThreshold(e.expr)
		if err != nil {
			t.Fatal(err)
		}
		th.Step = e.step
		ths = append(ths, th)
	}
	got := thresholdJudge(ths)(stepsSnapshot())
	want := []struct {
		state dashboards.ThresholdState
		value string
	}{
		{dashboards.ThresholdPass, "p(99) = 99.0ms"},
		{dashboards.ThresholdFail, "p(50) = 50.0ms"},
		{dashboards.ThresholdFail, "error_rate = 2%"},
		{dashboards.ThresholdFail, "p(99) = 99.0ms"},
		{dashboards.ThresholdPass, "p(99) = 10.0ms"},
		{dashboards.ThresholdAtEnd, "judged at the end"},
		{dashboards.ThresholdAtEnd, "judged at the end"},
	}
	for i, w := range want {
		g := got[i]
		if g.Expr != exprs[i].expr || g.Step != exprs[i].step || g.State != w.state || !strings.HasPrefix(g.Value, w.value) {
			t.Errorf("%s @%s: %+v, want state %d value %q…", exprs[i].expr, exprs[i].step, g, w.state, w.value)
		}
	}
	// Before any request: pending, not failed.
	empty := &engine.Snapshot{Total: metrics.NewInterval(time.Unix(0, 0))}
	for i, g := range thresholdJudge(ths[:3])(empty) {
		if g.State != dashboards.ThresholdPending {
			t.Errorf("%s before any request: %+v", exprs[i].expr, g)
		}
	}
	if p := pendingThresholds(ths); len(p) != len(ths) || p[3].Step != "checkout" || p[0].State != dashboards.ThresholdPending {
		t.Errorf("pending %+v", p)
	}
}

// TestTUIFlowsInProcess runs a flow scenario with thresholds in process
// on a 160×48 simulation screen: the steps table, the thresholds judged
// live (from the file and from --threshold) show beside the charts.
func TestTUIFlowsInProcess(t *testing.T) {
	srv := startTarget(t)
	scr := useSimScreen(t, 160, 48)
	dir := t.TempDir()
	file := filepath.Join(dir, "shop.yaml")
	yaml := `name: shop
base_url: ` + srv.URL() + `
flows:
  - name: buyer
    steps:
      - name: home
        request: {url: /}
        checks: [{status: 200}]
      - name: missing
        request: {url: /no-such-page}
        checks: [{status: 200}]
load:
  executor: constant-vus
  vus: 2
  duration: 30s
thresholds:
  - "p(99) < 5s"
  - {expr: "p(99) < 5s", step: home}
`
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Signals: make(chan os.Signal), Exit: func(int) {}}
	code := make(chan int, 1)
	go func() {
		code <- execute(env, []string{"run", file, "--ui", "tui", "--grace", "1s", "--threshold", "requests > 1000000000"})
	}()
	screen := scr.waitFor(t, "steps and thresholds", regexp.MustCompile(`(?s)steps \(run so far\).*home +[1-9]\d* .*missing +[1-9]\d* .*✓ p\(99\) < 5s +p\(99\) = .*✓ p\(99\) < 5s @home +p\(99\) = .*✗ requests > 1000000000 +requests = \d+`))
	if !regexp.MustCompile(`thresholds ✗ 1/3 +RUNNING`).MatchString(screen) {
		t.Errorf("header lacks the badge:\n%s", screen)
	}
	if strings.Contains(screen, "┌ backends") {
		t.Errorf("a backends panel for a target that is no balancer:\n%s", screen)
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	select {
	case c := <-code:
		if c != exitThreshold {
			t.Fatalf("exit %d, want %d (a threshold failed); stderr:\n%s", c, exitThreshold, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the run did not end after q")
	}
	if !strings.Contains(stdout.String(), "FAIL  requests > 1000000000") {
		t.Errorf("summary verdicts:\n%s", stdout.String())
	}
}

// startServe starts `stampede serve args...` from the built binary and
// returns its entry URL; it is stopped (by its PID) when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				lines <- sc.Text()
			}
		}
	}()
	select {
	case line := <-lines:
		u := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
		if u == nil {
			t.Fatalf("ready line %q has no loopback address", line)
		}
		return u[1]
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not say where it listens")
		return ""
	}
}

// TestTUIBackendPanelInTmux runs the binary's dashboard in a real
// terminal against a bundled load balancer (stampede serve lb): beside
// the charts in 160×48, the backends panel shows each backend's share,
// in flight and health; in 80×24 it is a tab view of its own.
func TestTUIBackendPanelInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): the end-to-end dashboard test needs a real terminal")
	}
	entry := startServe(t, "lb", "--port", "0", "--backends", "3", "--policy", "round-robin")
	dir := t.TempDir()
	m := tmux{t: t, sock: filepath.Join(dir, "tmux.sock")}
	script := fmt.Sprintf(`cd %q && %q run --url %q --rate 300 --duration 20s --ui tui --threshold 'p(99) < 5s' >stdout.txt 2>stderr.txt; echo $? >rc.txt`,
		dir, binary, entry+"/work?sleep=1ms")
	m.run("-u", "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", "160", "-y", "48", "-e", "LC_ALL=C.UTF-8", "sh", "-c", script)
	t.Cleanup(func() { exec.Command("tmux", "-S", m.sock, "kill-server").Run() })

	shares := regexp.MustCompile(`app-(\d) +[█▏▎▍▌▋▊▉·]+ +(\d+\.\d)% +\d+ +\d+ +\d+ up`)
	s := m.waitFor("three backends sharing the load", 15*time.Second, func(s string) bool {
		return len(shares.FindAllString(s, -1)) == 3 && strings.Contains(s, "share since last reading")
	})
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`┌ backends`),
		regexp.MustCompile(`backend +share +req/s +in-fl +errors +state`),
		regexp.MustCompile(`entry · round-robin · \d+/s · share since last reading`),
		regexp.MustCompile(`┌ thresholds \(run so far\)`),
		regexp.MustCompile(`✓ p\(99\) < 5s +p\(99\) = `),
		regexp.MustCompile(`thresholds ✓ 1/1 +RUNNING`),
		regexp.MustCompile(`latency \(log scale\)`),
	} {
		if !want.MatchString(s) {
			t.Errorf("the screen lacks %s:\n%s", want, s)
		}
	}
	// Round-robin: each backend gets about a third.
	for _, sh := range shares.FindAllStringSubmatch(s, -1) {
		var pct float64
		fmt.Sscan(sh[2], &pct)
		if pct < 25 || pct > 42 {
			t.Errorf("app-%s has %.1f%% of the requests under round-robin:\n%s", sh[1], pct, s)
		}
	}

	// 80×24: the overview keeps its charts; tab reaches the backends.
	m.run("resize-window", "-t", "e2e", "-x", "80", "-y", "24")
	m.waitFor("the layout at 80×24", 3*time.Second, func(s string) bool {
		return strings.Contains(s, "view: overview") && !strings.Contains(s, "┌ backends") && len(strings.Split(strings.TrimRight(s, "\n"), "\n")) == 24
	})
	for range 6 {
		m.run("send-keys", "-t", "e2e", "Tab")
		if strings.Contains(m.screen(), "view: backends") {
			break
		}
	}
	m.waitFor("the backends view", 3*time.Second, func(s string) bool {
		return strings.Contains(s, "view: backends") && len(shares.FindAllString(s, -1)) == 3
	})

	m.run("send-keys", "-t", "e2e", "q")
	rcFile := filepath.Join(dir, "rc.txt")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(rcFile); err == nil && len(b) > 0 {
			if rc := strings.TrimSpace(string(b)); rc != "0" {
				stderr, _ := os.ReadFile(filepath.Join(dir, "stderr.txt"))
				t.Fatalf("exit code %s; stderr:\n%s", rc, stderr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not end after q:\n%s", m.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	stdout, _ := os.ReadFile(filepath.Join(dir, "stdout.txt"))
	if !regexp.MustCompile(`requests: [1-9]\d*`).Match(stdout) || !strings.Contains(string(stdout), "all 1 passed") {
		t.Errorf("summary on stdout:\n%s", stdout)
	}
}
