package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/targets"
)

var binary string

// TestMain builds the real binary once: the signal and end-to-end tests
// run it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stampede-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "stampede")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func startTarget(t *testing.T) *targets.Server {
	t.Helper()
	srv, err := targets.Start(context.Background(), targets.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// readResults checks the stable fields of a results file exist.
func readResults(t *testing.T, path string) (*reports.Results, map[string]any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("results file: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	summary, _ := raw["summary"].(map[string]any)
	for _, k := range []string{"requests", "errors", "dropped", "rps", "latency_ms", "service_ms"} {
		if _, ok := summary[k]; !ok {
			t.Errorf("results summary lacks %q", k)
		}
	}
	for _, group := range []string{"latency_ms", "service_ms"} {
		m, _ := summary[group].(map[string]any)
		for _, k := range []string{"p50", "p90", "p99", "p999", "max", "mean"} {
			if _, ok := m[k]; !ok {
				t.Errorf("results summary.%s lacks %q", group, k)
			}
		}
	}
	if raw["schema_version"] != float64(reports.SchemaVersion) {
		t.Errorf("schema_version = %v", raw["schema_version"])
	}
	res, err := reports.ReadResults(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h, err := res.Histogram("latency")
	if err != nil {
		t.Fatalf("decoding latency histogram: %v", err)
	}
	if uint64(h.TotalCount()) != res.Summary.Requests {
		t.Errorf("latency histogram holds %d, summary says %d requests", h.TotalCount(), res.Summary.Requests)
	}
	return res, raw
}

func TestRunURLWritesResults(t *testing.T) {
	srv := startTarget(t)
	tests := []struct {
		name  string
		args  []string
		model string
	}{
		{"open model by --rate", []string{"--rate", "200", "--duration", "2s"}, "open"},
		{"closed model by --vus", []string{"--vus", "4", "--duration", "1s"}, "closed"},
		{"keep-alive off", []string{"--vus", "2", "--duration", "1s", "--keep-alive=false"}, "closed"},
		{"stages", []string{"--stages", "1s:100,1s:0"}, "open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results.json")
			args := append([]string{"run", "--url", srv.URL() + "/", "--ui", "plain", "--out", out}, tc.args...)
			cmd := exec.Command(binary, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\nstderr: %s", err, stderr.String())
			}
			if !regexp.MustCompile(`requests: \d+`).MatchString(stdout.String()) {
				t.Fatalf("summary missing from stdout:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), "p99") {
				t.Fatalf("no progress line on stderr:\n%s", stderr.String())
			}
			res, _ := readResults(t, out)
			if res.Summary.Model != tc.model || res.Summary.Requests == 0 || res.Summary.Errors != 0 {
				t.Fatalf("model %s requests %d errors %d", res.Summary.Model, res.Summary.Requests, res.Summary.Errors)
			}
			if len(res.Intervals) == 0 {
				t.Fatal("no intervals")
			}
		})
	}
}

// TestSigint sends SIGINT to a running binary: it must stop within 2 s
// plus grace, print the summary, and write the results file. A second
// SIGINT cuts the grace period short.
func TestSigint(t *testing.T) {
	srv := startTarget(t)
	tests := []struct {
		name    string
		signals int
		url     string
		grace   string
		within  time.Duration
	}{
		{"one Ctrl-C waits for requests in flight", 1, srv.URL() + "/", "1s", 3 * time.Second},
		{"second Ctrl-C cuts slow requests off", 2, srv.URL() + "/work?sleep=20s", "30s", 3 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "results.json")
			cmd := exec.Command(binary, "run", "--url", tc.url, "--rate", "50", "--duration", "60s",
				"--grace", tc.grace, "--timeout", "30s", "--ui", "plain", "--out", out)
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the first progress line: the run is under way.
			sc := bufio.NewScanner(stderr)
			for sc.Scan() && !strings.HasPrefix(sc.Text(), "[") {
			}
			go func() {
				for sc.Scan() {
				}
			}()
			start := time.Now()
			for i := range tc.signals {
				if i > 0 {
					time.Sleep(200 * time.Millisecond)
				}
				cmd.Process.Signal(syscall.SIGINT)
			}
			err = cmd.Wait()
			took := time.Since(start)
			if took > tc.within {
				t.Errorf("took %v to stop, want under %v", took, tc.within)
			}
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
				t.Errorf("exit: %v, want code %d", err, exitInterrupted)
			}
			if !strings.Contains(stdout.String(), "requests:") {
				t.Errorf("no summary after SIGINT:\n%s", stdout.String())
			}
			res, _ := readResults(t, out)
			if res.Stopped != "interrupted" {
				t.Errorf("stopped = %q", res.Stopped)
			}
			if tc.signals == 2 && res.Summary.Interrupted == 0 {
				t.Errorf("second Ctrl-C: no request counted as interrupted")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nrequests:\n  - path: /\nload:\n  rate: -1\n  durtion: 5s\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no url", []string{"run"}, "--url"},
		{"bad rate", []string{"run", "--url", "http://127.0.0.1:1/", "--rate", "fast"}, "rate"},
		{"bad stages", []string{"run", "--url", "http://127.0.0.1:1/", "--stages", "10s"}, "--stages"},
		{"bad ui", []string{"run", "--url", "http://127.0.0.1:1/", "--ui", "fancy"}, "--ui"},
		{"bad file", []string{"run", bad}, "bad.yaml:5:"},
		{"missing file", []string{"run", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"bad header", []string{"run", "--url", "http://127.0.0.1:1/", "-H", "novalue"}, "--header"},
		{"unknown target", []string{"serve", "nginx"}, "no built-in topology"},
		{"bad policy", []string{"serve", "lb", "--policy", "fastest"}, "--policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Exit: func(int) {}}
			code := execute(env, tc.args)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tc.want)
			}
			if strings.Contains(stderr.String(), "goroutine ") {
				t.Fatalf("stack trace for a user error: %s", stderr.String())
			}
		})
	}
}

// TestServeReadyLine starts `serve concurrent` with PORT and checks it
// prints its address when ready and answers GET /.
func TestServeReadyLine(t *testing.T) {
	cmd := exec.Command(binary, "serve", "concurrent")
	cmd.Env = append(os.Environ(), "PORT=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve exit: %v", err)
		}
	}()
	br := bufio.NewReader(stdout)
	var line string
	for !strings.Contains(line, "listening on") {
		if line, err = br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if m == "" {
		t.Fatalf("ready line %q has no loopback address", line)
	}
	out, err := exec.Command(binary, "run", "--url", m+"/", "--vus", "1", "--duration", "500ms", "--ui", "none").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`status:\s+200=\d+`).Match(out) {
		t.Fatalf("GET / did not answer 200:\n%s", out)
	}
}

func TestDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(binary, "demo", "--duration", "2s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "requests:") || strings.Count(stderr.String(), "p99") < 2 {
		t.Fatalf("demo output:\nstdout %s\nstderr %s", stdout.String(), stderr.String())
	}
	if strings.Contains(stdout.String(), "errors: 0 ") == false {
		t.Fatalf("demo had errors:\n%s", stdout.String())
	}
}
