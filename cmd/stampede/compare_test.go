package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareGate: a slower run fails --max-regression (exit 99, JUnit
// failure), the same comparison the other way passes, and a run compared
// with itself passes any tolerance.
func TestCompareGate(t *testing.T) {
	srv := startTarget(t)
	dir := t.TempDir()
	file := func(n string) string { return filepath.Join(dir, n) }
	quickRun(t, srv.URL()+"/work?sleep=1ms", file("base.json"), "--rate", "20")
	// 200 ms against 1 ms: far apart even when a loaded machine slows
	// the test process the target runs in.
	quickRun(t, srv.URL()+"/work?sleep=200ms", file("slow.json"), "--rate", "20")

	code, stdout, stderr := inProcess(t, "compare", file("base.json"), file("slow.json"), "--max-regression", "p99=10%,p50=10%", "--junit", file("junit.xml"), "--report", file("cmp.html"))
	if code != exitThreshold {
		t.Fatalf("slower run: exit %d, want %d\n%s\n%s", code, exitThreshold, stdout, stderr)
	}
	for _, want := range []string{"comparing against base.json", "worse", "regression checks against base.json", "FAIL  p99=10%"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	doc := readJUnit(t, file("junit.xml"))
	if doc.Tests != 2 || doc.Failures != 2 || doc.Suite.Cases[0].ClassName != "stampede.regressions" {
		t.Errorf("junit: %+v", doc)
	}

	code, stdout, _ = inProcess(t, "compare", file("slow.json"), file("base.json"), "--max-regression", "p99=10%")
	if code != exitOK || !strings.Contains(stdout, "better") {
		t.Errorf("faster run: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = inProcess(t, "compare", file("base.json"), file("base.json"), "--max-regression", "p99=0%", "--max-regression", "error_rate=0%")
	if code != exitOK {
		t.Errorf("same run: exit %d\n%s", code, stdout)
	}
	// Without tolerances, compare only reports.
	if code, _, _ := inProcess(t, "compare", file("base.json"), file("slow.json")); code != exitOK {
		t.Errorf("no tolerance: exit %d", code)
	}
}
