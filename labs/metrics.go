package labs

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/reports"
)

// format is how a metric is shown.
type format int

const (
	fmtCount   format = iota // 1234
	fmtRate                  // 245 (req/s)
	fmtMillis                // 41.2ms
	fmtPercent               // 12.5%
	fmtRatio                 // 0.97
	fmtSeconds               // 1.25s
)

type metricDef struct {
	title string
	fmt   format
	doc   string
}

// catalogue lists what a variant's run measures, for
// columns and readings. Values that do not apply to a variant (no cache,
// no balancer) are NaN and show as "-".
var catalogue = map[string]metricDef{
	"requests":           {"requests", fmtCount, "requests finished"},
	"rps":                {"rps", fmtRate, "requests finished per second"},
	"offered":            {"offered", fmtRate, "arrival rate asked of the open model (at its peak for a ramp)"},
	"p50":                {"p50", fmtMillis, "median latency, from the intended start"},
	"p90":                {"p90", fmtMillis, "90th percentile latency"},
	"p99":                {"p99", fmtMillis, "99th percentile latency"},
	"max":                {"max", fmtMillis, "slowest request"},
	"service_p50":        {"service p50", fmtMillis, "median service time, from the actual send"},
	"errors":             {"errors", fmtCount, "failed requests (no answer, or status >= 400)"},
	"error_rate":         {"error rate", fmtPercent, "errors / requests"},
	"dropped":            {"dropped", fmtCount, "arrivals that found no VU in time (open model)"},
	"interrupted":        {"interrupted", fmtCount, "requests cut off at the end of the grace period"},
	"connections":        {"client conns", fmtCount, "connections the client opened"},
	"conns_per_request":  {"conns/req", fmtRatio, "client connections per request"},
	"connect_p50":        {"connect p50", fmtMillis, "median time to open a connection"},
	"backend_requests":   {"backend reqs", fmtCount, "requests the backends served, all instances"},
	"server_connections": {"server conns", fmtCount, "connections the backends accepted"},
	"origin_requests":    {"origin reqs", fmtCount, "requests a cache sent to its origin"},
	"hit_ratio":          {"hit ratio", fmtPercent, "cache hits / requests the cache answered"},
	"coalesced":          {"coalesced", fmtCount, "requests that waited for another's origin fetch"},
	"retries":            {"lb retries", fmtCount, "requests the entry balancer sent to a second backend"},
	"no_backend":         {"no backend", fmtCount, "requests the entry balancer turned away: none available"},
	"transport_errors":   {"lb conn errors", fmtCount, "refused, reset or broken backend connections at the entry balancer"},
	"shares":             {"shares", fmtCount, "each backend's share of the entry balancer's requests (connections in L4 mode), in order"},
	"max_share":          {"max share", fmtPercent, "the busiest backend's share"},
	"min_share":          {"min share", fmtPercent, "the idlest backend's share"},
	"logins":             {"logins", fmtCount, "successful logins at the auth pieces"},
	"login_failures":     {"login failures", fmtCount, "logins refused by the auth pieces"},
	"unauthenticated":    {"401s", fmtCount, "requests the auth pieces refused (no or unknown session, bad token)"},
	"action_at_s":        {"acted at", fmtSeconds, "when the variant's first action happened, from the start"},
	"errors_after":       {"errors after", fmtCount, "errors finished after the variant's first action"},
	"last_error_s":       {"last error", fmtSeconds, "from the first action to the end of the last interval with errors"},
	"outage_s":           {"outage", fmtSeconds, "time in intervals where at least half the requests failed"},
	"over_slo_s":         {"over SLO", fmtSeconds, "time in intervals whose p99 exceeded the lab's slo"},
	"peak_p99":           {"peak p99", fmtMillis, "the highest p99 of any interval"},
	"capacity":           {"capacity", fmtRate, "highest arrival rate within the budget (--capacity)"},
}

// stepFields are the per-step metrics: step.NAME.FIELD.
var stepFields = map[string]metricDef{
	"requests":   {"requests", fmtCount, ""},
	"errors":     {"errors", fmtCount, ""},
	"error_rate": {"error rate", fmtPercent, ""},
	"p50":        {"p50", fmtMillis, ""},
	"p99":        {"p99", fmtMillis, ""},
}

// lookup returns the definition of a metric name: a catalogue entry,
// share.ID, or step.NAME.FIELD.
func lookup(name string) (metricDef, bool) {
	if d, ok := catalogue[name]; ok {
		return d, true
	}
	if id, ok := strings.CutPrefix(name, "share."); ok && id != "" {
		return metricDef{"share " + id, fmtPercent, ""}, true
	}
	if rest, ok := strings.CutPrefix(name, "step."); ok {
		if i := strings.LastIndexByte(rest, '.'); i > 0 {
			if d, ok := stepFields[rest[i+1:]]; ok {
				d.title = rest[:i] + " " + d.title
				return d, true
			}
		}
	}
	return metricDef{}, false
}

func checkMetric(name string) error {
	if _, ok := lookup(name); !ok {
		names := make([]string, 0, len(catalogue))
		for n := range catalogue {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("metric %q: expected one of %s, share.ID or step.NAME.FIELD", name, strings.Join(names, ", "))
	}
	return nil
}

func metricTitle(name string) string {
	d, _ := lookup(name)
	return d.title
}

// formatMetric shows a value as its metric is shown.
func formatMetric(name string, v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	d, _ := lookup(name)
	switch d.fmt {
	case fmtRate:
		if v < 10 {
			return fmt.Sprintf("%.1f", v)
		}
		return fmt.Sprintf("%.0f", v)
	case fmtMillis:
		return ms(v)
	case fmtPercent:
		return pct(v)
	case fmtRatio:
		return num(v)
	case fmtSeconds:
		return fmt.Sprintf("%.2fs", v)
	}
	return fmt.Sprintf("%.0f", v)
}

// measure computes a variant's metrics from its run and its targets.
func measure(lab *Lab, res *engine.Result, r *reports.Results, st TargetStats) (map[string]float64, map[string]string) {
	nan := math.NaN()
	s := r.Summary
	v := map[string]float64{
		"requests": float64(s.Requests), "rps": s.RPS, "p50": s.LatencyMS.P50, "p90": s.LatencyMS.P90,
		"p99": s.LatencyMS.P99, "max": s.LatencyMS.Max, "service_p50": s.ServiceMS.P50,
		"errors": float64(s.Errors), "error_rate": s.ErrorRate, "dropped": float64(s.Dropped),
		"interrupted": float64(s.Interrupted), "connections": float64(s.Connections),
		"conns_per_request": ratio(float64(s.Connections), float64(s.Requests)),
		"connect_p50":       s.PhasesMS["connect"].P50, "offered": offered(r),
	}
	text := map[string]string{}
	for _, name := range []string{"backend_requests", "server_connections", "origin_requests", "hit_ratio", "coalesced",
		"retries", "no_backend", "transport_errors", "max_share", "min_share", "logins", "login_failures",
		"unauthenticated", "action_at_s", "errors_after", "last_error_s", "outage_s", "over_slo_s", "peak_p99", "capacity"} {
		v[name] = nan
	}
	if len(st.Backends) > 0 {
		var reqs, conns float64
		for _, b := range st.Backends {
			reqs += float64(b.Requests)
			conns += float64(b.Connections)
		}
		v["backend_requests"], v["server_connections"] = reqs, conns
	}
	if len(st.Caches) > 0 {
		var origin, hits, answered, coalesced float64
		for _, c := range st.Caches {
			origin += float64(c.OriginRequests)
			hits += float64(c.Hits)
			answered += float64(c.Hits + c.Misses + c.Stale)
			coalesced += float64(c.Coalesced)
		}
		v["origin_requests"], v["hit_ratio"], v["coalesced"] = origin, ratio(hits, answered), coalesced
	}
	if len(st.Balancers) > 0 {
		b := st.Balancers[0]
		v["retries"], v["no_backend"] = float64(b.Retries), float64(b.NoBackend)
		var total, errs float64
		for _, t := range b.Backends {
			total += float64(t.Requests)
			errs += float64(t.Errors)
		}
		v["transport_errors"] = errs
		var shares []string
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, t := range b.Backends {
			sh := ratio(float64(t.Requests), total)
			v["share."+t.ID] = sh
			shares = append(shares, fmt.Sprintf("%.0f", 100*sh))
			lo, hi = math.Min(lo, sh), math.Max(hi, sh)
		}
		v["min_share"], v["max_share"] = lo, hi
		text["shares"] = strings.Join(shares, "/") + "%"
	}
	if len(st.Auth) > 0 {
		var logins, fails, unauth float64
		for _, a := range st.Auth {
			logins += float64(a.Logins)
			fails += float64(a.LoginFailures)
			for _, n := range a.Unauthenticated {
				unauth += float64(n)
			}
		}
		v["logins"], v["login_failures"], v["unauthenticated"] = logins, fails, unauth
	}
	for _, step := range r.Steps {
		key := "step." + step.Step + "."
		if _, dup := v[key+"requests"]; dup {
			continue
		}
		v[key+"requests"], v[key+"errors"], v[key+"error_rate"] = float64(step.Requests), float64(step.Errors), step.ErrorRate
		v[key+"p50"], v[key+"p99"] = step.LatencyMS.P50, step.LatencyMS.P99
	}
	timeline(lab, res, r, v)
	return v, text
}

// timeline computes the metrics that follow the run interval by interval.
func timeline(lab *Lab, res *engine.Result, r *reports.Results, v map[string]float64) {
	first, acted := firstAction(res.Events)
	var after, outage, over, peak, last float64
	last = -1
	for _, iv := range r.Intervals {
		end := time.Duration(iv.OffsetS * float64(time.Second))
		if iv.Requests > 0 && 2*iv.Errors >= iv.Requests {
			outage += iv.DurationS
		}
		if lab.SLO > 0 && iv.LatencyMS.P99 > float64(lab.SLO)/float64(time.Millisecond) {
			over += iv.DurationS
		}
		peak = math.Max(peak, iv.LatencyMS.P99)
		if acted && end > first && iv.Errors > 0 {
			after += float64(iv.Errors)
			last = (end - first).Seconds()
		}
	}
	v["outage_s"], v["peak_p99"] = outage, peak
	if lab.SLO > 0 {
		v["over_slo_s"] = over
	}
	if acted {
		v["action_at_s"], v["errors_after"], v["last_error_s"] = first.Seconds(), after, math.Max(last, 0)
	}
}

// firstAction is when the run's first lab action happened.
func firstAction(events []engine.Event) (time.Duration, bool) {
	for _, e := range events {
		if isVerb(e.Kind) {
			return e.At, true
		}
	}
	return 0, false
}

func isVerb(kind string) bool {
	switch kind {
	case VerbKill, VerbRestart, VerbHang, VerbUnhang, VerbSlow, VerbErrorRate, VerbWorkers,
		VerbDrain, VerbUndrain, VerbRollingRestart, VerbScaleOut:
		return true
	}
	return false
}

// offered is the plan's arrival rate: the constant rate, or the highest
// stage target of a ramp; 0 in the closed model.
func offered(r *reports.Results) float64 {
	l := r.Plan.Load
	if !l.Open() {
		return 0
	}
	top := l.Rate
	for _, s := range l.Stages {
		top = math.Max(top, s.Target)
	}
	return top
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ms shows milliseconds with three significant digits.
func ms(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.2fms", v)
}

// pct shows a ratio as a percentage.
func pct(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v == 0:
		return "0%"
	case v < 0.001:
		return fmt.Sprintf("%.2f%%", 100*v)
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}
