package scenarios

import (
	"math"
	"strings"
	"time"
)

// Sanity limits. They are far beyond what one machine can do, and exist to
// catch typos (an extra zero or a missing unit) before a run starts.
const (
	// LimitRate caps arrival rates, in requests per second.
	LimitRate = 10_000_000
	// LimitVUs caps VU counts and connections.
	LimitVUs = 1_000_000
	// LimitDuration caps every duration, and the sum of the stages.
	LimitDuration = 24 * time.Hour
)

// Open-model VU defaults. Pre-allocated VUs cover the peak rate at a
// 10 ms response time (peak/100, kept within 1..100): enough for a fast
// local target without allocating thousands of VUs for nothing. The pool
// may then grow to openMaxVUs (or to vus, if more were asked for), so that
// a slow target shows up as latency rather than as dropped arrivals until
// it is very slow.
const (
	openVUsPerRate  = 100 // req/s one pre-allocated VU is assumed to sustain
	openMaxPrealloc = 100
	openMaxVUs      = 1000
)

// model is the load model an executor belongs to.
type model int

const (
	unknownModel model = iota
	closedModel        // VUs loop: a new request when the last one returned
	openModel          // arrivals on a schedule, whatever the responses do
)

var executorNames = []string{ConstantVUs, RampingVUs, ConstantArrivalRate, RampingArrivalRate}

func modelOf(executor string) model {
	switch executor {
	case ConstantVUs, RampingVUs:
		return closedModel
	case ConstantArrivalRate, RampingArrivalRate:
		return openModel
	}
	return unknownModel
}

func isRamping(executor string) bool {
	return executor == RampingVUs || executor == RampingArrivalRate
}

// executorFor is the executor of model m: ramping when there are stages.
func executorFor(m model, ramping bool) string {
	switch {
	case m == openModel && ramping:
		return RampingArrivalRate
	case m == openModel:
		return ConstantArrivalRate
	case ramping:
		return RampingVUs
	}
	return ConstantVUs
}

// fileModel is the model a load section asks for, and whether it asks at
// all (a section with none of executor, rate, stages or vus leaves the
// choice to the flags).
func (l *loadSpec) fileModel() (m model, decided bool) {
	switch {
	case l.executor.set:
		return modelOf(l.executor.v), true
	case l.executor.bad:
		return unknownModel, true
	case l.rate.given():
		return openModel, true
	case l.stages.given() && l.vus.given():
		return closedModel, true
	case l.stages.given():
		return openModel, true
	case l.vus.given():
		return closedModel, true
	}
	return closedModel, false
}

// resolve returns the executor in force and, for messages, how it was
// chosen; "" when the executor written was not one of the four.
func (l *loadSpec) resolve() (executor, why string) {
	switch {
	case l.executor.set && l.why != "":
		return l.executor.v, l.why
	case l.executor.set:
		return l.executor.v, ""
	case l.executor.bad:
		return "", ""
	}
	return l.infer()
}

// checkExecutor reports an executor name that is not one of the four, and
// marks it bad. It runs while decoding, so that a flag that replaces the
// executor does not hide the mistake.
func checkExecutor(p *problems, o *opt[string]) {
	if !o.set || modelOf(o.v) != unknownModel {
		return
	}
	msg := "unknown executor " + quote(o.v)
	if s := suggest(o.v, executorNames); s != "" {
		msg += ", did you mean " + quote(s) + "?"
	}
	p.add(o.at, "%s (use one of %s)", msg, strings.Join(executorNames, ", "))
	o.set, o.bad = false, true
}

// infer picks the executor of a load section that does not name one:
// rate set → constant-arrival-rate, or ramping-arrival-rate with stages
// (rate is then the start rate); else stages → ramping-arrival-rate, or
// ramping-vus when vus is set; else constant-vus.
func (l *loadSpec) infer() (executor, why string) {
	switch {
	case l.rate.given() && l.stages.given():
		return RampingArrivalRate, " (inferred from rate and stages)"
	case l.rate.given():
		return ConstantArrivalRate, " (inferred from rate)"
	case l.stages.given() && l.vus.given():
		return RampingVUs, " (inferred from stages with vus)"
	case l.stages.given():
		return RampingArrivalRate, " (inferred from stages without vus or rate)"
	}
	return ConstantVUs, " (the default without rate or stages)"
}

// buildLoad validates the load section against its executor and fills in
// the defaults.
func buildLoad(p *problems, l *loadSpec) Load {
	exec, why := l.resolve()
	out := Load{Executor: exec, Grace: DefaultGrace}
	if d, ok := checkDur(p, l.grace, true); ok {
		out.Grace = d
	}
	if exec == "" {
		return out
	}
	l.conflicts(p, exec, exec+why)
	open := modelOf(exec) == openModel
	if open {
		out.MaxBacklog = DefaultMaxBacklog
		if d, ok := checkDur(p, l.maxBacklog, false); ok {
			out.MaxBacklog = d
		}
	}
	peak, stagesOK := 0.0, false
	if isRamping(exec) {
		var total time.Duration
		out.Stages, total, peak, stagesOK = checkStages(p, l, exec, open)
		out.Duration = total
	} else {
		out.Duration = DefaultDuration
		if d, ok := checkDur(p, l.duration, false); ok {
			out.Duration = d
		}
	}
	switch exec {
	case ConstantVUs:
		out.VUs = DefaultVUs
		if v, ok := checkCount(p, l.vus, 1, "VUs"); ok {
			out.VUs = v
		}
		out.MaxVUs = out.VUs
	case RampingVUs:
		out.VUs = startVUs(p, l)
		out.MaxVUs = max(out.VUs, int(peak))
		if out.MaxVUs < 1 && stagesOK {
			p.add(l.stages.at, "the start and every stage target are 0 VUs: the scenario would send nothing")
		}
	case ConstantArrivalRate:
		if !l.rate.given() {
			p.add(l.executor.at, "%s needs rate (requests per second)", exec)
		}
		if r, ok := checkRate(p, l.rate, false); ok {
			out.Rate = r
		}
		peak = out.Rate
	case RampingArrivalRate:
		out.Rate = startRate(p, l)
		peak = math.Max(peak, out.Rate)
		if peak == 0 && stagesOK {
			p.add(l.stages.at, "the start rate and every stage target are 0: the scenario would send nothing")
		}
	}
	if open {
		out.VUs, out.MaxVUs = openVUs(p, l, peak)
	}
	return out
}

// conflicts reports the fields that mean nothing to the executor, at the
// field, so that a reader sees which line to delete.
func (l *loadSpec) conflicts(p *problems, exec, desc string) {
	not := func(at src, given bool, reason string) {
		if given {
			p.add(at.key(), "not used by %s: %s", desc, reason)
		}
	}
	if modelOf(exec) == closedModel {
		not(l.rate.at, l.rate.given(), "the closed model has no arrival rate; remove it, or use constant-arrival-rate or ramping-arrival-rate")
		not(l.maxVUs.at, l.maxVUs.given(), "only the open model has a VU pool to cap; in the closed model vus is the number of VUs")
		not(l.maxBacklog.at, l.maxBacklog.given(), "only the open model schedules arrivals that can start late")
	}
	if isRamping(exec) {
		not(l.duration.at, l.duration.given(), "the stages set the duration (their sum); remove it")
		if !l.stages.given() {
			p.add(l.executor.at, "%s needs stages, like [{duration: 10s, target: 100}]", exec)
		}
	} else {
		not(l.stages.at, l.stages.given(), "a constant executor does not ramp; remove stages, or use ramping-vus or ramping-arrival-rate")
		not(l.start.at, l.start.given(), "start is where a ramp begins, and a constant executor does not ramp")
	}
	switch exec {
	case RampingArrivalRate:
		if l.rate.given() {
			not(l.start.at, l.start.given(), "rate already sets the starting rate; keep one of them")
		}
	case RampingVUs:
		if l.vus.given() {
			not(l.start.at, l.start.given(), "vus already sets the starting VUs; keep one of them")
		}
	}
}

// checkStages validates the stages of a ramping executor and returns
// them with their total duration and highest target; ok is false when
// any stage was wrong (or there are none), so that the peak means little.
func checkStages(p *problems, l *loadSpec, exec string, open bool) (stages []Stage, total time.Duration, peak float64, ok bool) {
	if !l.stages.set {
		return nil, 0, 0, false
	}
	if len(l.stages.v) == 0 && !l.stages.bad {
		p.add(l.stages.at, "expected at least one stage, like {duration: 10s, target: 100}")
	}
	for _, st := range l.stages.v {
		d, dok := checkDur(p, st.duration, false)
		t, tok := checkTarget(p, st.target, exec, open)
		if dok && tok {
			stages = append(stages, Stage{Duration: d, Target: t})
		}
		if dok && total <= LimitDuration {
			total += d
		}
		peak = math.Max(peak, t)
	}
	if total > LimitDuration {
		p.add(l.stages.at, "the stages add up to more than %s (a sanity limit)", fmtDur(LimitDuration))
	}
	ok = !l.stages.bad && len(stages) > 0 && len(stages) == len(l.stages.v)
	return stages, total, peak, ok
}

func checkTarget(p *problems, o opt[float64], exec string, open bool) (float64, bool) {
	if !o.set {
		return 0, false
	}
	t := o.v
	switch {
	case t < 0:
		p.add(o.at, "must be >= 0, got %s", formatNumber(t))
	case open && t > LimitRate:
		p.add(o.at, "must be at most %d requests/s (a sanity limit), got %s", LimitRate, formatNumber(t))
	case !open && t != math.Trunc(t):
		p.add(o.at, "%s targets are VUs and must be whole numbers, got %s", exec, formatNumber(t))
	case !open && t > LimitVUs:
		p.add(o.at, "must be at most %d VUs (a sanity limit), got %s", LimitVUs, formatNumber(t))
	default:
		return t, true
	}
	return 0, false
}

// startVUs is where ramping-vus starts: vus or start, default 0.
func startVUs(p *problems, l *loadSpec) int {
	if v, ok := checkCount(p, l.vus, 0, "VUs"); ok {
		return v
	}
	if l.vus.given() || !l.start.set {
		return 0
	}
	if t, ok := checkTarget(p, l.start, RampingVUs, false); ok {
		return int(t)
	}
	return 0
}

// startRate is where ramping-arrival-rate starts: rate or start, default 0.
func startRate(p *problems, l *loadSpec) float64 {
	if r, ok := checkRate(p, l.rate, true); ok {
		return r
	}
	if l.rate.given() {
		return 0
	}
	if r, ok := checkRate(p, l.start, true); ok {
		return r
	}
	return 0
}

// openVUs returns the pre-allocated and maximum VUs of the open model.
func openVUs(p *problems, l *loadSpec, peak float64) (vus, maxVUs int) {
	vus = int(min(max(math.Ceil(peak/openVUsPerRate), 1), openMaxPrealloc))
	maxVUs = openMaxVUs
	v, vok := checkCount(p, l.vus, 1, "VUs")
	if vok {
		vus = v
	}
	m, mok := checkCount(p, l.maxVUs, 1, "VUs")
	switch {
	case mok && vok && m < v:
		p.add(l.maxVUs.at, "must be >= vus (%d), got %d", v, m)
	case mok:
		maxVUs = m
		vus = min(vus, m)
	}
	return vus, max(vus, maxVUs)
}

// checkRate validates an arrival rate, > 0 (>= 0 for a ramp's start).
func checkRate(p *problems, o opt[float64], zeroOK bool) (float64, bool) {
	if !o.set {
		return 0, false
	}
	switch {
	case o.v < 0 || (o.v == 0 && !zeroOK):
		p.add(o.at, "must be %s 0, got %s", cmpWord(zeroOK), formatNumber(o.v))
	case o.v > LimitRate:
		p.add(o.at, "must be at most %d requests/s (a sanity limit), got %s", LimitRate, formatNumber(o.v))
	default:
		return o.v, true
	}
	return 0, false
}

// checkCount validates a count (VUs, connections) against lo and LimitVUs.
func checkCount(p *problems, o opt[int], lo int, unit string) (int, bool) {
	if !o.set {
		return 0, false
	}
	switch {
	case o.v < lo:
		p.add(o.at, "must be >= %d, got %d", lo, o.v)
	case o.v > LimitVUs:
		p.add(o.at, "must be at most %d %s (a sanity limit), got %d", LimitVUs, unit, o.v)
	default:
		return o.v, true
	}
	return 0, false
}

// checkDur validates a duration: > 0 (>= 0 if zeroOK), at most LimitDuration.
func checkDur(p *problems, o opt[time.Duration], zeroOK bool) (time.Duration, bool) {
	if !o.set {
		return 0, false
	}
	switch {
	case o.v < 0 || (o.v == 0 && !zeroOK):
		p.add(o.at, "must be %s 0, got %s", cmpWord(zeroOK), fmtDur(o.v))
	case o.v > LimitDuration:
		p.add(o.at, "must be at most %s (a sanity limit), got %s", fmtDur(LimitDuration), fmtDur(o.v))
	default:
		return o.v, true
	}
	return 0, false
}

func cmpWord(zeroOK bool) string {
	if zeroOK {
		return ">="
	}
	return ">"
}

// fmtDur prints a duration without trailing zero units (24h, not 24h0m0s).
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
