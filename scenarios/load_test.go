package scenarios

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// closedDefaults is the load of a file that says nothing about load.
var closedDefaults = Load{Executor: ConstantVUs, VUs: DefaultVUs, MaxVUs: DefaultVUs, Duration: DefaultDuration, Grace: DefaultGrace}

var defaultClient = Client{KeepAlive: true, Timeout: DefaultTimeout}

// goodFiles are valid files with the plans they must produce. FuzzLoad
// starts from them too.
var goodFiles = []struct {
	name string
	file string
	yaml string
	want Plan
}{{
	name: "minimal file gets every default",
	file: "dir/minimal.yaml",
	yaml: "base_url: http://127.0.0.1:8080\nrequests:\n  - path: /\n",
	want: Plan{
		Name: "minimal", Source: "dir/minimal.yaml", BaseURL: "http://127.0.0.1:8080",
		Requests: []Request{{Method: "GET", URL: "http://127.0.0.1:8080/"}},
		Load:     closedDefaults,
		Client:   defaultClient,
	},
}, {
	name: "everything written out, closed model",
	file: "full.yml",
	yaml: `name: demo
base_url: https://example.test:8443/api/
requests:
  - name: search
    method: POST
    path: v1/search?q=x&n=2
    headers:
      Zeta: "1"
      Accept: text/plain
      Middle: m
    body: '{"a":1}'
  - name: abs
    method: PURGE
    path: http://other.test/cache
load:
  executor: constant-vus
  vus: 50
  duration: 1m30s
  grace: 0s
client:
  connections: 8
  keep_alive: false
  timeout: 2s
  insecure: true
`,
	want: Plan{
		Name: "demo", Source: "full.yml", BaseURL: "https://example.test:8443/api/",
		Requests: []Request{
			{Name: "search", Method: "POST", URL: "https://example.test:8443/api/v1/search?q=x&n=2",
				Headers: []Header{{"Zeta", "1"}, {"Accept", "text/plain"}, {"Middle", "m"}}, Body: `{"a":1}`},
			{Name: "abs", Method: "PURGE", URL: "http://other.test/cache"},
		},
		Load:   Load{Executor: ConstantVUs, VUs: 50, MaxVUs: 50, Duration: 90 * time.Second, Grace: 0},
		Client: Client{Connections: 8, KeepAlive: false, Timeout: 2 * time.Second, Insecure: true},
	},
}, {
	name: "path query is kept, base path is replaced by an absolute path",
	file: "q.yaml",
	yaml: "base_url: http://h:1/base/\nrequests:\n  - path: /work?sleep=5ms&size=10\n  - path: rel?a=1\n",
	want: Plan{
		Name: "q", Source: "q.yaml", BaseURL: "http://h:1/base/",
		Requests: []Request{
			{Method: "GET", URL: "http://h:1/work?sleep=5ms&size=10"},
			{Method: "GET", URL: "http://h:1/base/rel?a=1"},
		},
		Load: closedDefaults, Client: defaultClient,
	},
}, {
	name: "absolute paths need no base_url",
	file: "abs.yaml",
	yaml: "requests:\n  - path: https://a.test/x?y=1\n",
	want: Plan{
		Name: "abs", Source: "abs.yaml",
		Requests: []Request{{Method: "GET", URL: "https://a.test/x?y=1"}},
		Load:     closedDefaults, Client: defaultClient,
	},
}, {
	name: "rate infers constant-arrival-rate with open-model defaults",
	file: "open.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload: {rate: 1_000, duration: 5s}\n",
	want: Plan{
		Name: "open", Source: "open.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: ConstantArrivalRate, Rate: 1000, VUs: 10, MaxVUs: 1000, Duration: 5 * time.Second,
			Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
		Client: defaultClient,
	},
}, {
	name: "rate and stages infer ramping-arrival-rate starting at rate",
	file: "ramp.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload:\n  rate: 10\n  stages:\n    - {duration: 10s, target: 20000}\n    - {duration: 5s, target: 0}\n  max_backlog: 1s\n",
	want: Plan{
		Name: "ramp", Source: "ramp.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: RampingArrivalRate, Rate: 10, VUs: 100, MaxVUs: 1000, Duration: 15 * time.Second,
			Stages: []Stage{{10 * time.Second, 20000}, {5 * time.Second, 0}}, Grace: DefaultGrace, MaxBacklog: time.Second},
		Client: defaultClient,
	},
}, {
	name: "stages alone infer ramping-arrival-rate, start sets the start rate",
	file: "s.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload:\n  start: 50\n  stages: [{duration: 1s, target: 150}]\n  max_vus: 5\n",
	want: Plan{
		Name: "s", Source: "s.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: RampingArrivalRate, Rate: 50, VUs: 2, MaxVUs: 5, Duration: time.Second,
			Stages: []Stage{{time.Second, 150}}, Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
		Client: defaultClient,
	},
}, {
	name: "stages with vus infer ramping-vus; MaxVUs is the peak",
	file: "v.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload:\n  vus: 5\n  stages: [{duration: 1s, target: 40}, {duration: 2s, target: 1e1}]\n",
	want: Plan{
		Name: "v", Source: "v.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: RampingVUs, VUs: 5, MaxVUs: 40, Duration: 3 * time.Second,
			Stages: []Stage{{time.Second, 40}, {2 * time.Second, 10}}, Grace: DefaultGrace},
		Client: defaultClient,
	},
}, {
	name: "explicit ramping-vus with start",
	file: "rv.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload:\n  executor: ramping-vus\n  start: 3\n  stages: [{duration: 1s, target: 2}]\n",
	want: Plan{
		Name: "rv", Source: "rv.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: RampingVUs, VUs: 3, MaxVUs: 3, Duration: time.Second,
			Stages: []Stage{{time.Second, 2}}, Grace: DefaultGrace},
		Client: defaultClient,
	},
}, {
	name: "open model: vus beyond the default pool raise max_vus",
	file: "o.yaml",
	yaml: "requests: [{path: 'http://h/'}]\nload: {executor: constant-arrival-rate, rate: 0.5, vus: 2000}\n",
	want: Plan{
		Name: "o", Source: "o.yaml",
		Requests: []Request{{Method: "GET", URL: "http://h/"}},
		Load: Load{Executor: ConstantArrivalRate, Rate: 0.5, VUs: 2000, MaxVUs: 2000, Duration: DefaultDuration,
			Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
		Client: defaultClient,
	},
}, {
	name: "merge keys share request settings, written keys win",
	file: "m.yaml",
	yaml: `base_url: http://h
requests:
  - &common
    method: POST
    path: /a
    headers: &hdrs
      A: "1"
      B: "2"
  - <<: *common
    path: /b
    headers:
      <<: *hdrs
      B: "3"
      C: "4"
`,
	want: Plan{
		Name: "m", Source: "m.yaml", BaseURL: "http://h",
		Requests: []Request{
			{Method: "POST", URL: "http://h/a", Headers: []Header{{"A", "1"}, {"B", "2"}}},
			{Method: "POST", URL: "http://h/b", Headers: []Header{{"A", "1"}, {"B", "3"}, {"C", "4"}}},
		},
		Load: closedDefaults, Client: defaultClient,
	},
}}

func TestLoadFileValid(t *testing.T) {
	for _, tt := range goodFiles {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadFile(tt.file, []byte(tt.yaml), Overrides{})
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			assertPlan(t, got, &tt.want)
		})
	}
}

// assertPlan compares plans and shows both as JSON when they differ.
func assertPlan(t *testing.T, got, want *Plan) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Errorf("plan differs\ngot:  %s\nwant: %s", g, w)
	// Template parts and data rows are not in the JSON.
	if !reflect.DeepEqual(got.Flows, want.Flows) {
		t.Errorf("flows differ\ngot:  %+v\nwant: %+v", got.Flows, want.Flows)
	}
	if !reflect.DeepEqual(got.Thresholds, want.Thresholds) {
		t.Errorf("thresholds differ\ngot:  %+v\nwant: %+v", got.Thresholds, want.Thresholds)
	}
	if !reflect.DeepEqual(got.Data, want.Data) {
		t.Errorf("data differ\ngot:  %+v\nwant: %+v", got.Data, want.Data)
	}
}

// The name defaults to the file name without directory and extension.
func TestDefaultName(t *testing.T) {
	for in, want := range map[string]string{
		"a/b/c.yaml":      "c",
		"c.test.yml":      "c.test",
		"noext":           "noext",
		"":                "scenario",
		"builtin:default": "default",
	} {
		if got := defaultName(in); got != want {
			t.Errorf("defaultName(%q) = %q, want %q", in, got, want)
		}
	}
}
