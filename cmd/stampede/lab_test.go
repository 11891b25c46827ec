package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stampede-lab/stampede/labs"
	"github.com/stampede-lab/stampede/reports"
)

func TestLabList(t *testing.T) {
	code, stdout, stderr := runBinary(t, "lab")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, name := range labs.Names() {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s`).MatchString(stdout) {
			t.Errorf("lab %s not listed:\n%s", name, stdout)
		}
	}
	if !strings.Contains(stdout, "not available yet: needs the HTTP/2 and HTTP/3 clients") {
		t.Errorf("protocols is not marked unavailable:\n%s", stdout)
	}
}

// `stampede lab scale-out --report` prints the comparison and writes a
// report that opens in headless Chromium without errors; --out-dir keeps
// results files that stampede report reads, and lab.json.
func TestLabScaleOutReport(t *testing.T) {
	dir := t.TempDir()
	report, out := filepath.Join(dir, "x.html"), filepath.Join(dir, "results")
	code, stdout, stderr := runBinary(t, "lab", "scale-out", "--duration", "1500ms", "--report", report, "--out-dir", out)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("\n%s", stdout)
	flat := strings.Join(strings.Fields(stdout), " ")
	for _, want := range []string{"lab scale-out: ", "variant", "backend reqs", "shares", "1 backend", "8 backends", "single-slot backends of 40 ms served"} {
		if !strings.Contains(flat, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	html, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("stampede lab scale-out")) {
		t.Error("report title does not name the lab")
	}
	var lf labFile
	data, err := os.ReadFile(filepath.Join(out, "lab.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &lf); err != nil {
		t.Fatal(err)
	}
	if len(lf.Variants) != 4 || lf.Reading == "" || len(lf.Variants[3].Targets.Backends) != 8 {
		t.Fatalf("lab.json: %d variants, reading %q", len(lf.Variants), lf.Reading)
	}
	f, err := os.Open(filepath.Join(out, lf.Variants[0].Results))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if r, err := reports.ReadResults(f); err != nil || r.Summary.Requests == 0 {
		t.Fatalf("results file: %v", err)
	}
	checkDrawn(t, chromiumDOM(t, report), 15) // 3 charts per run, 3 comparing them
}

func TestLabErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: bad\nquestion: q?\ntopology: concurrent\nscenario: default\nvariants:\n  - {name: a, set: {workers: -2}}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lab", "no-such-lab"}, exitUsage, `no lab "no-such-lab"`},
		{[]string{"lab", "protocols"}, exitFailure, "lab protocols is not available yet: it needs the HTTP/2"},
		{[]string{"lab", bad}, exitUsage, bad + ":6:20: set: workers -2"},
		{[]string{"lab", "keepalive", "--duration", "0s"}, exitUsage, "--duration 0s: must be > 0"},
		{[]string{"lab", "a", "b"}, exitUsage, "accepts at most 1 arg"},
	} {
		code, _, stderr := runBinary(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
}

// A lab file of one's own runs like a library lab, and --capacity adds
// each variant's capacity (2 slots of 40 ms: 50 req/s) to the table.
func TestLabFileWithCapacity(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	os.WriteFile(file, []byte(`# my lab
name: mine
question: How much does one backend with two slots take?
topology: concurrent
scenario:
  requests: [{path: /work}]
  load: {executor: constant-arrival-rate, rate: 20, duration: 1s}
variants:
  - {name: two slots, set: {workers: 2, sleep: 40ms}}
`), 0o644)
	code, stdout, stderr := runBinary(t, "lab", file, "--capacity", "--budget", "p(99)<120ms", "--step-duration", "1s", "--start-rate", "30")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("\n%s", stdout)
	m := regexp.MustCompile(`two slots\s.*\s(\d+)\s*\n`).FindStringSubmatch(stdout)
	if m == nil || !strings.Contains(stdout, "capacity") {
		t.Fatalf("no capacity column:\n%s", stdout)
	}
	var got float64
	json.Unmarshal([]byte(m[1]), &got)
	if got < 45 || got > 55 {
		t.Errorf("capacity %v, want 50 ± 10%%", got)
	}
}
