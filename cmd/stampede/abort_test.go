package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAbortThreshold: a threshold marked abort stops a clearly broken run
// early (every request fails), the results keep the event, and the exit
// code is the failed threshold's.
func TestAbortThreshold(t *testing.T) {
	srv := startTarget(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "broken.yaml")
	out := filepath.Join(dir, "r.json")
	scenario := "name: broken\nbase_url: " + srv.URL() + "\nrequests:\n  - path: /work?status=500\nload: {rate: 50, duration: 60s}\nthresholds:\n  - {expr: \"error_rate < 1%\", abort: true}\n"
	if err := os.WriteFile(file, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(binary, "run", file, "--ui", "none", "--out", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	took := time.Since(start)
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitThreshold {
		t.Fatalf("exit %v, want %d\n%s\n%s", err, exitThreshold, stdout.String(), stderr.String())
	}
	if took > 20*time.Second {
		t.Fatalf("took %v: the run was not aborted", took)
	}
	if !strings.Contains(stderr.String(), "aborting the run") {
		t.Fatalf("no abort message:\n%s", stderr.String())
	}
	res, _ := readResults(t, out)
	found := false
	for _, ev := range res.Events {
		found = found || ev.Kind == "abort"
	}
	if !found {
		t.Fatalf("no abort event in %+v", res.Events)
	}
}
