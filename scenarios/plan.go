// Package scenarios owns the scenario format: it parses and validates
// scenario files and flags into a Plan, fills in defaults, and holds the
// built-in scenario library. It knows nothing about sockets.
package scenarios

import (
	"time"
)

// Executor names, as k6 users know them. The model follows from the name:
// the two *-vus executors are closed (a VU sends its next request when the
// previous one returned), the two *-arrival-rate executors are open (requests
// start on a schedule whatever the responses do).
const (
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
)

// Defaults applied when neither the file nor the flags say otherwise.
const (
	DefaultVUs        = 10
	DefaultDuration   = 10 * time.Second
	DefaultGrace      = 5 * time.Second
	DefaultTimeout    = 10 * time.Second
	DefaultMaxBacklog = 10 * time.Second
	DefaultMethod     = "GET"
)

// Plan is a validated scenario, ready for the engine. Every field has been
// checked and defaulted; the engine trusts it.
type Plan struct {
	// Name of the scenario, for summaries and results.
	Name string `json:"name"`
	// Source says where the plan came from: a file name, "flags" or
	// "builtin:NAME".
	Source string `json:"source"`
	// BaseURL is the URL request paths are resolved against.
	BaseURL string `json:"base_url"`
	// Requests are sent in turn: iteration (closed) or arrival (open) number
	// i sends Requests[i % len(Requests)]. Never empty.
	Requests []Request `json:"requests"`
	Load     Load      `json:"load"`
	Client   Client    `json:"client"`

	// Flows, when present, replace Requests: each iteration runs one flow
	// (picked by weight) step by step. See flow.go.
	Flows []Flow `json:"flows,omitempty"`
	// Data are the feeders, loaded and checked at load time.
	Data []Data `json:"data,omitempty"`
	// Thresholds are the budgets the run is judged on.
	Thresholds []Threshold `json:"thresholds,omitempty"`
	// Vars are the file's constants and the environment values it uses
	// (${env.NAME}), resolved at load time.
	Vars map[string]string `json:"vars,omitempty"`
	// Topology names the bundled topology a library scenario runs against
	// (stampede run NAME starts it).
	Topology string `json:"topology,omitempty"`
}

// Request is one HTTP request of a scenario.
type Request struct {
	Name   string `json:"name,omitempty"`
	Method string `json:"method"`
	// URL is absolute: BaseURL joined with the request's path.
	URL     string   `json:"url"`
	Headers []Header `json:"headers,omitempty"`
	Body    string   `json:"body,omitempty"`
}

// Header is one request header; order is kept as written.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Load is the load model of a plan.
type Load struct {
	// Executor is one of the four executor constants.
	Executor string `json:"executor"`
	// VUs is the constant number of VUs (constant-vus), the starting number
	// of VUs (ramping-vus), or the pre-allocated VUs of the open model.
	VUs int `json:"vus"`
	// MaxVUs caps the VU pool of the open model (>= VUs). Equal to VUs in the
	// closed model.
	MaxVUs int `json:"max_vus"`
	// Rate is the arrival rate per second of constant-arrival-rate, and the
	// starting rate of ramping-arrival-rate.
	Rate float64 `json:"rate,omitempty"`
	// Duration of the constant executors; for the ramping ones the sum of
	// the stage durations.
	Duration time.Duration `json:"duration"`
	// Stages of the ramping executors: each moves linearly from the previous
	// target (or the start value) to its own Target over its Duration.
	Stages []Stage `json:"stages,omitempty"`
	// Grace is how long requests in flight may finish after Duration before
	// they are cancelled.
	Grace time.Duration `json:"grace"`
	// MaxBacklog bounds, in the open model, how late an arrival may start
	// because no VU was free; a later one is counted as dropped.
	MaxBacklog time.Duration `json:"max_backlog,omitempty"`
}

// Stage is one segment of a ramp: reach Target (requests/s or VUs) linearly
// over Duration.
type Stage struct {
	Duration time.Duration `json:"duration"`
	Target   float64       `json:"target"`
}

// Client holds the protocol-client settings of a plan.
type Client struct {
	// Connections is the number of keep-alive connections shared by the VUs;
	// 0 means one per VU.
	Connections int `json:"connections"`
	// KeepAlive false opens a new connection for every request (HTTP/1.0
	// style) and sends Connection: close.
	KeepAlive bool `json:"keep_alive"`
	// Timeout bounds each request, from send to the last byte.
	Timeout time.Duration `json:"timeout"`
	// Insecure skips TLS certificate verification.
	Insecure bool `json:"insecure,omitempty"`
}

// Open reports whether the plan uses the open (arrival-rate) model.
func (l Load) Open() bool {
	return l.Executor == ConstantArrivalRate || l.Executor == RampingArrivalRate
}

// Total is the time during which new requests start (Duration, or the sum
// of the stages).
func (l Load) Total() time.Duration {
	if len(l.Stages) == 0 {
		return l.Duration
	}
	var d time.Duration
	for _, s := range l.Stages {
		d += s.Duration
	}
	return d
}
