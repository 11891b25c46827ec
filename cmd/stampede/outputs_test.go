package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBinary runs the built stampede and returns its exit code and output.
func runBinary(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suite    struct {
		Cases []struct {
			Name      string `xml:"name,attr"`
			ClassName string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit: %v\n%s", err, data)
	}
	return doc
}

// TestThresholdsExitCodeAndJUnit runs the binary with budgets that hold
// (exit 0) and with one that does not (exit 99), and reads the JUnit,
// summary JSON, results and report files it wrote.
func TestThresholdsExitCodeAndJUnit(t *testing.T) {
	srv := startTarget(t)
	tests := []struct {
		name     string
		budgets  []string
		code     int
		failures int
	}{
		{"all hold", []string{"p(99)<5s", "error_rate<1%", "dropped==0", "requests>=100"}, exitOK, 0},
		{"one fails", []string{"p(99)<5s", "p(50)<1us", "error_rate<1%"}, exitThreshold, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := func(n string) string { return filepath.Join(dir, n) }
			args := []string{"run", "--url", srv.URL() + "/", "--rate", "100", "--duration", "1s", "--ui", "none",
				"--out", file("r.json"), "--junit", file("junit.xml"), "--summary-json", file("summary.json"),
				"--report", file("report.html"), "--hlog", file("r.hlog"), "--csv", file("r.csv")}
			for _, b := range tc.budgets {
				args = append(args, "--threshold", b)
			}
			code, stdout, stderr := runBinary(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, "thresholds:") || !strings.Contains(stdout, "requests: ") {
				t.Errorf("stdout lacks the summary or the verdicts:\n%s", stdout)
			}
			doc := readJUnit(t, file("junit.xml"))
			if doc.Tests != len(tc.budgets) || doc.Failures != tc.failures || len(doc.Suite.Cases) != len(tc.budgets) {
				t.Fatalf("junit: %d tests, %d failures, %d cases", doc.Tests, doc.Failures, len(doc.Suite.Cases))
			}
			for i, c := range doc.Suite.Cases {
				if c.Name != tc.budgets[i] || c.ClassName != "stampede.thresholds" {
					t.Errorf("case %d: %q %q", i, c.Name, c.ClassName)
				}
				if failed := c.Failure != nil; failed != (c.Name == "p(50)<1us") {
					t.Errorf("case %q: failed=%v", c.Name, failed)
				}
			}
			var sum struct {
				Passed     bool `json:"passed"`
				Thresholds []struct {
					Threshold string `json:"threshold"`
					Pass      bool   `json:"pass"`
				} `json:"thresholds"`
				Summary struct {
					Requests uint64 `json:"requests"`
				} `json:"summary"`
			}
			data, _ := os.ReadFile(file("summary.json"))
			if err := json.Unmarshal(data, &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Passed != (tc.failures == 0) || len(sum.Thresholds) != len(tc.budgets) || sum.Summary.Requests == 0 {
				t.Errorf("summary json: passed %v, %d verdicts, %d requests; want passed %v, %d verdicts, some requests",
					sum.Passed, len(sum.Thresholds), sum.Summary.Requests, tc.failures == 0, len(tc.budgets))
			}
			res, _ := readResults(t, file("r.json"))
			if len(res.Thresholds) != len(tc.budgets) {
				t.Errorf("results file holds %d verdicts", len(res.Thresholds))
			}
			for _, f := range []string{"report.html", "r.hlog", "r.csv"} {
				if st, err := os.Stat(file(f)); err != nil || st.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
		})
	}
}

func TestOutputUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"threshold without unit", []string{"run", "--url", "http://127.0.0.1:1/", "--threshold", "p(99)<200"}, "column 7"},
		{"threshold pointer", []string{"run", "--url", "http://127.0.0.1:1/", "--threshold", "p(99)<20x"}, "\n  p(99)<20x\n          ^"},
		{"unknown statistic", []string{"run", "--url", "http://127.0.0.1:1/", "--threshold", "p98x<1s"}, "unknown statistic"},
		{"report dir missing", []string{"run", "--url", "http://127.0.0.1:1/", "--report", filepath.Join(dir, "no", "r.html")}, "--report"},
		{"segment out of range", []string{"run", "--url", "http://127.0.0.1:1/", "--rate", "100", "--segment", "5/4"}, "--segment"},
		{"segment without load", []string{"run", "--url", "http://127.0.0.1:1/", "--vus", "2", "--segment", "3/4"}, "no load"},
		{"report nothing to write", []string{"report", "x.json"}, "nothing to write"},
		{"report hlog of two", []string{"report", "a.json", "b.json", "--hlog", filepath.Join(dir, "x.hlog")}, "--hlog takes one results file"},
		{"report missing file", []string{"report", filepath.Join(dir, "nope.json"), "-o", filepath.Join(dir, "r.html")}, "nope.json"},
		{"compare bad tolerance", []string{"compare", "a.json", "b.json", "--max-regression", "p99=10"}, "give a unit"},
		{"compare one file", []string{"compare", "a.json"}, "requires at least 2"},
		{"merge nothing to do", []string{"merge", "a.json"}, "nothing to do"},
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
		})
	}
}

// TestExampleCIScript runs the documented CI job's script with the built
// binary: a generous budget passes, a strict one fails with 99.
func TestExampleCIScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	script, err := filepath.Abs("../../examples/ci-budget.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		budget string
		code   int
	}{{"p(99)<5s", 0}, {"p(99)<1us", exitThreshold}} {
		out := t.TempDir()
		cmd := exec.Command("bash", script)
		cmd.Env = append(os.Environ(), "STAMPEDE="+binary, "OUT="+out, "P99_BUDGET="+tc.budget, "DURATION=1s")
		output, err := cmd.CombinedOutput()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Fatalf("budget %s: exit %d, want %d\n%s", tc.budget, code, tc.code, output)
		}
		doc := readJUnit(t, filepath.Join(out, "junit.xml"))
		if doc.Tests != 3 || (doc.Failures > 0) != (tc.code != 0) {
			t.Errorf("budget %s: junit %d tests %d failures", tc.budget, doc.Tests, doc.Failures)
		}
		if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
			t.Error(err)
		}
	}
}

// TestScenarioThresholds: thresholds written in the scenario file are
// checked with the flags' ones; a bad one is reported at its line.
func TestScenarioThresholds(t *testing.T) {
	srv := startTarget(t)
	dir := t.TempDir()
	write := func(name, thresholds string) string {
		p := filepath.Join(dir, name)
		body := "name: th\nbase_url: " + srv.URL() + "\nrequests:\n  - path: /\nload:\n  rate: 50\n  duration: 1s\nthresholds:\n" + thresholds
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.yaml", "  - \"p(99) < 5s\"\n  - \"dropped == 0\"\n")
	junit := filepath.Join(dir, "junit.xml")
	code, stdout, stderr := runBinary(t, "run", ok, "--ui", "none", "--threshold", "error_rate<1%", "--junit", junit)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if doc := readJUnit(t, junit); doc.Tests != 3 || doc.Suite.Cases[0].Name != "p(99) < 5s" {
		t.Errorf("junit: %+v", doc)
	}
	failing := write("fail.yaml", "  - \"p(50) < 1us\"\n")
	if code, stdout, _ := runBinary(t, "run", failing, "--ui", "none"); code != exitThreshold || !strings.Contains(stdout, "FAIL  p(50) < 1us") {
		t.Errorf("failing scenario threshold: exit %d\n%s", code, stdout)
	}
	bad := write("bad.yaml", "  - \"p(99) < 200\"\n")
	code, _, stderr = inProcess(t, "run", bad, "--ui", "none")
	if code != exitUsage || !strings.Contains(stderr, "bad.yaml:9:5: threshold") || !strings.Contains(stderr, "give a unit") {
		t.Errorf("bad scenario threshold: exit %d: %s", code, stderr)
	}
}
