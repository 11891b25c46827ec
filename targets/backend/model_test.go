package backend

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

// wantErrors checks that errs has one error per entry of want, each
// containing its words.
func wantErrors(t *testing.T, what string, errs []error, want []string) {
	t.Helper()
	if len(errs) != len(want) {
		t.Errorf("%s: %d errors %v; want %d: %q", what, len(errs), errs, len(want), want)
		return
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("%s: error %d is %q; want it to contain %q", what, i, errs[i], w)
		}
	}
}

func TestWorkModelValidate(t *testing.T) {
	tests := []struct {
		name  string
		model WorkModel
		bad   []string
	}{
		{"zero", WorkModel{}, nil},
		{"full", WorkModel{
			Service: LognormalDist(time.Millisecond, time.Second), CPU: MaxCPU, Size: MaxSize, Status: 201,
			Inject: []Injection{{P: 0.5, Status: 503}, {P: 0.5, Drop: DropReset}}, Close: 1,
		}, nil},
		{"zero probability", WorkModel{Inject: []Injection{{P: 0, Drop: DropClose}}}, nil},
		{"service", WorkModel{Service: UniformDist(2, 1)}, []string{"service: min"}},
		{"cpu", WorkModel{CPU: MaxCPU + 1}, []string{"cpu"}},
		{"negative cpu", WorkModel{CPU: -1}, []string{"cpu -1ns"}},
		{"size", WorkModel{Size: -1}, []string{"size -1"}},
		{"status", WorkModel{Status: 199}, []string{"status 199"}},
		{"inject p", WorkModel{Inject: []Injection{{P: 1.5, Status: 503}}}, []string{"inject[0].p 1.5"}},
		{"inject NaN", WorkModel{Inject: []Injection{{P: math.NaN(), Status: 503}}}, []string{"inject[0].p NaN"}},
		{"inject both", WorkModel{Inject: []Injection{{P: 0.1, Status: 503, Drop: DropReset}}}, []string{"inject[0]: give status or drop, not both"}},
		{"inject neither", WorkModel{Inject: []Injection{{P: 0.1}}}, []string{"inject[0]: give status"}},
		{"inject drop", WorkModel{Inject: []Injection{{P: 0.1, Drop: "explode"}}}, []string{`inject[0].drop "explode"`}},
		{"inject status", WorkModel{Inject: []Injection{{P: 0.1, Status: 100}}}, []string{"inject[0].status 100"}},
		{"inject sum", WorkModel{Inject: []Injection{{P: 0.6, Status: 503}, {P: 0.6, Status: 500}}}, []string{"add up to 1.2"}},
		{"close", WorkModel{Close: -0.1}, []string{"close -0.1"}},
		{"all at once", WorkModel{Service: ConstantDist(-1), CPU: -1, Size: -1, Status: 1, Close: 2},
			[]string{"service: value", "cpu", "size", "status", "close"}},
	}
	for _, tt := range tests {
		wantErrors(t, tt.name, tt.model.Validate(), tt.bad)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		bad  []string
	}{
		{"zero", Config{}, nil},
		{"full", Config{ID: "api-1", Kind: SingleThreaded, Addr: "127.0.0.1:0", Workers: 1, AdminAddr: ":0",
			Endpoints: map[string]WorkModel{"/": {}, "/work": {}, "/api/x": {Size: 1}}, IdleTimeout: time.Second}, nil},
		{"kind", Config{Kind: "forking"}, []string{`kind "forking"`}},
		{"workers", Config{Workers: -1}, []string{"workers -1"}},
		{"single workers", Config{Kind: SingleThreaded, Workers: 4}, []string{"single-threaded backend has one worker"}},
		{"id", Config{ID: "b1\r\nX: y"}, []string{"id"}},
		{"addr", Config{Addr: "nonsense"}, []string{`address "nonsense"`}},
		{"admin addr", Config{AdminAddr: "nonsense"}, []string{`admin address "nonsense"`}},
		{"idle", Config{IdleTimeout: -1}, []string{"idle timeout"}},
		{"endpoints", Config{Endpoints: map[string]WorkModel{
			"api": {}, "/__stampede/x": {}, "/healthz": {}, "/self": {}, "/ok": {Size: -1},
		}}, []string{"/__stampede/x", "/healthz", "/ok: size -1", "/self", `"api"`}},
		{"default", Config{Default: WorkModel{Status: 7}}, []string{"default: status 7"}},
	}
	for _, tt := range tests {
		wantErrors(t, tt.name, tt.cfg.Validate(), tt.bad)
	}
}

// TestWorkModelYAML checks the field names of a model as written in a file.
func TestWorkModelYAML(t *testing.T) {
	const doc = `
service: {dist: lognormal, p50: 20ms, p99: 250ms}
cpu: 2ms
size: 2048
status: 201
inject:
  - {p: 0.01, status: 503}
  - {p: 0.005, drop: reset}
close: 0.001
`
	var m WorkModel
	if err := yaml.Load([]byte(doc), &m, yaml.WithKnownFields()); err != nil {
		t.Fatal(err)
	}
	want := WorkModel{
		Service: LognormalDist(20*time.Millisecond, 250*time.Millisecond),
		CPU:     2 * time.Millisecond, Size: 2048, Status: 201,
		Inject: []Injection{{P: 0.01, Status: 503}, {P: 0.005, Drop: DropReset}},
		Close:  0.001,
	}
	if m.Service != want.Service || m.CPU != want.CPU || m.Size != want.Size || m.Status != want.Status ||
		len(m.Inject) != 2 || m.Inject[0] != want.Inject[0] || m.Inject[1] != want.Inject[1] || m.Close != want.Close {
		t.Errorf("decoded %+v; want %+v", m, want)
	}
	if errs := m.Validate(); errs != nil {
		t.Errorf("Validate: %v", errs)
	}
	if err := yaml.Load([]byte("service: {dist: uniform, minimum: 1ms}"), &m, yaml.WithKnownFields()); err == nil {
		t.Errorf("a misspelt field decoded without error")
	}
}

// TestPlanDrawRates checks that injected faults and closes fire at their
// probabilities, over many draws: each count must be within 4.5 standard
// deviations of its expectation (a false alarm in about 1 run in 150,000).
func TestPlanDrawRates(t *testing.T) {
	p, err := newPlan(WorkModel{
		Inject: []Injection{{P: 0.01, Status: 503}, {P: 0.005, Drop: DropReset}, {P: 0.02, Drop: DropClose}},
		Close:  0.1,
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	r := rand.New(rand.NewPCG(5, 5))
	var got503, resets, closesNoAnswer, closes int
	for range n {
		d := p.draw(r)
		switch d.fault {
		case fault{status: 503}:
			got503++
		case fault{drop: DropReset}:
			resets++
		case fault{drop: DropClose}:
			closesNoAnswer++
		case fault{}:
		default:
			t.Fatalf("unexpected fault %+v", d.fault)
		}
		if d.close {
			closes++
		}
		if d.spec.Status != 200 {
			t.Fatalf("draw changed the model's status to %d; faults are applied by the endpoint", d.spec.Status)
		}
	}
	checkRate(t, "503", got503, n, 0.01)
	checkRate(t, "reset", resets, n, 0.005)
	checkRate(t, "close without answer", closesNoAnswer, n, 0.02)
	checkRate(t, "close after response", closes, n, 0.1)
}

// checkRate checks that got of n trials is within 4.5 binomial standard
// deviations of n·p.
func checkRate(t *testing.T, what string, got, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	sd := math.Sqrt(float64(n) * p * (1 - p))
	if math.Abs(float64(got)-mean) > 4.5*sd {
		t.Errorf("%s: %d of %d; want about %.0f (±%.0f)", what, got, n, mean, 4.5*sd)
	}
}

// FuzzWorkModelYAML checks that no model decoded from a file makes
// Validate, newPlan or a draw panic, and that a valid model draws within its
// limits.
func FuzzWorkModelYAML(f *testing.F) {
	for _, s := range []string{
		"", "service: {dist: lognormal, p50: 20ms, p99: 250ms}", "cpu: 1ms\nsize: 10\nstatus: 503",
		"inject: [{p: 0.5, status: 503}, {p: 0.5, drop: reset}]\nclose: 1",
		"service: {dist: uniform, min: 1ms, max: 1ms}", "service: {dist: exponential, mean: 59s}",
		"inject: [{p: .nan, status: 503}]", "service: {dist: lognormal, p50: 1ns, p99: 60s}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var m WorkModel
		if yaml.Load([]byte(doc), &m) != nil {
			return
		}
		if m.Validate() != nil {
			if _, err := newPlan(m); err == nil {
				t.Fatalf("newPlan accepted %+v, which Validate refuses", m)
			}
			return
		}
		p, err := newPlan(m)
		if err != nil {
			t.Fatalf("newPlan refused %+v, which Validate accepts: %v", m, err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			d := p.draw(r)
			if d.spec.Sleep < 0 || d.spec.Sleep > MaxSleep || d.spec.Validate() != nil || d.spec.Status == 0 {
				t.Fatalf("%+v drew %+v", m, d.spec)
			}
		}
	})
}
