package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const goodFlow = `name: login
base_url: http://127.0.0.1:8080
vars: {password: "${env.STAMPEDE_TEST_PASSWORD}"}
data: [{name: users, file: data/users.csv, select: unique}]
flows:
  - name: member
    steps:
      - name: login
        request: {method: POST, url: /login, body: {form: {user: "${data.users.name}", password: "${password}"}}}
        extract: [{var: sid, cookie: sid}]
        checks: [{status: 200}]
      - {name: me, request: {url: /me}, checks: [{json: user, equals: "${data.users.name}"}]}
thresholds: ["p(99) < 200ms", {expr: "p(95) < 100ms", step: me}]
`

const badFlow = `base_url: http://127.0.0.1:8080
flows:
  - name: member
    steps:
      - name: login
        request: {method: POST, url: "/login?u=${usr}"}
        extract: [{var: token, json: ""}]
        think: 5
thresholds: ["p(99) 200ms"]
`

// writeScenarios writes a good and a bad scenario, and the good one's
// data file, to a temporary directory.
func writeScenarios(t *testing.T) (good, bad string) {
	t.Helper()
	dir := t.TempDir()
	good, bad = filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	for name, text := range map[string]string{
		good:                                    goodFlow,
		bad:                                     badFlow,
		filepath.Join(dir, "data", "users.csv"): "name\nuser1\nuser2\n",
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return good, bad
}

func runCheck(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }, Exit: func(int) {}}
	code = execute(e, append([]string{"check"}, args...))
	return code, out.String(), errOut.String()
}

var testPassword = map[string]string{"STAMPEDE_TEST_PASSWORD": "pass"}

func TestCheckValidFiles(t *testing.T) {
	good, _ := writeScenarios(t)
	code, stdout, stderr := runCheck(t, testPassword, good, "login-jwt", "flash-crowd")
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		good + ": ok (1 flow, 2 request steps, 1 data file, 2 thresholds, constant-vus)",
		"login-jwt: ok (1 flow, 2 request steps, 3 thresholds, constant-vus, topology auth-jwt)",
		"flash-crowd: ok (2 flows, 6 request steps, 3 thresholds, ramping-arrival-rate, topology web)",
	} {
		if !strings.Contains(stdout, want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// Every problem of every file, one file:line:col: message per line; the
// valid files are still checked; exit code 2.
func TestCheckInvalidFiles(t *testing.T) {
	good, bad := writeScenarios(t)
	missing := filepath.Join(filepath.Dir(good), "nope.yaml")
	code, stdout, stderr := runCheck(t, nil, bad, good, missing)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	want := []string{
		bad + `:6:48: url: undefined variable ${usr}`,
		bad + `:7:38: json: bad JSON path: must not be empty`,
		bad + `:8:16: think: expected a duration like 10s or 500ms, got 5`,
		bad + `:9:14: threshold "p(99) 200ms": no comparison`,
		good + `:3:19: vars: password: environment variable "STAMPEDE_TEST_PASSWORD" is not set`,
		missing + ": cannot read: no such file or directory",
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q\nwant prefix %q", i+1, lines[i], w)
		}
	}
	if stdout != "" {
		t.Errorf("stdout = %q", stdout)
	}
}

func TestCheckUsage(t *testing.T) {
	code, _, stderr := runCheck(t, nil)
	if code != exitUsage || !strings.Contains(stderr, "requires at least 1 arg") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// The built binary, as an editor or a CI job runs it.
func TestCheckBinary(t *testing.T) {
	good, bad := writeScenarios(t)
	location := regexp.MustCompile(`^.+\.yaml:\d+:\d+: \S`)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{good}, 0},
		{[]string{bad}, 2},
		{[]string{good, bad}, 2},
	} {
		cmd := exec.Command(binary, append([]string{"check"}, tc.args...)...)
		cmd.Env = append(os.Environ(), "STAMPEDE_TEST_PASSWORD=pass")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("check %v: exit %d, want %d\nstderr: %s", tc.args, code, tc.code, stderr.String())
		}
		if tc.code == 0 && stderr.Len() > 0 {
			t.Errorf("check %v: stderr %q", tc.args, stderr.String())
		}
		for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if tc.code != 0 && !location.MatchString(l) {
				t.Errorf("check %v: stderr line %q is not file:line:col: message", tc.args, l)
			}
		}
	}
}
