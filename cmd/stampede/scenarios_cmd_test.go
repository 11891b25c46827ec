package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

func TestScenariosCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Exit: func(int) {}}
	if code := execute(env, []string{"scenarios"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if !regexp.MustCompile(`^NAME +TOPOLOGY +DESCRIPTION$`).MatchString(lines[0]) {
		t.Errorf("header = %q", lines[0])
	}
	want := map[string]string{
		"browse-static": "static", "cached-catalogue": "cached", "checkout-data": "web", "default": "-",
		"flash-crowd": "web", "login-jwt": "auth-jwt", "login-session": "auth",
	}
	if len(lines)-1 != len(want) {
		t.Errorf("%d scenarios listed, want %d:\n%s", len(lines)-1, len(want), stdout.String())
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 || want[f[0]] != f[1] {
			t.Errorf("line %q: want topology %q", l, want[f[0]])
		}
	}
	if code := execute(env, []string{"scenarios", "extra"}); code != exitUsage {
		t.Errorf("scenarios extra: exit %d, want %d", code, exitUsage)
	}
}

// The thresholds of the library parse with the grammar reports evaluates
// them with (scenarios checks only that they compare something).
func TestScenariosThresholdsParse(t *testing.T) {
	for _, name := range scenarios.BuiltinNames() {
		file, data, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := scenarios.LoadFile(file, data, scenarios.Overrides{})
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range plan.Thresholds {
			if _, err := reports.ParseThresholds([]string{th.Expr}); err != nil {
				t.Errorf("%s: threshold %q: %v", name, th.Expr, err)
			}
		}
	}
}
