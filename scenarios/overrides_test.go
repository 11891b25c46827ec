package scenarios

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// Files the override tests start from.
const (
	closedFile = "base_url: http://file.test\nrequests:\n  - path: /a?x=1\n    headers: {Accept: text/plain, X-Id: f}\n  - path: /b\nload:\n  vus: 50\n  duration: 30s\n"
	openFile   = "base_url: http://file.test\nrequests: [{path: /}]\nload:\n  rate: 100\n  duration: 30s\n"
	rampFile   = "base_url: http://file.test\nrequests: [{path: /}]\nload:\n  start: 10\n  stages: [{duration: 5s, target: 200}]\n"
	rampVUFile = "base_url: http://file.test\nrequests: [{path: /}]\nload:\n  executor: ramping-vus\n  start: 2\n  stages: [{duration: 5s, target: 20}]\n"
	bareFile   = "base_url: http://file.test\nrequests: [{path: /}]\n"
)

func TestOverrides(t *testing.T) {
	stages := []Stage{{2 * time.Second, 40}, {3 * time.Second, 10}}
	tests := []struct {
		name  string
		file  string
		o     Overrides
		check func(t *testing.T, p *Plan)
	}{{
		name: "--url replaces base_url",
		file: closedFile,
		o:    Overrides{URL: ptr("https://flag.test:9/")},
		check: func(t *testing.T, p *Plan) {
			eq(t, "BaseURL", p.BaseURL, "https://flag.test:9/")
			eq(t, "URL 0", p.Requests[0].URL, "https://flag.test:9/a?x=1")
			eq(t, "URL 1", p.Requests[1].URL, "https://flag.test:9/b")
		},
	}, {
		name: "--rate turns a closed file into constant-arrival-rate; vus are pre-allocated",
		file: closedFile,
		o:    Overrides{Rate: ptr(500.0)},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: ConstantArrivalRate, Rate: 500, VUs: 50, MaxVUs: 1000,
				Duration: 30 * time.Second, Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog})
		},
	}, {
		name: "--rate with --stages on a closed file: ramping-arrival-rate from the rate",
		file: closedFile,
		o:    Overrides{Rate: ptr(5.0), Stages: stages},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: RampingArrivalRate, Rate: 5, VUs: 50, MaxVUs: 1000,
				Duration: 5 * time.Second, Stages: stages, Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog})
		},
	}, {
		name: "--rate on a ramping-arrival-rate file replaces its start",
		file: rampFile,
		o:    Overrides{Rate: ptr(300.0)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, RampingArrivalRate)
			eq(t, "Rate", p.Load.Rate, 300.0)
			eq(t, "VUs", p.Load.VUs, 3)
		},
	}, {
		name: "--vus on a closed file sets the VUs",
		file: closedFile,
		o:    Overrides{VUs: ptr(7)},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: ConstantVUs, VUs: 7, MaxVUs: 7, Duration: 30 * time.Second, Grace: DefaultGrace})
		},
	}, {
		name: "--vus on an open file sets the pre-allocated VUs and keeps the model",
		file: openFile,
		o:    Overrides{VUs: ptr(7)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, ConstantArrivalRate)
			eq(t, "VUs", p.Load.VUs, 7)
			eq(t, "Rate", p.Load.Rate, 100.0)
		},
	}, {
		name: "--vus on a file whose stages imply the open model keeps it open",
		file: rampFile,
		o:    Overrides{VUs: ptr(7)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, RampingArrivalRate)
			eq(t, "VUs", p.Load.VUs, 7)
			eq(t, "Rate", p.Load.Rate, 10.0)
		},
	}, {
		name: "--vus on a ramping-vus file sets the start",
		file: rampVUFile,
		o:    Overrides{VUs: ptr(30)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, RampingVUs)
			eq(t, "VUs", p.Load.VUs, 30)
			eq(t, "MaxVUs", p.Load.MaxVUs, 30)
		},
	}, {
		name: "--stages replace the stages of a ramping-vus file; targets stay VUs",
		file: rampVUFile,
		o:    Overrides{Stages: stages},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: RampingVUs, VUs: 2, MaxVUs: 40, Duration: 5 * time.Second, Stages: stages, Grace: DefaultGrace})
		},
	}, {
		name: "--stages on a constant open file: ramping-arrival-rate, the file's duration gives way",
		file: openFile,
		o:    Overrides{Stages: stages},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: RampingArrivalRate, Rate: 100, VUs: 1, MaxVUs: 1000,
				Duration: 5 * time.Second, Stages: stages, Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog})
		},
	}, {
		name: "--stages on a closed file: ramping-vus starting from the file's vus",
		file: closedFile,
		o:    Overrides{Stages: stages},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: RampingVUs, VUs: 50, MaxVUs: 50, Duration: 5 * time.Second, Stages: stages, Grace: DefaultGrace})
		},
	}, {
		name: "--stages alone on a file without load: ramping-arrival-rate",
		file: bareFile,
		o:    Overrides{Stages: stages},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, RampingArrivalRate)
		},
	}, {
		name: "--stages with --vus on a file without load: ramping-vus",
		file: bareFile,
		o:    Overrides{Stages: stages, VUs: ptr(1)},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: RampingVUs, VUs: 1, MaxVUs: 40, Duration: 5 * time.Second, Stages: stages, Grace: DefaultGrace})
		},
	}, {
		name: "--vus on a file without load: constant-vus",
		file: bareFile,
		o:    Overrides{VUs: ptr(3)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Executor", p.Load.Executor, ConstantVUs)
			eq(t, "VUs", p.Load.VUs, 3)
		},
	}, {
		name: "an empty (non-nil) Stages slice means --stages was not given",
		file: closedFile,
		o:    Overrides{Stages: []Stage{}, Headers: []Header{}},
		check: func(t *testing.T, p *Plan) {
			eqLoad(t, p.Load, Load{Executor: ConstantVUs, VUs: 50, MaxVUs: 50, Duration: 30 * time.Second, Grace: DefaultGrace})
			eq(t, "headers", len(p.Requests[0].Headers), 2)
		},
	}, {
		name: "--duration replaces the duration",
		file: closedFile,
		o:    Overrides{Duration: ptr(time.Minute)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "Duration", p.Load.Duration, time.Minute)
		},
	}, {
		name: "client and grace flags",
		file: openFile,
		o: Overrides{MaxVUs: ptr(9), Connections: ptr(4), Grace: ptr(time.Second), MaxBacklog: ptr(2 * time.Second),
			Timeout: ptr(3 * time.Second), KeepAlive: ptr(false), Insecure: ptr(true)},
		check: func(t *testing.T, p *Plan) {
			eq(t, "MaxVUs", p.Load.MaxVUs, 9)
			eq(t, "Grace", p.Load.Grace, time.Second)
			eq(t, "MaxBacklog", p.Load.MaxBacklog, 2*time.Second)
			eq(t, "Client", p.Client, Client{Connections: 4, KeepAlive: false, Timeout: 3 * time.Second, Insecure: true})
		},
	}, {
		name: "--header replaces same-name headers (any case) and adds new ones; --method and --body apply to all",
		file: closedFile,
		o:    Overrides{Headers: []Header{{"accept", "application/json"}, {"X-New", "n"}}, Method: ptr("PUT"), Body: ptr("b")},
		check: func(t *testing.T, p *Plan) {
			eqReq(t, p.Requests[0], Request{Method: "PUT", URL: "http://file.test/a?x=1", Body: "b",
				Headers: []Header{{"X-Id", "f"}, {"accept", "application/json"}, {"X-New", "n"}}})
			eqReq(t, p.Requests[1], Request{Method: "PUT", URL: "http://file.test/b", Body: "b",
				Headers: []Header{{"accept", "application/json"}, {"X-New", "n"}}})
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadFile("f.yaml", []byte(tt.file), tt.o)
			if err != nil {
				t.Fatalf("LoadFile: %v", err)
			}
			tt.check(t, p)
		})
	}
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		o     Overrides
		wants []want
	}{
		{"bad --url", closedFile, Overrides{URL: ptr("file.test")}, []want{{0, 0, "--url: expected an absolute http or https URL"}}},
		{"--rate not positive", closedFile, Overrides{Rate: ptr(-5.0)}, []want{{0, 0, "--rate: must be > 0, got -5"}}},
		{"--rate too large", closedFile, Overrides{Rate: ptr(1e9)}, []want{{0, 0, "--rate: must be at most 10000000"}}},
		{"--vus zero", closedFile, Overrides{VUs: ptr(0)}, []want{{0, 0, "--vus: must be >= 1, got 0"}}},
		{"--max-vus in the closed model", closedFile, Overrides{MaxVUs: ptr(5)}, []want{{0, 0, "--max-vus: not used by constant-vus"}}},
		{"--max-vus below --vus", openFile, Overrides{MaxVUs: ptr(5), VUs: ptr(6)}, []want{{0, 0, "--max-vus: must be >= vus (6), got 5"}}},
		{"--connections negative", closedFile, Overrides{Connections: ptr(-1)}, []want{{0, 0, "--connections: must be >= 0, got -1"}}},
		{"--timeout zero", closedFile, Overrides{Timeout: ptr(time.Duration(0))}, []want{{0, 0, "--timeout: must be > 0, got 0s"}}},
		{"--grace negative", closedFile, Overrides{Grace: ptr(-time.Second)}, []want{{0, 0, "--grace: must be >= 0, got -1s"}}},
		{"--max-backlog zero", openFile, Overrides{MaxBacklog: ptr(time.Duration(0))}, []want{{0, 0, "--max-backlog: must be > 0"}}},
		{"--duration too long", closedFile, Overrides{Duration: ptr(48 * time.Hour)}, []want{{0, 0, "--duration: must be at most 24h"}}},
		{"--duration with the file's stages", rampFile, Overrides{Duration: ptr(time.Second)}, []want{{0, 0, "--duration: not used by ramping-arrival-rate"}}},
		{"--duration with --stages", closedFile, Overrides{Duration: ptr(time.Second), Stages: []Stage{{time.Second, 1}}}, []want{{0, 0, "--duration: not used by ramping-vus (chosen by --stages): the stages set the duration"}}},
		{"--rate on a file ramping VUs", rampVUFile, Overrides{Rate: ptr(10.0)}, []want{{0, 0, "--rate: the scenario's stages are VU targets"}}},
		{"--stages VU target not whole", closedFile, Overrides{Stages: []Stage{{time.Second, 1}, {time.Second, 2.5}}}, []want{{0, 0, "--stages: item 2 target: ramping-vus targets are VUs and must be whole numbers, got 2.5"}}},
		{"--stages over 24h", closedFile, Overrides{Stages: []Stage{{20 * time.Hour, 1}, {20 * time.Hour, 1}}}, []want{{0, 0, "--stages: the stages add up to more than 24h"}}},
		{"--header bad name", closedFile, Overrides{Headers: []Header{{"a b", "x"}}}, []want{{0, 0, `--header: invalid header name "a b"`}}},
		{"--header value with CR", closedFile, Overrides{Headers: []Header{{"A", "x\r\ny"}}}, []want{{0, 0, `--header: header "A": the value has a control character`}}},
		{"--method not a token", closedFile, Overrides{Method: ptr("GE T")}, []want{{0, 0, `--method: "GE T" is not a valid method`}}},
		{
			"flag problems come first, then the file's",
			"base_url: http://h\nrequests: [{path: /}]\nload:\n  executor: turbo\n",
			Overrides{Rate: ptr(0.0)},
			[]want{{0, 0, "--rate: must be > 0, got 0"}, {4, 13, `unknown executor "turbo"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFile("f.yaml", []byte(tt.file), tt.o)
			assertProblems(t, err, "f.yaml", tt.wants...)
		})
	}
}

func TestFromFlags(t *testing.T) {
	stages := []Stage{{time.Second, 10}, {time.Second, 0}}
	target := "http://127.0.0.1:8080/work?sleep=5ms&size=10"
	req := []Request{{Method: "GET", URL: target}}
	tests := []struct {
		name string
		o    Overrides
		want Plan
	}{{
		name: "URL alone: constant-vus with every default",
		o:    Overrides{URL: &target},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load: closedDefaults, Client: defaultClient},
	}, {
		name: "--rate: constant-arrival-rate",
		o:    Overrides{URL: &target, Rate: ptr(250.0), Duration: ptr(time.Minute)},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load: Load{Executor: ConstantArrivalRate, Rate: 250, VUs: 3, MaxVUs: 1000, Duration: time.Minute,
				Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
			Client: defaultClient},
	}, {
		name: "--vus: constant-vus",
		o:    Overrides{URL: &target, VUs: ptr(4)},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load: Load{Executor: ConstantVUs, VUs: 4, MaxVUs: 4, Duration: DefaultDuration, Grace: DefaultGrace}, Client: defaultClient},
	}, {
		name: "--stages alone: ramping-arrival-rate from 0",
		o:    Overrides{URL: &target, Stages: stages},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load: Load{Executor: RampingArrivalRate, VUs: 1, MaxVUs: 1000, Duration: 2 * time.Second, Stages: stages,
				Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
			Client: defaultClient},
	}, {
		name: "--stages with --vus: ramping-vus",
		o:    Overrides{URL: &target, Stages: stages, VUs: ptr(2)},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load:   Load{Executor: RampingVUs, VUs: 2, MaxVUs: 10, Duration: 2 * time.Second, Stages: stages, Grace: DefaultGrace},
			Client: defaultClient},
	}, {
		name: "--rate with --stages: ramping-arrival-rate from the rate",
		o:    Overrides{URL: &target, Stages: stages, Rate: ptr(1.0)},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "http://127.0.0.1:8080", Requests: req,
			Load: Load{Executor: RampingArrivalRate, Rate: 1, VUs: 1, MaxVUs: 1000, Duration: 2 * time.Second, Stages: stages,
				Grace: DefaultGrace, MaxBacklog: DefaultMaxBacklog},
			Client: defaultClient},
	}, {
		name: "method, headers and body",
		o:    Overrides{URL: ptr("https://u:p@h.test"), Method: ptr("POST"), Body: ptr("{}"), Headers: []Header{{"B", "1"}, {"A", "2"}}},
		want: Plan{Name: "flags", Source: "flags", BaseURL: "https://u:p@h.test",
			Requests: []Request{{Method: "POST", URL: "https://u:p@h.test", Body: "{}", Headers: []Header{{"B", "1"}, {"A", "2"}}}},
			Load:     closedDefaults, Client: defaultClient},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromFlags(tt.o)
			if err != nil {
				t.Fatalf("FromFlags: %v", err)
			}
			assertPlan(t, p, &tt.want)
		})
	}
}

func TestFromFlagsErrors(t *testing.T) {
	u := ptr("http://127.0.0.1:8080/")
	tests := []struct {
		name  string
		o     Overrides
		wants []want
	}{
		{"no URL", Overrides{}, []want{{0, 0, "--url: required without a scenario file: give the target as an absolute http or https URL with a host"}}},
		{"URL without scheme", Overrides{URL: ptr("localhost:8080/x")}, []want{{0, 0, "--url: expected an absolute http or https URL like http://127.0.0.1:8080, got \"localhost:8080/x\" (no scheme: add http://)"}}},
		{"URL with another scheme", Overrides{URL: ptr("ftp://h/")}, []want{{0, 0, `--url: expected an absolute http or https URL like http://127.0.0.1:8080, got "ftp://h/" (scheme "ftp" is not supported)`}}},
		{"URL without host", Overrides{URL: ptr("http:///x")}, []want{{0, 0, "(no host)"}}},
		{"relative URL", Overrides{URL: ptr("/x")}, []want{{0, 0, "(no scheme"}}},
		{"every bad flag at once", Overrides{URL: u, Rate: ptr(-5.0), VUs: ptr(-1), Timeout: ptr(-time.Second)}, []want{
			{0, 0, "--rate: must be > 0, got -5"},
			{0, 0, "--vus: must be >= 1, got -1"},
			{0, 0, "--timeout: must be > 0, got -1s"},
		}},
		{"--max-vus without --rate", Overrides{URL: u, MaxVUs: ptr(10)}, []want{{0, 0, "--max-vus: not used by constant-vus"}}},
		{"--duration with --stages", Overrides{URL: u, Duration: ptr(time.Second), Stages: []Stage{{time.Second, 5}}}, []want{{0, 0, "--duration: not used by ramping-arrival-rate (chosen by --stages)"}}},
		{"--stages all zero", Overrides{URL: u, Stages: []Stage{{time.Second, 0}}}, []want{{0, 0, "--stages: the start rate and every stage target are 0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromFlags(tt.o)
			if p != nil {
				t.Error("got a plan with an error")
			}
			assertProblems(t, err, "", tt.wants...)
		})
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

func eqReq(t *testing.T, got, want Request) {
	t.Helper()
	assertPlan(t, &Plan{Requests: []Request{got}}, &Plan{Requests: []Request{want}})
}

func eqLoad(t *testing.T, got, want Load) {
	t.Helper()
	assertPlan(t, &Plan{Load: got}, &Plan{Load: want})
}
