package scenarios

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// files is a fake file system for data files: ReadFile of an Overrides.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := m[filepath.ToSlash(name)]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// environ is a fake environment: Getenv of an Overrides.
func environ(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// lit is a template without variables.
func lit(s string) Template { return Template{Raw: s, Parts: []TemplatePart{{Literal: s}}} }

// tmpl is a template with its parts: strings are literals, and a string
// starting with $ is a variable.
func tmpl(raw string, parts ...string) Template {
	t := Template{Raw: raw}
	for _, p := range parts {
		if v, ok := strings.CutPrefix(p, "$"); ok {
			t.Parts = append(t.Parts, TemplatePart{Var: v})
		} else {
			t.Parts = append(t.Parts, TemplatePart{Literal: p})
		}
	}
	return t
}

func get(url string) *StepRequest { return &StepRequest{Method: "GET", URL: lit(url)} }

func oneFlow(steps ...Step) []Flow {
	return []Flow{{Name: "f", Weight: 1, Cookies: true, Steps: steps}}
}

// flowPlan is the plan of a file "f.yaml" with flows and default load.
func flowPlan(flows []Flow) Plan {
	return Plan{Name: "f", Source: "dir/f.yaml", BaseURL: "http://h", Flows: flows, Load: closedDefaults, Client: defaultClient}
}

// flowHead starts a file with one flow "f"; its steps follow from line 5,
// items at column 7.
const flowHead = "base_url: http://h\nflows:\n  - name: f\n    steps:\n"

var testFiles = map[string]string{
	"dir/users.csv":       "name,password\nalice,pw1\n\"bob, jr\",pw2\n",
	"dir/data/items.json": `[{"id": 1, "label": "a", "ok": true, "x": null}, {"label": "b", "id": 2.5, "ok": false, "x": "y"}]`,
	"dir/bom.csv":         "\xef\xbb\xbfk\nv\n",
}

var testEnv = map[string]string{"TOKEN": "t0k", "EMPTY": ""}

// goodFlowFiles are valid flow files with the plans they must produce.
// They are loaded as dir/f.yaml with testFiles and testEnv. FuzzLoad
// starts from them too.
var goodFlowFiles = []struct {
	name string
	yaml string
	want func() Plan
}{{
	name: "minimal flow: defaults, no requests",
	yaml: flowHead + "      - {name: home, request: {url: /}}\n",
	want: func() Plan { return flowPlan(oneFlow(Step{Name: "home", Request: get("/")})) },
}, {
	name: "templates: split at load, vars and env inlined, escapes undone",
	yaml: `base_url: http://h
vars: {pw: "p&w\"", host: "${env.HOST:-example.test}", tok: "${env.TOKEN}"}
flows:
  - name: f
    steps:
      - name: s
        request:
          url: "/u/${vu}/${iter}?r=${random}&lit=$${x}&p=${pw}"
          headers: {X-Id: "${uuid}", Auth: "Bearer ${tok}", At: "${time}", Host: "${host}", E: "${env.EMPTY:-dflt}"}
          query: {q: "a ${pw}", n: ""}
`,
	want: func() Plan {
		p := flowPlan(oneFlow(Step{Name: "s", Request: &StepRequest{
			Method: "GET",
			URL:    tmpl("/u/${vu}/${iter}?r=${random}&lit=$${x}&p=${pw}", "/u/", "$vu", "/", "$iter", "?r=", "$random", `&lit=${x}&p=p&w"`),
			Headers: []TemplateHeader{
				{"X-Id", tmpl("${uuid}", "$uuid")},
				{"Auth", tmpl("Bearer ${tok}", "Bearer t0k")},
				{"At", tmpl("${time}", "$time")},
				{"Host", tmpl("${host}", "example.test")},
				{"E", tmpl("${env.EMPTY:-dflt}", "dflt")},
			},
			Query: []TemplateHeader{{"q", tmpl("a ${pw}", `a p&w"`)}, {"n", Template{}}},
		}}))
		p.Vars = map[string]string{"pw": `p&w"`, "host": "example.test", "tok": "t0k", "env.HOST": "example.test", "env.TOKEN": "t0k", "env.EMPTY": "dflt"}
		return p
	},
}, {
	name: "body kinds: json from YAML with templates in strings, form, raw",
	yaml: flowHead + `      - name: json
        request:
          method: POST
          url: /j
          body:
            json:
              user: "${data.users.name}"
              n: [1, -2.5, 1e3, 0x10, true, null, "q\"<&>"]
              nested: {k: "a${vu}b", empty: {}, list: []}
              when: 2001-12-14
      - name: form
        request:
          method: PUT
          url: /f
          body: {form: {user: "${data.users.name}", "a b": "x&y=${vu}", multi: [1, "${iter}"], none: ~}}
      - name: raw
        request: {method: POST, url: /r, body: {raw: "<x>${vu}</x>"}}
      - name: bare
        request: {method: POST, url: /r, body: "plain ${iter}"}
data:
  - {name: users, file: users.csv}
`,
	want: func() Plan {
		p := flowPlan(oneFlow(
			Step{Name: "json", Request: &StepRequest{Method: "POST", URL: lit("/j"), BodyKind: BodyJSON,
				Body: tmpl(`{"user":"${data.users.name}","n":[1,-2.5,1000,16,true,null,"q\"<&>"],"nested":{"k":"a${vu}b","empty":{},"list":[]},"when":"2001-12-14"}`,
					`{"user":"`, "$data.users.name", `","n":[1,-2.5,1000,16,true,null,"q\"<&>"],"nested":{"k":"a`, "$vu", `b","empty":{},"list":[]},"when":"2001-12-14"}`)}},
			Step{Name: "form", Request: &StepRequest{Method: "PUT", URL: lit("/f"), BodyKind: BodyForm,
				Body: tmpl("user=${data.users.name}&a+b=x&y=${vu}&multi=1&multi=${iter}&none=",
					"user=", "$data.users.name", "&a+b=x%26y%3D", "$vu", "&multi=1&multi=", "$iter", "&none=")}},
			Step{Name: "raw", Request: &StepRequest{Method: "POST", URL: lit("/r"), BodyKind: BodyRaw, Body: tmpl("<x>${vu}</x>", "<x>", "$vu", "</x>")}},
			Step{Name: "bare", Request: &StepRequest{Method: "POST", URL: lit("/r"), BodyKind: BodyRaw, Body: tmpl("plain ${iter}", "plain ", "$iter")}},
		))
		p.Data = []Data{{Name: "users", File: "users.csv", Select: SelectSequential, Columns: []string{"name", "password"},
			Rows: [][]string{{"alice", "pw1"}, {"bob, jr", "pw2"}}}}
		return p
	},
}, {
	name: "extractions and checks of every kind",
	yaml: flowHead + `      - name: login
        request: {method: POST, url: /login, timeout: 2s}
        extract:
          - {var: token, json: auth.token}
          - {var: sid, cookie: sid, optional: true}
          - {var: trace, header: X-Trace}
          - {var: csrf, regex: 'name="csrf" value="([^"]+)"'}
        checks:
          - {status: 200}
          - {status: [200, 201]}
          - {status: 2XX, abort: true}
          - {body_contains: ok}
          - {body_matches: '^\{'}
          - {json: user.name, equals: alice}
          - {json: n, equals: 3}
          - {json: who, equals: "${token}", name: echoes the token}
          - {header: X-Backend}
          - {header: Content-Type, equals: application/json}
          - {duration: 500ms, abort: true}
`,
	want: func() Plan {
		return flowPlan(oneFlow(Step{Name: "login", Request: &StepRequest{
			Method: "POST", URL: lit("/login"), Timeout: 2 * time.Second,
			Extract: []Extract{
				{Var: "token", From: FromJSON, Expr: "auth.token"},
				{Var: "sid", From: FromCookie, Expr: "sid", Optional: true},
				{Var: "trace", From: FromHeader, Expr: "X-Trace"},
				{Var: "csrf", From: FromRegex, Expr: `name="csrf" value="([^"]+)"`},
			},
			Checks: []Check{
				{Name: "status 200", Kind: CheckStatus, Statuses: []int{200}},
				{Name: "status 200|201", Kind: CheckStatus, Statuses: []int{200, 201}},
				{Name: "status 2xx", Kind: CheckStatus, Class: 2, Abort: true},
				{Name: `body contains "ok"`, Kind: CheckBodyContains, Value: "ok"},
				{Name: `body matches "^\\{"`, Kind: CheckBodyMatches, Value: `^\{`},
				{Name: `json user.name == "alice"`, Kind: CheckJSON, Path: "user.name", Value: "alice"},
				{Name: `json n == "3"`, Kind: CheckJSON, Path: "n", Value: "3"},
				{Name: "echoes the token", Kind: CheckJSON, Path: "who", Value: "${token}", Expect: tmpl("${token}", "$token")},
				{Name: "header X-Backend", Kind: CheckHeader, Header: "X-Backend"},
				{Name: `header Content-Type == "application/json"`, Kind: CheckHeader, Header: "Content-Type", Value: "application/json"},
				{Name: "duration <= 500ms", Kind: CheckDuration, Max: 500 * time.Millisecond, Abort: true},
			},
		}}))
	},
}, {
	name: "think time: constant, uniform, exponential, zero",
	yaml: flowHead + `      - {name: a, request: {url: /a}, think: 1s}
      - {name: b, request: {url: /b}, think: {min: 1s, max: 3s}}
      - {name: c, request: {url: /c}, think: {mean: 2s}}
      - {name: d, request: {url: /d}, think: 0}
`,
	want: func() Plan {
		return flowPlan(oneFlow(
			Step{Name: "a", Request: get("/a"), Think: Think{Min: time.Second, Max: time.Second}},
			Step{Name: "b", Request: get("/b"), Think: Think{Min: time.Second, Max: 3 * time.Second}},
			Step{Name: "c", Request: get("/c"), Think: Think{Mean: 2 * time.Second}},
			Step{Name: "d", Request: get("/d")},
		))
	},
}, {
	name: "groups: nested, repeat, and their extractions seen later",
	yaml: flowHead + `      - name: outer
        repeat: 2
        think: 1s
        steps:
          - name: first
            request: {url: /a}
            extract: [{var: a, json: a}]
          - name: inner
            steps:
              - {name: uses-a, request: {url: "/b/${a}"}, extract: [{var: b, header: B}]}
      - {name: after, request: {url: "/c/${a}/${b}"}}
`,
	want: func() Plan {
		return flowPlan(oneFlow(
			Step{Name: "outer", Think: Think{Min: time.Second, Max: time.Second}, Group: &Group{Repeat: 2, Steps: []Step{
				{Name: "first", Request: &StepRequest{Method: "GET", URL: lit("/a"), Extract: []Extract{{Var: "a", From: FromJSON, Expr: "a"}}}},
				{Name: "inner", Group: &Group{Repeat: 1, Steps: []Step{
					{Name: "uses-a", Request: &StepRequest{Method: "GET", URL: tmpl("/b/${a}", "/b/", "$a"), Extract: []Extract{{Var: "b", From: FromHeader, Expr: "B"}}}},
				}}},
			}}},
			Step{Name: "after", Request: &StepRequest{Method: "GET", URL: tmpl("/c/${a}/${b}", "/c/", "$a", "/", "$b")}},
		))
	},
}, {
	name: "data feeders: CSV, JSON of flat objects, BOM, every selection",
	yaml: flowHead + `      - {name: s, request: {url: "/${data.users.name}/${data.items.label}/${data.bom.k}"}}
data:
  - {name: users, file: users.csv, select: per-vu}
  - {name: items, file: data/items.json, select: random}
  - {name: bom, file: bom.csv, select: unique}
`,
	want: func() Plan {
		p := flowPlan(oneFlow(Step{Name: "s", Request: &StepRequest{Method: "GET",
			URL: tmpl("/${data.users.name}/${data.items.label}/${data.bom.k}", "/", "$data.users.name", "/", "$data.items.label", "/", "$data.bom.k")}}))
		p.Data = []Data{
			{Name: "users", File: "users.csv", Select: SelectPerVU, Columns: []string{"name", "password"}, Rows: [][]string{{"alice", "pw1"}, {"bob, jr", "pw2"}}},
			{Name: "items", File: "data/items.json", Select: SelectRandom, Columns: []string{"id", "label", "ok", "x"}, Rows: [][]string{{"1", "a", "true", ""}, {"2.5", "b", "false", "y"}}},
			{Name: "bom", File: "bom.csv", Select: SelectUnique, Columns: []string{"k"}, Rows: [][]string{{"v"}}},
		}
		return p
	},
}, {
	name: "several flows, their switches, topology and thresholds",
	yaml: `name: shop
base_url: http://h
topology: web
flows:
  - name: visitor
    weight: 3
    browser_cache: true
    steps: [{name: home, request: {url: /}}]
  - name: buyer
    cookies: true
    clear_cookies: true
    steps:
      - {name: login, request: {method: POST, url: /login}}
      - {name: cart, steps: [{name: add, request: {url: /add}}]}
  - name: api
    cookies: false
    steps: [{name: login, request: {url: "https://api.test/login"}}]
thresholds:
  - "p(99) < 200ms"
  - {expr: " p(95) <= 100ms ", step: login, abort: true}
  - {expr: "rps > 5", step: buyer/add}
  - {expr: "error_rate != 1"}
`,
	want: func() Plan {
		p := flowPlan([]Flow{
			{Name: "visitor", Weight: 3, Cookies: true, BrowserCache: true, Steps: []Step{{Name: "home", Request: get("/")}}},
			{Name: "buyer", Weight: 1, Cookies: true, ClearCookies: true, Steps: []Step{
				{Name: "login", Request: &StepRequest{Method: "POST", URL: lit("/login")}},
				{Name: "cart", Group: &Group{Repeat: 1, Steps: []Step{{Name: "add", Request: get("/add")}}}},
			}},
			{Name: "api", Weight: 1, Cookies: false, Steps: []Step{{Name: "login", Request: get("https://api.test/login")}}},
		})
		p.Name, p.Topology = "shop", "web"
		p.Thresholds = []Threshold{
			{Expr: "p(99) < 200ms", Line: 19, Col: 5},
			{Expr: "p(95) <= 100ms", Step: "login", Abort: true, Line: 20, Col: 12},
			{Expr: "rps > 5", Step: "buyer/add", Line: 21, Col: 12},
			{Expr: "error_rate != 1", Line: 22, Col: 12},
		}
		return p
	},
}, {
	name: "thresholds also judge a scenario of requests",
	yaml: "base_url: http://h\nrequests: [{path: /}]\nthresholds: [\"p(50) < 1s\"]\ntopology: static\n",
	want: func() Plan {
		return Plan{Name: "f", Source: "dir/f.yaml", BaseURL: "http://h", Topology: "static",
			Requests:   []Request{{Method: "GET", URL: "http://h/"}},
			Thresholds: []Threshold{{Expr: "p(50) < 1s", Line: 3, Col: 14}},
			Load:       closedDefaults, Client: defaultClient}
	},
}}

func flowOverrides() Overrides {
	return Overrides{ReadFile: files(testFiles), Getenv: environ(testEnv)}
}

func TestLoadFlowsValid(t *testing.T) {
	for _, tt := range goodFlowFiles {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFile("dir/f.yaml", []byte(tt.yaml), flowOverrides())
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			want := tt.want()
			assertPlan(t, got, &want)
			checkPlan(t, got)
		})
	}
}

// --header adds to every step, replacing a header of the same name;
// --url replaces base_url; the load flags work as with requests.
func TestFlowOverrides(t *testing.T) {
	const file = flowHead + `      - {name: a, request: {url: /a, headers: {accept: x/y, X-Keep: "${vu}"}}}
      - {name: g, steps: [{name: b, request: {url: /b}}]}
`
	o := flowOverrides()
	o.Headers = []Header{{"Accept", "text/plain"}, {"X-New", "${not-a-template}"}}
	o.URL = ptr("http://other:1")
	o.Rate = ptr(5.0)
	got, err := LoadFile("f.yaml", []byte(file), o)
	if err != nil {
		t.Fatal(err)
	}
	want := []TemplateHeader{{"X-Keep", tmpl("${vu}", "$vu")}, {"Accept", lit("text/plain")}, {"X-New", lit("${not-a-template}")}}
	a := got.Flows[0].Steps[0].Request
	b := got.Flows[0].Steps[1].Group.Steps[0].Request
	for _, r := range []*StepRequest{a, b} {
		hs := r.Headers
		if r == b {
			want = want[1:]
		}
		if !slices.EqualFunc(hs, want, func(x, y TemplateHeader) bool {
			return x.Name == y.Name && x.Value.Raw == y.Value.Raw && slices.Equal(x.Value.Parts, y.Value.Parts)
		}) {
			t.Errorf("headers = %+v, want %+v", hs, want)
		}
	}
	if got.BaseURL != "http://other:1" || got.Load.Executor != ConstantArrivalRate || got.Load.Rate != 5 {
		t.Errorf("base %q, load %+v", got.BaseURL, got.Load)
	}

	// --method and --body would turn every step into one request.
	o = flowOverrides()
	o.Method, o.Body, o.Headers = ptr("PUT"), ptr("x"), []Header{{"Bad Name", "v"}}
	_, err = LoadFile("f.yaml", []byte(file), o)
	assertProblems(t, err, "f.yaml",
		want0("--method: the scenario has flows"),
		want0("--body: the scenario has flows"),
		want0(`--header: invalid header name "Bad Name"`))
}

// want0 is a flag problem.
func want0(frag string) want { return want{0, 0, frag} }

// A relative data file is read next to the scenario file; an absolute one
// as it is. Nothing is read without a reader, except in built-ins.
func TestDataFilePaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "u.csv"), []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "u.csv")
	for _, file := range []string{"u.csv", filepath.ToSlash(abs)} {
		yaml := flowHead + "      - {name: s, request: {url: \"/${data.u.a}\"}}\ndata: [{name: u, file: '" + file + "'}]\n"
		p, err := LoadFile(filepath.Join(dir, "s.yaml"), []byte(yaml), Overrides{ReadFile: os.ReadFile})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !slices.Equal(p.Data[0].Rows[0], []string{"1"}) {
			t.Errorf("%s: rows %v", file, p.Data[0].Rows)
		}
	}
}
