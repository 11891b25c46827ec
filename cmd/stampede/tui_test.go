package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/scenarios"
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
