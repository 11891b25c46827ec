package labs

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/topology"
)

// TestMain fails the package if a goroutine outlives the tests: every
// variant's servers, balancer, clients and actions must be gone when Run
// returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// slots bounds how many labs run at once. The lab tests run in parallel
// (go test's -parallel, GOMAXPROCS by default: 2 on the CI machine) to
// keep the package's time down; on a bigger machine this keeps them from
// all measuring latencies at once.
var slots = make(chan struct{}, 3)

// runLab runs a library lab with every variant's load cut to d, logs its
// table and reading, and returns it.
func runLab(t *testing.T, name string, d time.Duration) *Outcome {
	t.Helper()
	slots <- struct{}{}
	defer func() { <-slots }()
	lab, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	out, err := Run(ctx, lab, Options{Duration: d, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteTable(&b, out); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %v\n%s\n%s", name, time.Since(start).Round(time.Millisecond), b.String(), Wrap(out.Reading, 100))
	if out.Reading == "" {
		t.Error("no reading")
	}
	if strings.Contains(out.Reading, "{{") || strings.Contains(out.Reading, "<no value>") {
		t.Errorf("reading not rendered: %s", out.Reading)
	}
	for _, v := range out.Variants {
		for _, n := range v.Notes {
			t.Errorf("%s: note: %s", v.Name, n)
		}
	}
	return out
}

// m returns a variant's metric, failing the test when the variant does
// not exist or lacks it.
func m(t *testing.T, out *Outcome, variant, metric string) float64 {
	t.Helper()
	for _, v := range out.Variants {
		if v.Name == variant {
			x := v.M(metric)
			if math.IsNaN(x) {
				t.Fatalf("%s: no %s", variant, metric)
			}
			return x
		}
	}
	t.Fatalf("no variant %q", variant)
	return 0
}

// within checks that got is within frac of want.
func within(t *testing.T, what string, got, want, frac float64) {
	t.Helper()
	if math.Abs(got-want) > frac*want {
		t.Errorf("%s = %.1f, want %.1f ± %.0f%%", what, got, want, 100*frac)
	}
}

// Single-threaded throughput is at most 1 / service time (20 ms: 50/s),
// while the concurrent backend serves all that is offered; a /self call
// deadlocks the single-threaded one only.
func TestLabConcurrency(t *testing.T) {
	t.Parallel()
	out := runLab(t, "concurrency", 2*time.Second)
	single, conc := m(t, out, "single-threaded", "rps"), m(t, out, "concurrent", "rps")
	if single > 50*1.05 {
		t.Errorf("single-threaded served %.1f req/s, above 1/20ms = 50", single)
	}
	if offered := m(t, out, "concurrent", "offered"); conc < 0.9*offered {
		t.Errorf("concurrent served %.1f req/s of %.0f offered", conc, offered)
	}
	if conc < 1.4*single {
		t.Errorf("concurrent %.1f req/s is not clearly above single-threaded %.1f", conc, single)
	}
	if e := m(t, out, "single-threaded /self", "error_rate"); e < 0.99 {
		t.Errorf("single-threaded /self error rate %.2f: every call should time out", e)
	}
	if e := m(t, out, "concurrent /self", "errors"); e != 0 {
		t.Errorf("concurrent /self: %v errors", e)
	}
}

// K worker slots of service time S serve K/S (within 20%) when more is
// offered.
func TestLabScaleUp(t *testing.T) {
	t.Parallel()
	out := runLab(t, "scale-up", 2*time.Second)
	for _, k := range []int{1, 2, 4, 8} {
		name := map[int]string{1: "1 worker", 2: "2 workers", 4: "4 workers", 8: "8 workers"}[k]
		within(t, name+" rps", m(t, out, name, "rps"), float64(k)/0.040, 0.2)
	}
}

// N single-slot backends of service time S behind the balancer reach N/S
// (within 20%), evenly spread.
func TestLabScaleOut(t *testing.T) {
	t.Parallel()
	out := runLab(t, "scale-out", 2*time.Second)
	for _, n := range []int{1, 2, 4, 8} {
		name := map[int]string{1: "1 backend", 2: "2 backends", 4: "4 backends", 8: "8 backends"}[n]
		within(t, name+" rps", m(t, out, name, "rps"), float64(n)/0.040, 0.2)
		if lo, hi := m(t, out, name, "min_share"), m(t, out, name, "max_share"); hi-lo > 0.05 {
			t.Errorf("%s: shares from %.2f to %.2f, want round-robin's even spread", name, lo, hi)
		}
	}
}

// Killing one of four backends costs the scaled-out service errors that
// stop within two health-check intervals (500 ms); killing the one
// instance of the scaled-up service is an outage until it comes back.
func TestLabScaleUpVsOut(t *testing.T) {
	t.Parallel()
	out := runLab(t, "scale-up-vs-out", 4*time.Second) // kill at 1.33 s, restart at 2.67 s
	const up, scaled = "scale up (1 × 4 slots)", "scale out (4 × 1 slot)"
	const interval, resolution = 500 * time.Millisecond, 250 * time.Millisecond
	if last := m(t, out, scaled, "last_error_s"); last > (2*interval + resolution).Seconds() {
		t.Errorf("scale-out errors went on %.2fs after the kill, want within two health-check intervals", last)
	}
	if e := m(t, out, scaled, "errors_after"); e > 20 {
		t.Errorf("scale-out lost %v requests", e)
	}
	if o := m(t, out, up, "outage_s"); o < 0.8*(4.0/6)*2 {
		t.Errorf("scale-up outage %.2fs, want about the 1.33 s the instance was down", o)
	}
	if m(t, out, up, "errors_after") < 5*m(t, out, scaled, "errors_after") {
		t.Error("scaling up should cost far more errors than scaling out")
	}
}

// At a 90% hit ratio the cache cuts origin requests by at least 85% and
// brings the median below the origin's service time; without coalescing
// an expiring entry sends more requests to the origin.
func TestLabCaching(t *testing.T) {
	t.Parallel()
	out := runLab(t, "caching", 2*time.Second)
	alone, long := m(t, out, "origin alone", "backend_requests"), m(t, out, "cache, TTL 10s", "backend_requests")
	if cut := 1 - long/alone; cut < 0.85 {
		t.Errorf("a cache with a 10 s TTL cut origin requests by %.1f%% (%v of %v), want at least 85%%", 100*cut, long, alone)
	}
	if h := m(t, out, "cache, TTL 10s", "hit_ratio"); h < 0.85 || h > 0.91 {
		t.Errorf("hit ratio %.3f, want about 0.9", h)
	}
	if p50 := m(t, out, "cache, TTL 10s", "p50"); p50 >= 50 {
		t.Errorf("p50 behind the cache %.1fms, want below the origin's 50 ms", p50)
	}
	if p50 := m(t, out, "origin alone", "p50"); p50 < 50 {
		t.Errorf("origin alone p50 %.1fms, below its service time", p50)
	}
	co, no := m(t, out, "cache, TTL 200ms", "backend_requests"), m(t, out, "cache, TTL 200ms, no coalescing", "backend_requests")
	if no < 1.3*co {
		t.Errorf("without coalescing the origin got %v requests, with it %v: want clearly more without", no, co)
	}
	if m(t, out, "cache, TTL 200ms", "coalesced") == 0 {
		t.Error("no request was coalesced")
	}
}

// Load-aware policies send the slow backend less than its quarter;
// ip-hash with one client address sends everything to one backend.
func TestLabBalancing(t *testing.T) {
	t.Parallel()
	out := runLab(t, "balancing", 1500*time.Millisecond)
	within(t, "round-robin slow share", m(t, out, "round-robin", "share.app-1"), 0.25, 0.05)
	for _, p := range []string{"weighted 1:4:4:4", "least-conn", "p2c", "least-time"} {
		if s := m(t, out, p, "share.app-1"); s > 0.15 {
			t.Errorf("%s sent the slow backend %.1f%%, want well under 25%%", p, 100*s)
		}
	}
	if s := m(t, out, "ip-hash, one client", "max_share"); s != 1 {
		t.Errorf("ip-hash with one client address sent %.1f%% to its busiest backend, want 100%%", 100*s)
	}
	if s := m(t, out, "ip-hash, a client per VU", "max_share"); s == 1 {
		t.Error("ip-hash with an address per VU used one backend")
	}
	for _, v := range out.Variants {
		if v.M("errors") > 0 {
			t.Errorf("%s: %v errors", v.Name, v.M("errors"))
		}
	}
}

// Sessions kept by each server are lost behind round-robin; ip-hash, a
// shared store and JWT lose none.
func TestLabSessions(t *testing.T) {
	t.Parallel()
	out := runLab(t, "sessions", 2*time.Second)
	if lost := m(t, out, "own sessions, round-robin", "step.me.error_rate"); lost < 0.3 {
		t.Errorf("own sessions behind round-robin lost %.1f%% of logins, want most", 100*lost)
	}
	for _, v := range []string{"own sessions, ip-hash", "shared store, round-robin", "JWT, round-robin"} {
		if lost := m(t, out, v, "step.me.errors"); lost != 0 {
			t.Errorf("%s lost %v logins, want none", v, lost)
		}
		if n := m(t, out, v, "step.me.requests"); n < 50 {
			t.Errorf("%s: only %v /me requests", v, n)
		}
	}
}

// Without keep-alive every request opens a connection; with it, a handful
// serve them all: fewer connects by about the request count.
func TestLabKeepalive(t *testing.T) {
	t.Parallel()
	out := runLab(t, "keepalive", 1500*time.Millisecond)
	const off, on = "new connection per request", "keep-alive"
	reqs := m(t, out, off, "requests")
	if c := m(t, out, off, "connections"); c < 0.99*reqs {
		t.Errorf("without keep-alive: %v connections for %v requests", c, reqs)
	}
	if c := m(t, out, off, "server_connections"); c < 0.99*reqs {
		t.Errorf("without keep-alive the backend accepted %v connections for %v requests", c, reqs)
	}
	saved := m(t, out, off, "connections") - m(t, out, on, "connections")
	if saved < 0.95*m(t, out, on, "requests") {
		t.Errorf("keep-alive saved %v connects over %v requests", saved, m(t, out, on, "requests"))
	}
}

// An autoscaler that adds backends when p99 passes the SLO shortens the
// time over it, against a fixed fleet.
func TestLabFlashCrowd(t *testing.T) {
	t.Parallel()
	out := runLab(t, "flash-crowd", 6*time.Second)
	const fixed, auto = "fixed fleet (2 backends)", "autoscaled (+4 after 1s cold start)"
	if at := m(t, out, auto, "action_at_s"); at > 4 {
		t.Errorf("the autoscaler acted at %.2fs, want soon after the spike at 1.2-1.8 s", at)
	}
	if a, f := m(t, out, auto, "over_slo_s"), m(t, out, fixed, "over_slo_s"); a >= f {
		t.Errorf("autoscaled fleet %.1fs over the SLO, fixed %.1fs", a, f)
	}
	if a, f := m(t, out, auto, "p99"), m(t, out, fixed, "p99"); a >= f {
		t.Errorf("autoscaled p99 %.0fms, fixed %.0fms", a, f)
	}
	for _, v := range out.Variants {
		want := map[string]int{fixed: 2, auto: 6}[v.Name]
		if got := len(v.Targets.Backends); got != want {
			t.Errorf("%s: %d backends at the end, want %d", v.Name, got, want)
		}
	}
}

// With active checks every 500 ms (two failures to take a backend out),
// errors stop within two intervals; passive checks cut them shorter; a
// drained rolling restart fails nothing.
func TestLabHealthChecks(t *testing.T) {
	t.Parallel()
	out := runLab(t, "health-checks", 4*time.Second) // kill at 1.14 s, restart at 2.86 s
	if e := m(t, out, "rolling restart, drained", "errors"); e != 0 {
		t.Errorf("rolling restart with draining: %v errors", e)
	}
	// Two intervals of 500 ms, the 250 ms steps errors are counted in, and
	// as much again for timers on a busy machine.
	if last := m(t, out, "active only", "last_error_s"); last > 2*0.5+0.25+0.25 {
		t.Errorf("active checks: errors went on %.2fs after the kill, want within two 500 ms intervals", last)
	}
	if m(t, out, "active only", "errors_after") == 0 {
		t.Error("active checks only: a killed backend cost no POST; were the orders retried?")
	}
	if b, a := m(t, out, "active and passive", "errors_after"), m(t, out, "active only", "errors_after"); b > a {
		t.Errorf("active and passive lost %v, more than active only (%v)", b, a)
	}
}

func TestUnavailableLab(t *testing.T) {
	lab, err := Builtin("protocols")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), lab, Options{}); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}

// The capacity search finds K/S of a backend with K slots of service
// time S (4 slots, 40 ms: 100 req/s) within 10%.
func TestCapacityOfBundledBackend(t *testing.T) {
	t.Parallel()
	spec, err := topology.Builtin("concurrent")
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Apply(topology.Overrides{Workers: 4, Sleep: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sys, err := topology.Start(context.Background(), spec, topology.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	u := sys.Entry.URL + "/work"
	plan, err := scenarios.FromFlags(scenarios.Overrides{URL: &u})
	if err != nil {
		t.Fatal(err)
	}
	budget, err := reports.ParseThreshold("p(99) < 100ms")
	if err != nil {
		t.Fatal(err)
	}
	var steps int
	slots <- struct{}{}
	defer func() { <-slots }()
	res, err := Capacity(context.Background(), plan, CapacityOptions{
		Budget: []reports.Threshold{budget}, StepDuration: 1500 * time.Millisecond, StartRate: 30,
		OnStep: func(CapacityStep) { steps++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCurve(&b, res, DefaultMaxRate); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
	within(t, "capacity", res.Capacity, 4/0.040, 0.1)
	if steps != len(res.Steps) || res.Limit <= res.Capacity {
		t.Errorf("%d steps reported of %d; limit %v, capacity %v", steps, len(res.Steps), res.Limit, res.Capacity)
	}
	if !strings.HasPrefix(lastLine(b.String()), "capacity: ") {
		t.Errorf("last line %q", lastLine(b.String()))
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
