package backend

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// WorkModel is the simulated work of one endpoint, as written in a topology
// file:
//
//	service: {dist: lognormal, p50: 20ms, p99: 250ms}
//	cpu: 2ms
//	size: 2048
//	inject:
//	  - {p: 0.01, status: 503}
//	  - {p: 0.005, drop: reset}
//	close: 0.001
//
// Each request burns CPU for CPU, then waits a service time drawn from
// Service (plus any Slow fault), then answers Status with Size bytes, unless
// an injection fires. The zero WorkModel answers 200 at once, empty.
type WorkModel struct {
	// Service is the distribution of the wait, standing for I/O such as a
	// database call: it holds a worker but no CPU.
	Service Dist `yaml:"service,omitempty"`
	// CPU is a busy loop run before the wait, 0 to MaxCPU, to make CPU the
	// bottleneck: on a machine with n cores, at most n requests burn at
	// once, whatever the workers.
	CPU time.Duration `yaml:"cpu,omitempty"`
	// Size is the response body in bytes, 0 to MaxSize.
	Size int `yaml:"size,omitempty"`
	// Status is the response status, 200 to 599; 0 means 200.
	Status int `yaml:"status,omitempty"`
	// Inject lists faults and their probabilities, which add up to at most
	// 1; at most one fires per request.
	Inject []Injection `yaml:"inject,omitempty"`
	// Close is the probability, 0 to 1, of closing the connection after the
	// response (Connection: close), so that clients must dial again.
	Close float64 `yaml:"close,omitempty"`
}

// DropMode is how an injected fault ends a connection without an answer.
type DropMode string

// The ways to drop a connection.
const (
	// DropReset aborts the connection (TCP RST): the client sees
	// "connection reset by peer".
	DropReset DropMode = "reset"
	// DropClose closes the connection cleanly (FIN) without answering: the
	// client sees EOF where a response should be.
	DropClose DropMode = "close"
)

// Injection is one fault that a request meets with probability P: either
// an answer with Status instead of the model's, or a connection dropped
// without an answer. Either way the request first takes its service time,
// as a server that fails after working would.
type Injection struct {
	P      float64  `yaml:"p"`
	Status int      `yaml:"status,omitempty"`
	Drop   DropMode `yaml:"drop,omitempty"`
}

// Validate reports every problem with m, each naming the field as written
// in a file, or nil.
func (m WorkModel) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, err := range m.Service.Validate() {
		errs = append(errs, fmt.Errorf("service: %w", err))
	}
	if m.CPU < 0 || m.CPU > MaxCPU {
		bad("cpu %v: want 0 to %v", m.CPU, MaxCPU)
	}
	if m.Size < 0 || m.Size > MaxSize {
		bad("size %d: want 0 to %d bytes", m.Size, MaxSize)
	}
	if !validStatus(m.Status) {
		bad("status %d: want %d to %d (or 0 for 200)", m.Status, minStatus, maxStatus)
	}
	sum := 0.0
	for i, in := range m.Inject {
		if !isProbability(in.P) {
			bad("inject[%d].p %v: want a probability from 0 to 1", i, in.P)
		} else {
			sum += in.P
		}
		switch {
		case in.Status != 0 && in.Drop != "":
			bad("inject[%d]: give status or drop, not both", i)
		case in.Status == 0 && in.Drop == "":
			bad("inject[%d]: give status (such as 503) or drop (reset or close)", i)
		case in.Drop != "" && in.Drop != DropReset && in.Drop != DropClose:
			bad("inject[%d].drop %q: want reset or close", i, string(in.Drop))
		case !validStatus(in.Status):
			bad("inject[%d].status %d: want %d to %d", i, in.Status, minStatus, maxStatus)
		}
	}
	if sum > 1+1e-9 {
		bad("inject: probabilities add up to %v, more than 1", sum)
	}
	if !isProbability(m.Close) {
		bad("close %v: want a probability from 0 to 1", m.Close)
	}
	return errs
}

func validStatus(s int) bool { return s == 0 || (s >= minStatus && s <= maxStatus) }

func isProbability(p float64) bool { return p >= 0 && p <= 1 } // false for NaN

// plan is a validated WorkModel made ready to draw from, once at Start.
type plan struct {
	service sampler
	cpu     time.Duration
	spec    WorkSpec // Size and Status, with defaults; Sleep unused
	cl      []string // Content-Length of spec.Size
	inject  []injection
	closeP  float64
}

// injection is an Injection with its cumulative probability, so that one
// uniform draw picks at most one fault.
type injection struct {
	upTo float64
	fault
}

// fault is an injected outcome: an answer with status, or a dropped
// connection. The zero fault is none.
type fault struct {
	status int
	drop   DropMode
}

// newPlan returns the plan of m, or every problem with m.
func newPlan(m WorkModel) (*plan, error) {
	if errs := m.Validate(); errs != nil {
		return nil, errors.Join(errs...)
	}
	p := &plan{
		service: m.Service.sampler(),
		cpu:     m.CPU,
		spec:    WorkSpec{Size: m.Size, Status: m.Status}.withDefaults(),
		cl:      contentLength(m.Size),
		closeP:  m.Close,
	}
	sum := 0.0
	for _, in := range m.Inject {
		if in.P == 0 {
			continue
		}
		sum += in.P
		p.inject = append(p.inject, injection{upTo: math.Min(sum, 1), fault: fault{status: in.Status, drop: in.Drop}})
	}
	return p, nil
}

// draw is what a plan drew for one request.
type draw struct {
	spec  WorkSpec // the model's answer, with a drawn service time
	cpu   time.Duration
	fault fault // the injected fault, if one fired
	close bool  // close the connection after the response
}

// draw draws one request's work using r.
func (p *plan) draw(r *rand.Rand) draw {
	d := draw{spec: p.spec, cpu: p.cpu}
	d.spec.Sleep = p.service.sample(r)
	if len(p.inject) > 0 {
		u := r.Float64()
		for _, in := range p.inject {
			if u < in.upTo {
				d.fault = in.fault
				break
			}
		}
	}
	d.close = p.closeP > 0 && r.Float64() < p.closeP
	return d
}
