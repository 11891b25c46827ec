package scenarios

import (
	"errors"
	"strings"
	"testing"
)

// want is one expected problem: its position and a fragment of its message.
type want struct {
	line, col int
	frag      string
}

// problemList extracts the problems from a LoadFile or FromFlags error,
// failing the test when the error is not a non-empty *Errors.
func problemList(t *testing.T, err error) Errors {
	t.Helper()
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T (%v), want *Errors", err, err)
	}
	if len(*errs) == 0 {
		t.Fatal("*Errors is empty")
	}
	return *errs
}

// assertProblems checks that err reports exactly the wanted problems, in
// order, for file (File "" and no position for flag problems).
func assertProblems(t *testing.T, err error, file string, wants ...want) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d problem(s)", len(wants))
	}
	got := problemList(t, err)
	if len(got) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%v", len(got), len(wants), err)
	}
	for i := range min(len(got), len(wants)) {
		g, w := got[i], wants[i]
		wantFile := file
		if w.line == 0 {
			wantFile = ""
		}
		if g.File != wantFile || g.Line != w.line || g.Col != w.col || !strings.Contains(g.Msg, w.frag) {
			t.Errorf("problem %d = %q\nwant at %s:%d:%d containing %q", i+1, g.Error(), wantFile, w.line, w.col, w.frag)
		}
	}
}

// ok is a valid prefix for files that test a later section.
const ok = "base_url: http://127.0.0.1:8080\nrequests:\n  - path: /\n"

// badFiles are single problems of every kind, with where they must be
// reported. FuzzLoad starts from them too.
var badFiles = []struct {
	name  string
	yaml  string
	wants []want
}{
	// The YAML itself.
	{"syntax error", "requests: [{path: /}\nload: {}\n", []want{{2, 1, "invalid YAML: did not find expected ',' or ']'"}}},
	{"tab indentation", "requests:\n\t- path: /\n", []want{{2, 1, "use spaces"}}},
	{"empty file", "", []want{{1, 1, "the file is empty"}}},
	{"comments only", "# nothing\n\n", []want{{1, 1, "the file is empty"}}},
	{"null document", "~\n", []want{{1, 1, "the file is empty"}}},
	{"second document", ok + "---\nrequests: []\n", []want{{4, 1, "found a second one"}}},
	{"invalid UTF-8", ok + "name: a\xffb\n", []want{{4, 8, "invalid UTF-8 byte 0xff"}}},
	{"top level is a list", "- path: /\n", []want{{1, 1, "scenario: expected a mapping at the top level"}}},
	{"top level is a scalar", "hello\n", []want{{1, 1, `got "hello"`}}},
	{"unknown anchor", ok + "name: *nope\n", []want{{4, 7, "unknown anchor"}}},

	// Fields.
	{"unknown field, near spelling", ok + "load:\n  durtion: 10s\n", []want{{5, 3, `unknown field "durtion" in load, did you mean "duration"?`}}},
	{"unknown field lists allowed", ok + "client:\n  proxy: x\n", []want{{5, 3, "(allowed: connections, keep_alive, timeout, insecure)"}}},
	{"field in the wrong section", ok + "rate: 5\n", []want{{4, 1, `unknown field "rate" at the top level; it belongs in load`}}},
	{"duplicate key", ok + "load:\n  vus: 1\n  vus: 2\n", []want{{6, 3, `duplicate key "vus" in load (first at line 5)`}}},
	{"non-scalar key", ok + "load:\n  [a]: 1\n", []want{{5, 3, "keys in load must be plain names, got a list"}}},
	{"merge of a scalar", ok + "load:\n  <<: 5\n", []want{{5, 7, "a merge key (<<) takes a mapping"}}},
	{"missing requests", "base_url: http://h\n", []want{{1, 1, `missing field "requests"`}}},
	{"empty requests", "base_url: http://h\nrequests: []\n", []want{{2, 11, "expected at least one request"}}},
	{"missing path", "base_url: http://h\nrequests:\n  - name: a\n    method: GET\n", []want{{3, 5, `missing field "path"`}}},
	{"empty path", "base_url: http://h\nrequests:\n  - path: ''\n", []want{{3, 11, "path: must not be empty"}}},
	{"duplicate request name", "base_url: http://h\nrequests:\n  - {name: a, path: /}\n  - {name: a, path: /b}\n", []want{{4, 12, `duplicate request name "a" (first at line 3)`}}},

	// Types.
	{"rate is not a number", ok + "load:\n  rate: fast\n", []want{{5, 9, `rate: expected a number, got "fast"`}}},
	{"quoted number", ok + "load:\n  rate: '100'\n", []want{{5, 9, "remove the quotes"}}},
	{"NaN rate", ok + "load:\n  rate: .nan\n", []want{{5, 9, "expected a finite number"}}},
	{"requests is not a list", "requests: foo\n", []want{{1, 11, `requests: expected a list of requests, each with at least a path, got "foo"`}}},
	{"request is not a mapping", "base_url: http://h\nrequests:\n  - /\n", []want{{3, 5, "requests: expected a request (a mapping with at least a path)"}}},
	{"headers not a mapping", "base_url: http://h\nrequests:\n  - path: /\n    headers: [a, b]\n", []want{{4, 14, "headers: expected a mapping of header names to values"}}},
	{"header value not a scalar", "base_url: http://h\nrequests:\n  - path: /\n    headers:\n      X: {a: 1}\n", []want{{5, 10, `header "X": expected a string value, got a mapping`}}},
	{"header value null", "base_url: http://h\nrequests:\n  - path: /\n    headers:\n      X:\n", []want{{5, 9, `write "" for an empty value`}}},
	{"body is a mapping", "base_url: http://h\nrequests:\n  - path: /\n    body: {a: 1}\n", []want{{4, 11, "quote a JSON body"}}},
	{"load is a list", ok + "load: [1]\n", []want{{4, 7, "load: expected a mapping of load settings"}}},
	{"bool is yes", ok + "client:\n  keep_alive: yes\n", []want{{5, 15, `keep_alive: expected true or false, got "yes"`}}},
	{"vus not whole", ok + "load:\n  vus: 1.5\n", []want{{5, 8, "vus: expected a whole number, got 1.5"}}},
	{"vus overflows int", ok + "load:\n  vus: 99999999999999999999\n", []want{{5, 8, "vus: number too large"}}},
	{"rate beyond float64", ok + "load:\n  rate: 1e400\n", []want{{5, 9, "rate: number out of range"}}},
	{"stages not a list", ok + "load:\n  stages: 10s\n", []want{{5, 11, "stages: expected a list of stages"}}},
	{"stage missing target", ok + "load:\n  stages:\n    - duration: 10s\n", []want{{6, 7, `missing field "target" in a stage`}}},

	// Durations.
	{"duration without unit", ok + "load:\n  duration: 10\n", []want{{5, 13, "expected a duration like 10s or 500ms, got 10 (a number needs a unit"}}},
	{"duration unparsable", ok + "load:\n  duration: ten seconds\n", []want{{5, 13, `got "ten seconds"`}}},
	{"negative duration", ok + "load:\n  duration: -5s\n", []want{{5, 13, "duration: must be > 0, got -5s"}}},
	{"zero duration", ok + "load:\n  duration: 0s\n", []want{{5, 13, "duration: must be > 0, got 0s"}}},
	{"duration too long", ok + "load:\n  duration: 25h\n", []want{{5, 13, "must be at most 24h (a sanity limit), got 25h"}}},
	{"negative grace", ok + "load:\n  grace: -1s\n", []want{{5, 10, "grace: must be >= 0, got -1s"}}},
	{"zero timeout", ok + "client:\n  timeout: 0s\n", []want{{5, 12, "timeout: must be > 0"}}},

	// Impossible values.
	{"rate not positive", ok + "load:\n  rate: -5\n", []want{{5, 9, "rate: must be > 0, got -5"}}},
	{"rate too large", ok + "load:\n  rate: 2e7\n", []want{{5, 9, "at most 10000000 requests/s"}}},
	{"vus zero", ok + "load:\n  vus: 0\n", []want{{5, 8, "vus: must be >= 1, got 0"}}},
	{"max_vus below vus", ok + "load:\n  rate: 10\n  vus: 50\n  max_vus: 10\n", []want{{7, 12, "max_vus: must be >= vus (50), got 10"}}},
	{"negative connections", ok + "client:\n  connections: -1\n", []want{{5, 16, "connections: must be >= 0, got -1"}}},
	{"stage duration zero", ok + "load:\n  stages: [{duration: 0s, target: 5}]\n", []want{{5, 23, "duration: must be > 0"}}},
	{"stage target negative", ok + "load:\n  stages: [{duration: 1s, target: -1}]\n", []want{{5, 35, "target: must be >= 0, got -1"}}},
	{"stage target not whole VUs", ok + "load:\n  vus: 1\n  stages: [{duration: 1s, target: 1.5}]\n", []want{{6, 35, "ramping-vus targets are VUs and must be whole numbers, got 1.5"}}},
	{"stages add up beyond the cap", ok + "load:\n  stages: [{duration: 20h, target: 1}, {duration: 5h, target: 1}]\n", []want{{5, 11, "the stages add up to more than 24h"}}},
	{"stage target beyond the rate cap", ok + "load:\n  stages: [{duration: 1s, target: 1e8}]\n", []want{{5, 35, "at most 10000000 requests/s"}}},
	{"empty stages", ok + "load:\n  stages: []\n", []want{{5, 11, "expected at least one stage"}}},
	{"all targets zero", ok + "load:\n  stages: [{duration: 1s, target: 0}]\n", []want{{5, 11, "would send nothing"}}},

	// URLs, methods, headers.
	{"base_url without scheme", "base_url: 127.0.0.1:8080\nrequests: [{path: /}]\n", []want{{1, 11, "base_url: expected an absolute http or https URL like http://127.0.0.1:8080, got \"127.0.0.1:8080\" (no scheme: add http://)"}}},
	{"base_url host:port without scheme", "base_url: localhost:8080\nrequests: [{path: /}]\n", []want{{1, 11, "(no scheme: add http://)"}}},
	{"base_url other scheme", "base_url: ftp://h\nrequests: [{path: /}]\n", []want{{1, 11, `(scheme "ftp" is not supported)`}}},
	{"base_url without host", "base_url: 'http://'\nrequests: [{path: /}]\n", []want{{1, 11, "(no host)"}}},
	{"base_url unparsable", "base_url: 'http://[::1'\nrequests: [{path: /}]\n", []want{{1, 11, "missing ']' in host"}}},
	{"base_url bad port", "base_url: 'http://h:99999'\nrequests: [{path: /}]\n", []want{{1, 11, "port must be 1 to 65535"}}},
	{"base_url with query", "base_url: 'http://h/?k=1'\nrequests: [{path: /}]\n", []want{{1, 11, "must not have a query"}}},
	{"relative path without base_url", "requests:\n  - path: /x\n", []want{{2, 11, `"/x" is relative, but base_url is not set`}}},
	{"absolute path with other scheme", "requests:\n  - path: ws://h/x\n", []want{{2, 11, `scheme "ws" is not supported`}}},
	{"path naming no valid host", "base_url: http://h\nrequests:\n  - path: //0@\n", []want{{3, 11, `"//0@" starts with //, which names a host, and the host is not valid`}}},
	{"path unparsable", "base_url: http://h\nrequests:\n  - path: '/%zz'\n", []want{{3, 11, `invalid URL escape "%zz"`}}},
	{"method not a token", "base_url: http://h\nrequests:\n  - path: /\n    method: GE T\n", []want{{4, 13, `"GE T" is not a valid method`}}},
	{"method lower case", "base_url: http://h\nrequests:\n  - path: /\n    method: post\n", []want{{4, 13, `did you mean "POST"?`}}},
	{"bad header name", "base_url: http://h\nrequests:\n  - path: /\n    headers:\n      'X Y': a\n", []want{{5, 7, `invalid header name "X Y"`}}},
	{"header value with newline", "base_url: http://h\nrequests:\n  - path: /\n    headers:\n      X: \"a\\nb\"\n", []want{{5, 10, `header "X": the value has a control character ("\n")`}}},

	// The executor.
	{"unknown executor", ok + "load:\n  executor: constant-rate\n", []want{{5, 13, `unknown executor "constant-rate"`}}},
	{"executor list", ok + "load:\n  executor: turbo\n", []want{{5, 13, "use one of constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate"}}},
	{"rate with constant-vus", ok + "load:\n  executor: constant-vus\n  rate: 5\n", []want{{6, 3, "rate: not used by constant-vus: the closed model has no arrival rate"}}},
	{"max_vus with a closed executor", ok + "load:\n  executor: ramping-vus\n  max_vus: 5\n  stages: [{duration: 1s, target: 1}]\n", []want{{6, 3, "max_vus: not used by ramping-vus"}}},
	{"max_vus when no rate makes it closed", ok + "load:\n  max_vus: 5\n", []want{{5, 3, "max_vus: not used by constant-vus (the default without rate or stages)"}}},
	{"max_backlog with closed", ok + "load:\n  vus: 2\n  max_backlog: 1s\n", []want{{6, 3, "max_backlog: not used by constant-vus"}}},
	{"stages with a constant executor", ok + "load:\n  executor: constant-arrival-rate\n  rate: 5\n  stages: [{duration: 1s, target: 1}]\n", []want{{7, 3, "stages: not used by constant-arrival-rate: a constant executor does not ramp"}}},
	{"start with a constant executor", ok + "load:\n  start: 5\n", []want{{5, 3, "start: not used by constant-vus"}}},
	{"ramping executor without stages", ok + "load:\n  executor: ramping-arrival-rate\n", []want{{5, 13, "executor: ramping-arrival-rate needs stages"}}},
	{"constant-arrival-rate without rate", ok + "load:\n  executor: constant-arrival-rate\n", []want{{5, 13, "executor: constant-arrival-rate needs rate"}}},
	{"duration with stages", ok + "load:\n  duration: 5s\n  stages: [{duration: 1s, target: 1}]\n", []want{{5, 3, "duration: not used by ramping-arrival-rate (inferred from stages without vus or rate): the stages set the duration"}}},
	{"rate and start both", ok + "load:\n  rate: 5\n  start: 5\n  stages: [{duration: 1s, target: 1}]\n", []want{{6, 3, "start: not used by ramping-arrival-rate (inferred from rate and stages): rate already sets the starting rate"}}},
	{"vus and start both", ok + "load:\n  executor: ramping-vus\n  vus: 5\n  start: 5\n  stages: [{duration: 1s, target: 1}]\n", []want{{7, 3, "vus already sets the starting VUs"}}},
}

func TestLoadFileErrors(t *testing.T) {
	for _, tt := range badFiles {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := LoadFile("bad.yaml", []byte(tt.yaml), Overrides{})
			if plan != nil {
				t.Errorf("got a plan with an error")
			}
			assertProblems(t, err, "bad.yaml", tt.wants...)
		})
	}
}

// One file with many problems: all are reported at once, in file order,
// and the Error text is one "file:line:col: message" per line.
func TestLoadFileReportsAllProblems(t *testing.T) {
	const file = `name: many
base_url: http://127.0.0.1:8080
requests:
  - path: /
    method: get
    headers:
      Bad Name: x
  - name: second
load:
  executor: constant-vus
  rate: 100
  vus: -1
  durtion: 10s
client:
  timeout: 10
  keep_alive: maybe
`
	_, err := LoadFile("many.yaml", []byte(file), Overrides{})
	assertProblems(t, err, "many.yaml",
		want{5, 13, `did you mean "GET"?`},
		want{7, 7, `invalid header name "Bad Name"`},
		want{8, 5, `missing field "path"`},
		want{11, 3, "rate: not used by constant-vus"},
		want{12, 8, "vus: must be >= 1, got -1"},
		want{13, 3, `did you mean "duration"?`},
		want{15, 12, "timeout: expected a duration"},
		want{16, 15, "keep_alive: expected true or false"},
	)
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 8 || !strings.HasPrefix(lines[0], "many.yaml:5:13: method: ") {
		t.Errorf("Error() =\n%s\nwant 8 lines starting with many.yaml:5:13: method: ", err)
	}
	var one *Error
	if !errors.As(err, &one) || one.Line != 5 {
		t.Errorf("errors.As(*Error) = %v, want the first problem", one)
	}
}

func TestErrorFormat(t *testing.T) {
	if got := (&Error{File: "a.yaml", Line: 3, Col: 7, Msg: "m"}).Error(); got != "a.yaml:3:7: m" {
		t.Errorf("file error = %q", got)
	}
	if got := (&Error{Msg: "--rate: must be > 0, got -5"}).Error(); got != "--rate: must be > 0, got -5" {
		t.Errorf("flag error = %q", got)
	}
}
