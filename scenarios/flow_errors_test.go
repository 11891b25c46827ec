package scenarios

import (
	"fmt"
	"strings"
	"testing"
)

// step is a one-step flow file: the step's mapping is at line 5, col 9.
func step(s string) string { return flowHead + "      - " + s + "\n" }

// badFlowFiles are malformed flow files, each with where and what must
// be reported. They are loaded as dir/f.yaml with testFiles, badData and
// testEnv. FuzzLoad starts from them too.
var badFlowFiles = []struct {
	name  string
	yaml  string
	wants []want
}{
	// Structure.
	{"syntax error in a step", flowHead + "      - {name: a, request: {url: /}\n", []want{{6, 1, "invalid YAML"}}},
	{"requests and flows", "base_url: http://h\nrequests: [{path: /}]\nflows: [{name: f, steps: [{name: s, request: {url: /}}]}]\n",
		[]want{{2, 1, "requests: a scenario has requests or flows, not both"}}},
	{"flows not a list", "base_url: http://h\nflows: {name: f}\n", []want{{2, 8, "flows: expected a list of flows"}}},
	{"no flows", "base_url: http://h\nflows: []\n", []want{{2, 8, "expected at least one flow"}}},
	{"flow without a name", "base_url: http://h\nflows:\n  - steps: [{name: s, request: {url: /}}]\n", []want{{3, 5, `missing field "name" in a flow`}}},
	{"duplicate flow name", "base_url: http://h\nflows:\n  - {name: f, steps: [{name: s, request: {url: /}}]}\n  - {name: f, steps: [{name: s, request: {url: /}}]}\n",
		[]want{{4, 12, `name: duplicate flow name "f"`}}},
	{"flow name with a slash", "base_url: http://h\nflows:\n  - {name: a/b, steps: [{name: s, request: {url: /}}]}\n", []want{{3, 12, "has a /, which thresholds use"}}},
	{"weight zero", "base_url: http://h\nflows:\n  - {name: f, weight: 0, steps: [{name: s, request: {url: /}}]}\n", []want{{3, 23, "weight: must be >= 1, got 0"}}},
	{"unknown flow field, near spelling", "base_url: http://h\nflows:\n  - {name: f, wieght: 2, steps: [{name: s, request: {url: /}}]}\n",
		[]want{{3, 15, `unknown field "wieght" in a flow, did you mean "weight"?`}}},
	{"cookies off but cleared", "base_url: http://h\nflows:\n  - {name: f, cookies: false, clear_cookies: true, steps: [{name: s, request: {url: /}}]}\n",
		[]want{{3, 31, "clear_cookies: needs the cookie jar, which cookies: false turns off"}}},
	{"cookies not a bool", "base_url: http://h\nflows:\n  - {name: f, cookies: off, steps: [{name: s, request: {url: /}}]}\n",
		[]want{{3, 24, `cookies: expected true or false, got "off"`}}},
	{"flow without steps", "base_url: http://h\nflows:\n  - name: f\n", []want{{3, 5, `missing field "steps" in a flow`}}},
	{"empty steps", "base_url: http://h\nflows:\n  - {name: f, steps: []}\n", []want{{3, 22, "steps: expected at least one step"}}},
	{"step not a mapping", step("/login"), []want{{5, 9, "steps: expected a step (a mapping with a name and a request)"}}},
	{"step without a name", step("{request: {url: /}}"), []want{{5, 9, `missing field "name" in a step`}}},
	{"duplicate step name across a group", flowHead + "      - {name: a, request: {url: /}}\n      - {name: g, steps: [{name: a, request: {url: /}}]}\n",
		[]want{{6, 34, `name: duplicate step name "a" in flow "f" (first at line 5)`}}},
	{"step with request and group", step("{name: a, request: {url: /}, steps: [{name: b, request: {url: /}}]}"),
		[]want{{5, 19, "request: a step has a request, or repeat and steps (a group), not both"}}},
	{"step with neither", step("{name: a, think: 1s}"), []want{{5, 9, "a step needs a request"}}},
	{"repeat zero", step("{name: g, repeat: 0, steps: [{name: b, request: {url: /}}]}"), []want{{5, 27, "repeat: must be >= 1, got 0"}}},
	{"repeat not a number", step("{name: g, repeat: many, steps: [{name: b, request: {url: /}}]}"), []want{{5, 27, `repeat: expected a number, got "many"`}}},
	{"repeat without steps", step("{name: g, repeat: 2}"), []want{{5, 9, `missing field "steps" in a group`}}},
	{"checks on a group", step("{name: g, checks: [{status: 200}], steps: [{name: b, request: {url: /}}]}"), []want{{5, 19, "checks: a group sends no request of its own: put checks on a step of the group"}}},
	{"unknown step field, near spelling", step("{name: a, request: {url: /}, check: [{status: 200}]}"),
		[]want{{5, 38, `unknown field "check" in a step, did you mean "checks"?`}}},
	{"url written on the step", step("{name: a, url: /}"), []want{{5, 19, `unknown field "url" in a step; it belongs in the step's request`}}},
	{"path in a step's request", step("{name: a, request: {path: /}}"),
		[]want{{5, 29, `unknown field "path" in a step's request; a step's request has a url`}}},
	{"checks inside the request", step("{name: a, request: {url: /, checks: [{status: 200}]}}"), []want{{5, 37, "checks belong to the step, beside request"}}},
	// Durations.
	{"think without a unit", step("{name: a, request: {url: /}, think: 1}"), []want{{5, 45, "think: expected a duration like 10s or 500ms, got 1 (a number needs a unit"}}},
	{"think min above max", step("{name: a, request: {url: /}, think: {min: 3s, max: 1s}}"), []want{{5, 60, "max: must be >= min (3s), got 1s"}}},
	{"think mean with min", step("{name: a, request: {url: /}, think: {min: 1s, mean: 2s}}"), []want{{5, 45, "either {min, max} (uniform) or {mean} (exponential), not both"}}},
	{"think min alone", step("{name: a, request: {url: /}, think: {min: 1s}}"), []want{{5, 45, "needs both min and max"}}},
	{"negative think", step("{name: a, request: {url: /}, think: -1s}"), []want{{5, 45, "think: must be >= 0, got -1s"}}},
	{"timeout zero", step("{name: a, request: {url: /, timeout: 0s}}"), []want{{5, 46, "timeout: must be > 0, got 0s"}}},
	{"check duration unparsable", step("{name: a, request: {url: /}, checks: [{duration: fast}]}"), []want{{5, 58, `duration: expected a duration like 10s or 500ms, got "fast"`}}},

	// Variables.
	{"undefined variable, at its ${", step(`{name: a, request: {url: "/x/${tokn}"}}`), []want{{5, 38, "url: undefined variable ${tokn}"}}},
	{"undefined variable, near spelling", step(`{name: a, request: {url: /, headers: {X: "a ${uuidd}"}}}`), []want{{5, 53, `header "X": undefined variable ${uuidd}, did you mean ${uuid}?`}}},
	{"variable of a later step", flowHead + "      - {name: a, request: {url: \"/${t}\"}}\n      - {name: b, request: {url: /}, extract: [{var: t, json: t}]}\n",
		[]want{{5, 36, `${t} is extracted by a later step ("b", line 6)`}}},
	{"variable of another flow", "base_url: http://h\nflows:\n  - {name: f, steps: [{name: a, request: {url: /}, extract: [{var: t, json: t}]}]}\n  - {name: g, steps: [{name: b, request: {url: \"/${t}\"}}]}\n",
		[]want{{4, 50, "undefined variable ${t}"}}},
	{"unset environment variable", step(`{name: a, request: {url: "/${env.NOPE}"}}`), []want{{5, 36, `url: environment variable "NOPE" is not set (${env.NOPE}); set it, or give a default: ${env.NOPE:-value}`}}},
	{"empty environment variable", step(`{name: a, request: {url: "/${env.EMPTY}"}}`), []want{{5, 36, `environment variable "EMPTY" is not set`}}},
	{"default on a plain variable", step(`{name: a, request: {url: "/${x:-y}"}}`), []want{{5, 36, "only environment variables take a default"}}},
	{"unterminated reference", step(`{name: a, request: {url: "/a${vu"}}`), []want{{5, 37, "unterminated ${: close it with }, or write $${ for a literal ${"}}},
	{"empty reference", step(`{name: a, request: {url: "/${}"}}`), []want{{5, 36, "empty ${}"}}},
	{"reference with spaces", step(`{name: a, request: {url: "/${ vu }"}}`), []want{{5, 36, `invalid variable reference "${ vu }"`}}},
	{"unknown data feeder", step(`{name: a, request: {url: "/${data.usrs.name}"}}`) + "data: [{name: users, file: users.csv}]\n",
		[]want{{5, 36, `no data feeder "usrs" (in ${data.usrs.name}), did you mean "users"?`}}},
	{"unknown data column", step(`{name: a, request: {url: "/${data.users.nme}"}}`) + "data: [{name: users, file: users.csv}]\n",
		[]want{{5, 36, `data feeder "users" has no column "nme", did you mean "name"? (columns: name, password)`}}},
	{"data reference without a column", step(`{name: a, request: {url: "/${data.users}"}}`) + "data: [{name: users, file: users.csv}]\n",
		[]want{{5, 36, "expected ${data.FEEDER.COLUMN}"}}},
	{"undefined variable in a JSON body", step(`{name: a, request: {method: POST, url: /, body: {json: {a: [1, {b: "x${nope}"}]}}}}`), []want{{5, 78, "body: undefined variable ${nope}"}}},
	{"undefined variable in a check", step(`{name: a, request: {url: /}, checks: [{json: a, equals: "${nope}"}]}`), []want{{5, 66, "equals: undefined variable ${nope}"}}},
	{"vars use a non-env variable", "vars: {a: \"${vu}\"}\n" + step("{name: a, request: {url: /}}"), []want{{1, 12, `vars: a: vars are constants: they can use ${env.NAME}, but not "${vu}"`}}},
	{"vars name is a built-in", "vars: {iter: 1}\n" + step("{name: a, request: {url: /}}"), []want{{1, 8, `vars: "iter" is a built-in variable`}}},
	{"vars name with a dot", "vars: {a.b: 1}\n" + step("{name: a, request: {url: /}}"), []want{{1, 8, `vars: invalid name "a.b"`}}},
	{"extract into a built-in", step("{name: a, request: {url: /}, extract: [{var: uuid, json: id}]}"), []want{{5, 54, `var: "uuid" is a built-in variable`}}},
	{"extract into a constant", "vars: {t: x}\n" + step("{name: a, request: {url: /}, extract: [{var: t, json: id}]}"), []want{{6, 54, `var: "t" is already a constant in vars`}}},
	{"vars in a scenario of requests", "vars: {a: b}\nbase_url: http://h\nrequests: [{path: /}]\n", []want{{1, 1, "vars: only flows use variables and data"}}},

	// Requests.
	{"method in lower case", step("{name: a, request: {method: post, url: /}}"), []want{{5, 37, `method: "post": methods are case-sensitive, did you mean "POST"?`}}},
	{"bad header name", step("{name: a, request: {url: /, headers: {'X Y': a}}}"), []want{{5, 47, `invalid header name "X Y"`}}},
	{"header value with a newline", step(`{name: a, request: {url: /, headers: {X: "a\nb"}}}`), []want{{5, 50, `header "X": the value has a control character ("\n")`}}},
	{"query not a mapping", step("{name: a, request: {url: /, query: [a]}}"), []want{{5, 44, "query: expected a mapping of query parameters to values"}}},
	{"relative URL without base_url", "flows: [{name: f, steps: [{name: a, request: {url: /x}}]}]\n", []want{{1, 52, `"/x" is relative, but base_url is not set`}}},
	{"URL with another scheme", step("{name: a, request: {url: 'ftp://h/x'}}"), []want{{5, 34, `(scheme "ftp" is not supported)`}}},
	{"URL with a bad escape", step("{name: a, request: {url: '/%zz/${vu}'}}"), []want{{5, 34, `invalid URL escape "%zz"`}}},
	{"URL naming no valid host", step("{name: a, request: {url: '//0@/${vu}'}}"), []want{{5, 34, `"//0@/${vu}" starts with //, which names a host, and the host is not valid`}}},
	{"empty URL", step("{name: a, request: {url: ''}}"), []want{{5, 34, "url: must not be empty"}}},
	{"body with two kinds", step("{name: a, request: {url: /, body: {json: {a: 1}, form: {a: 1}}}}"), []want{{5, 58, "a body is one of json, form or raw: this one has both json and form"}}},
	{"body kind misspelt", step("{name: a, request: {url: /, body: {jsn: {a: 1}}}}"), []want{{5, 44, `unknown field "jsn" in a body, did you mean "json"?`}}},
	{"JSON body with NaN", step("{name: a, request: {url: /, body: {json: {a: .nan}}}}"), []want{{5, 54, ".nan is not a JSON number"}}},
	{"template in a JSON key", step(`{name: a, request: {url: /, body: {json: {"${vu}": 1}}}}`), []want{{5, 51, "keys of a JSON body are not templated"}}},
	{"form field with a mapping", step("{name: a, request: {url: /, body: {form: {a: {b: c}}}}}"), []want{{5, 54, `form field "a": expected a value or a list of values, got a mapping`}}},

	// Extractions and checks.
	{"JSON path empty", step("{name: a, request: {url: /}, extract: [{var: t, json: ''}]}"), []want{{5, 63, "json: bad JSON path: must not be empty"}}},
	{"JSON path with a $ root", step("{name: a, request: {url: /}, extract: [{var: t, json: $.token}]}"), []want{{5, 63, `gjson paths have no $ root; write "token"`}}},
	{"JSON path with an empty part", step("{name: a, request: {url: /}, checks: [{json: a..b, equals: x}]}"), []want{{5, 54, `bad JSON path "a..b": empty part at byte 3`}}},
	{"JSON path ending in a dot", step("{name: a, request: {url: /}, checks: [{json: a., equals: x}]}"), []want{{5, 54, "ends with a dot"}}},
	{"JSON path unbalanced", step("{name: a, request: {url: /}, extract: [{var: t, json: 'items.#(id==1'}]}"), []want{{5, 63, `unclosed "("`}}},
	{"bad regex in an extraction", step("{name: a, request: {url: /}, extract: [{var: t, regex: 'a(b'}]}"), []want{{5, 64, "regex: not a valid regular expression: missing closing )"}}},
	{"bad regex in a check", step("{name: a, request: {url: /}, checks: [{body_matches: '*x'}]}"), []want{{5, 62, "body_matches: not a valid regular expression: missing argument to repetition operator"}}},
	{"extraction without var", step("{name: a, request: {url: /}, extract: [{json: t}]}"), []want{{5, 48, `missing field "var" in an extraction`}}},
	{"extraction from two places", step("{name: a, request: {url: /}, extract: [{var: t, json: t, header: T}]}"), []want{{5, 66, "this one has both json and header"}}},
	{"extraction from nowhere", step("{name: a, request: {url: /}, extract: [{var: t}]}"), []want{{5, 48, "an extraction needs one of json, header, cookie, regex"}}},
	{"extract not a list", step("{name: a, request: {url: /}, extract: {var: t, json: t}}"), []want{{5, 47, "extract: expected a list of extractions"}}},
	{"status out of range", step("{name: a, request: {url: /}, checks: [{status: 700}]}"), []want{{5, 56, "status: 700 is not an HTTP status: expected 100 to 599"}}},
	{"status in a list out of range", step("{name: a, request: {url: /}, checks: [{status: [200, 99]}]}"), []want{{5, 62, "status: 99 is not an HTTP status"}}},
	{"bad status class", step("{name: a, request: {url: /}, checks: [{status: 6xx}]}"), []want{{5, 56, `status class "6xx": expected 1xx to 5xx`}}},
	{"status not a code", step("{name: a, request: {url: /}, checks: [{status: ok}]}"), []want{{5, 56, `expected a status code like 200 or a class like "2xx", got "ok"`}}},
	{"unknown check key", step("{name: a, request: {url: /}, checks: [{stauts: 200}]}"), []want{{5, 48, `unknown field "stauts" in a check, did you mean "status"?`}}},
	{"check with two kinds", step("{name: a, request: {url: /}, checks: [{status: 200, body_contains: ok}]}"), []want{{5, 61, "one check per item: this one has both status and body_contains"}}},
	{"check of nothing", step("{name: a, request: {url: /}, checks: [{abort: true}]}"), []want{{5, 47, "a check needs one of status, body_contains"}}},
	{"json check without equals", step("{name: a, request: {url: /}, checks: [{json: user}]}"), []want{{5, 48, "a json check needs equals"}}},
	{"equals on a status check", step("{name: a, request: {url: /}, checks: [{status: 200, equals: x}]}"), []want{{5, 61, "equals goes with json and header checks, not with status"}}},
	{"empty body_contains", step("{name: a, request: {url: /}, checks: [{body_contains: ''}]}"), []want{{5, 63, "body_contains: must not be empty"}}},
	{"duplicate checks", step("{name: a, request: {url: /}, checks: [{status: 200}, {status: 200}]}"), []want{{5, 62, `duplicate check "status 200" in this step (first at line 5)`}}},

	// Thresholds.
	{"threshold without a comparison", step("{name: a, request: {url: /}}") + "thresholds: [\"p(99) 200ms\"]\n", []want{{6, 14, `threshold "p(99) 200ms": no comparison`}}},
	{"threshold without a limit", step("{name: a, request: {url: /}}") + "thresholds: [\"p(99) <\"]\n", []want{{6, 14, "nothing after <"}}},
	{"threshold without a metric", step("{name: a, request: {url: /}}") + "thresholds: [\">= 5\"]\n", []want{{6, 14, "nothing before >="}}},
	{"empty threshold", step("{name: a, request: {url: /}}") + "thresholds: [{expr: ''}]\n", []want{{6, 21, "empty: expected an expression"}}},
	{"threshold of an unknown step", step("{name: login, request: {url: /}}") + "thresholds: [{expr: p(99)<1s, step: logn}]\n", []want{{6, 37, `step: no step "logn" in any flow, did you mean "login"?`}}},
	{"threshold of an unknown flow", step("{name: a, request: {url: /}}") + "thresholds: [{expr: p(99)<1s, step: g/a}]\n", []want{{6, 37, `step: no flow "g", did you mean "f"? (flows: f)`}}},
	{"threshold of an unknown step in a flow", step("{name: a, request: {url: /}}") + "thresholds: [{expr: p(99)<1s, step: f/b}]\n", []want{{6, 37, `no step "b" in flow "f"`}}},
	{"threshold of a group", step("{name: g, steps: [{name: a, request: {url: /}}]}") + "thresholds: [{expr: p(99)<1s, step: g}]\n", []want{{6, 37, `"g" is a group; thresholds judge request steps`}}},
	{"threshold of a step without flows", "base_url: http://h\nrequests: [{path: /}]\nthresholds: [{expr: p(99)<1s, step: a}]\n", []want{{3, 37, "only scenarios with flows have steps"}}},
	{"threshold field misspelt", step("{name: a, request: {url: /}}") + "thresholds: [{expr: p(99)<1s, stpe: a}]\n", []want{{6, 31, `unknown field "stpe" in a threshold, did you mean "step"?`}}},
	{"threshold not a string", step("{name: a, request: {url: /}}") + "thresholds: [[p99]]\n", []want{{6, 14, "expected an expression like"}}},

	// Data files.
	{"data file missing", step("{name: a, request: {url: /}}") + "data: [{name: d, file: nope.csv}]\n", []want{{6, 24, `file: cannot read "nope.csv" (as dir/nope.csv: relative to the scenario file's directory): file does not exist`}}},
	{"data file not UTF-8", step("{name: a, request: {url: /}}") + "data: [{name: d, file: latin1.csv}]\n", []want{{6, 24, "file: latin1.csv:2: invalid UTF-8 byte 0xe9: data files must be UTF-8 text"}}},
	{"data file UTF-16", step("{name: a, request: {url: /}}") + "data: [{name: d, file: utf16.csv}]\n", []want{{6, 24, "utf16.csv: the file is UTF-16"}}},
	{"CSV with a ragged row", step("{name: a, request: {url: /}}") + "data: [{name: d, file: ragged.csv}]\n", []want{{6, 24, "file: ragged.csv:3: expected 2 columns, got 3 (the header row has name, password)"}}},
	{"CSV with a bare quote", step("{name: a, request: {url: /}}") + "data: [{name: d, file: quote.csv}]\n", []want{{6, 24, `quote.csv:2: bare " in non-quoted-field`}}},
	{"CSV without rows", step("{name: a, request: {url: /}}") + "data: [{name: d, file: header.csv}]\n", []want{{6, 24, "header.csv: the file has a header row but no rows"}}},
	{"CSV with a duplicate column", step("{name: a, request: {url: /}}") + "data: [{name: d, file: dupcol.csv}]\n", []want{{6, 24, `dupcol.csv:1: column "a" appears twice in the header row`}}},
	{"empty data file", step("{name: a, request: {url: /}}") + "data: [{name: d, file: empty.csv}]\n", []want{{6, 24, "empty.csv: the file is empty"}}},
	{"JSON data not an array", step("{name: a, request: {url: /}}") + "data: [{name: d, file: object.json}]\n", []want{{6, 24, "object.json:1: expected a JSON array of objects"}}},
	{"JSON data with a nested value", step("{name: a, request: {url: /}}") + "data: [{name: d, file: nested.json}]\n", []want{{6, 24, `nested.json:3: object 2: key "tags": expected a string, number, true, false or null, got an array (rows are flat)`}}},
	{"JSON data with other keys", step("{name: a, request: {url: /}}") + "data: [{name: d, file: keys.json}]\n", []want{{6, 24, `keys.json:2: object 2: no key "b" (every object needs the keys of the first: a, b)`}}},
	{"JSON data syntax error", step("{name: a, request: {url: /}}") + "data: [{name: d, file: broken.json}]\n", []want{{6, 24, "broken.json:2: invalid JSON"}}},
	{"JSON data empty array", step("{name: a, request: {url: /}}") + "data: [{name: d, file: none.json}]\n", []want{{6, 24, "none.json: the array is empty"}}},
	{"data selection unknown", step("{name: a, request: {url: /}}") + "data: [{name: d, file: users.csv, select: uniq}]\n", []want{{6, 43, `select: unknown selection "uniq", did you mean "unique"?`}}},
	{"data without a file", step("{name: a, request: {url: /}}") + "data: [{name: d}]\n", []want{{6, 8, `missing field "file" in data`}}},
	{"data name invalid", step("{name: a, request: {url: /}}") + "data: [{name: 'my users', file: users.csv}]\n", []want{{6, 15, `name: invalid name "my users"`}}},
	{"duplicate data name", step("{name: a, request: {url: /}}") + "data: [{name: d, file: users.csv}, {name: d, file: users.csv}]\n", []want{{6, 43, `name: duplicate data feeder "d"`}}},
	{"data in a scenario of requests", "data: [{name: d, file: users.csv}]\nbase_url: http://h\nrequests: [{path: /}]\n", []want{{1, 1, "data: only flows use variables and data"}}},
}

// badData are the data files of badFlowFiles, in dir/.
var badData = map[string]string{
	"dir/latin1.csv":  "name\ncaf\xe9\n",
	"dir/utf16.csv":   "\xff\xfen\x00a\x00",
	"dir/ragged.csv":  "name,password\nalice,pw\nbob,pw,extra\n",
	"dir/quote.csv":   "a,b\nx\"y,z\n",
	"dir/header.csv":  "a,b\n",
	"dir/dupcol.csv":  "a,b,a\n1,2,3\n",
	"dir/empty.csv":   " \n",
	"dir/object.json": `{"a": 1}`,
	"dir/nested.json": "[\n  {\"tags\": 1},\n  {\"tags\": [\"x\"]}\n]",
	"dir/keys.json":   "[{\"a\": 1, \"b\": 2},\n {\"a\": 3}]",
	"dir/broken.json": "[{\"a\": 1},\n {\"a\" 2}]",
	"dir/none.json":   "[]",
}

func badFlowOverrides() Overrides {
	all := map[string]string{}
	for k, v := range testFiles {
		all[k] = v
	}
	for k, v := range badData {
		all[k] = v
	}
	return Overrides{ReadFile: files(all), Getenv: environ(testEnv)}
}

func TestLoadFlowErrors(t *testing.T) {
	for _, tt := range badFlowFiles {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := LoadFile("dir/f.yaml", []byte(tt.yaml), badFlowOverrides())
			if plan != nil {
				t.Errorf("got a plan with an error")
			}
			assertProblems(t, err, "dir/f.yaml", tt.wants...)
		})
	}
}

// Every problem of a flow file is reported at once, in file order.
func TestLoadFlowReportsAllProblems(t *testing.T) {
	const file = `base_url: http://h
vars: {pw: "${env.PW}"}
flows:
  - name: f
    weight: -1
    steps:
      - name: login
        request: {method: get, url: "/l?u=${user}"}
        extract: [{var: tok, json: ""}]
        checks: [{status: 999}]
      - name: me
        request: {url: /me, headers: {A: "Bearer ${tok}", B: "${later}"}}
        think: 5
      - name: next
        request: {url: /n}
        extract: [{var: later, cookie: c}]
thresholds: ["p(99) 1s", {expr: "p(50) < 1s", step: mee}]
`
	_, err := LoadFile("all.yaml", []byte(file), Overrides{})
	assertProblems(t, err, "all.yaml",
		want{2, 13, `vars: pw: environment variable "PW" is not set`},
		want{5, 13, "weight: must be >= 1, got -1"},
		want{8, 27, `did you mean "GET"?`},
		want{8, 43, "undefined variable ${user} (defined here"},
		want{9, 36, "bad JSON path: must not be empty"},
		want{10, 27, "status: 999 is not an HTTP status"},
		want{12, 63, `${later} is extracted by a later step ("next", line 14)`},
		want{13, 16, "think: expected a duration"},
		want{17, 14, `threshold "p(99) 1s": no comparison`},
		want{17, 53, `step: no step "mee" in any flow, did you mean "me"?`},
	)
	if n := strings.Count(err.Error(), "\n") + 1; n != 10 {
		t.Errorf("Error() has %d lines, want 10", n)
	}
}

// Groups nest at most LimitGroupDepth deep, and a file holds at most
// LimitSteps steps, however they are written.
func TestFlowLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(flowHead)
	indent := "      "
	for i := range LimitGroupDepth + 1 {
		fmt.Fprintf(&b, "%s- name: g%d\n%s  steps:\n", indent, i, indent)
		indent += "    "
	}
	b.WriteString(indent + "- {name: s, request: {url: /}}\n")
	_, err := LoadFile("deep.yaml", []byte(b.String()), Overrides{})
	// g8 is the ninth group: its steps key is on line 5+2*8+1.
	assertProblems(t, err, "deep.yaml", want{22, 41, "steps: groups nested more than 8 deep"})

	b.Reset()
	b.WriteString(flowHead)
	for i := range LimitSteps + 1 {
		fmt.Fprintf(&b, "      - {name: s%d, request: {url: /}}\n", i)
	}
	_, err = LoadFile("many.yaml", []byte(b.String()), Overrides{})
	assertProblems(t, err, "many.yaml", want{5 + LimitSteps, 9, "steps: more than 1000 steps in the file"})

	// Aliases repeat a list of steps exponentially: the limit stops the
	// loader early (names repeat, too).
	const bomb = `base_url: http://h
x0: &s0 [{name: s, request: {url: /}}, {name: t, request: {url: /}}]
x1: &s1 [{name: a, steps: *s0}, {name: b, steps: *s0}, {name: c, steps: *s0}, {name: d, steps: *s0}]
x2: &s2 [{name: a, steps: *s1}, {name: b, steps: *s1}, {name: c, steps: *s1}, {name: d, steps: *s1}]
x3: &s3 [{name: a, steps: *s2}, {name: b, steps: *s2}, {name: c, steps: *s2}, {name: d, steps: *s2}]
x4: &s4 [{name: a, steps: *s3}, {name: b, steps: *s3}, {name: c, steps: *s3}, {name: d, steps: *s3}]
x5: &s5 [{name: a, steps: *s4}, {name: b, steps: *s4}, {name: c, steps: *s4}, {name: d, steps: *s4}]
x6: &s6 [{name: a, steps: *s5}, {name: b, steps: *s5}, {name: c, steps: *s5}, {name: d, steps: *s5}]
flows: [{name: f, steps: *s6}]
`
	_, err = LoadFile("bomb.yaml", []byte(bomb), Overrides{})
	if err == nil || !strings.Contains(err.Error(), "more than 1000 steps in the file") {
		t.Errorf("alias bomb: %v", err)
	}
}

// A built-in scenario reads its data files from the library, never
// from the disk, and only from inside it.
func TestBuiltinDataFiles(t *testing.T) {
	yaml := step(`{name: a, request: {url: "/${data.p.id}"}}`) + "data: [{name: p, file: data/products.csv}]\n"
	p, err := LoadFile("builtin:x", []byte(yaml), Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data[0].Rows) < 5 || p.Data[0].Columns[0] != "id" {
		t.Errorf("data = %+v", p.Data[0])
	}
	for file, frag := range map[string]string{
		"../load.go":       "relative path without ..",
		"data/nope.csv":    `cannot read "data/nope.csv"`,
		"/etc/passwd":      "relative path without ..",
		"data/../x.yaml":   "relative path without ..",
		"default.yaml.csv": "cannot read",
	} {
		yaml := step("{name: a, request: {url: /}}") + "data: [{name: p, file: '" + file + "'}]\n"
		_, err := LoadFile("builtin:x", []byte(yaml), Overrides{ReadFile: files(testFiles)})
		assertProblems(t, err, "builtin:x", want{6, 24, frag})
	}
	// Without a reader, a file's data cannot be read.
	yaml = step("{name: a, request: {url: /}}") + "data: [{name: p, file: users.csv}]\n"
	_, err = LoadFile("dir/f.yaml", []byte(yaml), Overrides{})
	assertProblems(t, err, "dir/f.yaml", want{6, 24, "data files need a reader"})
}
