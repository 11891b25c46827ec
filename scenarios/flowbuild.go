package scenarios

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Sanity limits of flows, against typos and files built to exhaust the
// loader (aliases can repeat a list of steps exponentially).
const (
	// LimitSteps caps the steps of a file, counted with every group's.
	LimitSteps = 1000
	// LimitGroupDepth caps groups nested in groups.
	LimitGroupDepth = 8
	// LimitWeight caps a flow's weight.
	LimitWeight = 1_000_000
	// LimitRepeat caps a group's repeat count.
	LimitRepeat = 1_000_000
	// maxNameLen bounds flow and step names, which tag metrics.
	maxNameLen = 64
)

// The sections of flows.
var (
	flowSection = section{where: "in a flow", allowed: []string{"name", "weight", "cookies", "clear_cookies", "browser_cache", "steps"}}
	stepSection = section{where: "in a step", allowed: []string{"name", "request", "extract", "checks", "think", "repeat", "steps"},
		hints: map[string]string{
			"url":    "it belongs in the step's request: request: {url: /path}",
			"method": "it belongs in the step's request: request: {method: POST, url: /path}",
			"path":   "a step's request has a url: request: {url: /path}",
		}}
	stepRequestSection = section{where: "in a step's request", allowed: []string{"method", "url", "query", "headers", "body", "timeout"},
		hints: map[string]string{
			"path":    "a step's request has a url (a path like /login, or an absolute URL)",
			"extract": "extract belongs to the step, beside request",
			"checks":  "checks belong to the step, beside request",
			"think":   "think belongs to the step, beside request",
			"name":    "the name belongs to the step, beside request",
		}}
	thinkSection = section{where: "in think", allowed: []string{"min", "max", "mean"}}
	bodySection  = section{where: "in a body", allowed: []string{"json", "form", "raw"}}
)

// flowState is what building one flow knows so far.
type flowState struct {
	name string
	// steps are the step names of the flow, with whether each is a
	// request step (thresholds may name those).
	steps map[string]stepRef
	// defined are the variables extracted by the steps built so far.
	defined map[string]bool
	// extractedBy names the step that first extracts a variable.
	extractedBy map[string]stepRef
	pending     []pendingRef
	depth       int
}

type stepRef struct {
	name    string
	line    int
	request bool
}

// flowBuilder builds the flows of a file.
type flowBuilder struct {
	p  *problems
	d  *decoder
	tp *templater
	// baseGiven says base_url is set (by the file or --url), so relative
	// URLs can be resolved.
	baseGiven   bool
	flagHeaders []Header
	steps       int  // steps built, against LimitSteps
	tooMany     bool // LimitSteps reported
	// flows maps flow names to their steps, for thresholds.
	flows map[string]map[string]stepRef
}

// buildFlowParts builds what flows bring to a plan: vars, data, flows,
// thresholds and the topology. It reports every problem.
func buildFlowParts(p *problems, s *spec, plan *Plan) {
	if s.topology.set {
		if t := strings.TrimSpace(s.topology.v); t == "" || strings.ContainsFunc(t, isSpaceOrCTL) {
			p.add(s.topology.at, "expected the name of a bundled topology, like auth or web, got %s", quote(s.topology.v))
		} else {
			plan.Topology = t
		}
	}
	hasFlows := s.flows.val != nil
	d := &decoder{p: p}
	sc := &scope{getenv: s.getenv, env: map[string]string{}, feeders: map[string]*Data{}}
	tp := &templater{p: p, source: s.source, sc: sc}
	for _, e := range []entry{s.vars, s.data} {
		if e.val != nil && !hasFlows {
			p.add(srcOf(e).key(), "only flows use variables and data (requests are sent as written): write the requests as steps of a flow")
		}
	}
	if hasFlows && s.vars.val != nil {
		sc.consts = buildVars(p, d, tp, s.vars)
	}
	if hasFlows && s.data.val != nil {
		plan.Data = buildData(p, d, s, sc)
	}
	b := &flowBuilder{p: p, d: d, tp: tp, baseGiven: s.baseURL.set, flagHeaders: s.flagHeaders, flows: map[string]map[string]stepRef{}}
	if hasFlows && len(s.flagHeaders) > 0 {
		flags := make([]headerSpec, len(s.flagHeaders))
		for i, h := range s.flagHeaders {
			flags[i] = headerSpec{name: h.Name, value: h.Value, at: flagSrc("--header")}
		}
		checkHeaders(p, flags) // reported once here, not for every step
	}
	if hasFlows {
		plan.Flows = b.buildFlows(s.flows)
	}
	if s.thresholds.val != nil {
		plan.Thresholds = buildThresholds(p, d, s.thresholds, b.flows, hasFlows)
	}
	vars := make(map[string]string)
	maps.Copy(vars, sc.consts)
	maps.Copy(vars, sc.env)
	if len(vars) > 0 {
		plan.Vars = vars
	}
}

// hasKey reports whether mapping n has one of the keys as written
// (known or not).
func hasKey(n *yaml.Node, keys ...string) bool {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := deref(m.Content[i]); k.Kind == yaml.ScalarNode && slices.Contains(keys, k.Value) {
			return true
		}
	}
	return false
}

func isSpaceOrCTL(r rune) bool { return r == ' ' || r == '\t' || isCTL(r) }

func (b *flowBuilder) buildFlows(e entry) []Flow {
	items, ok := b.d.list(e, "a list of flows, each with a name and steps")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		b.p.add(srcOf(e), "expected at least one flow, like - {name: browse, steps: [...]}")
		return nil
	}
	var out []Flow
	for _, item := range items {
		if fl, ok := b.flow(item); ok {
			out = append(out, fl)
		}
	}
	return out
}

// flow builds one flow.
func (b *flowBuilder) flow(n *yaml.Node) (Flow, bool) {
	f, ok := b.d.fields(n, "flows", "a flow (a mapping with a name and steps)", flowSection)
	if !ok {
		return Flow{}, false
	}
	fl := Flow{Weight: 1, Cookies: true}
	at := nodeSrc("", n)
	ok = true
	name := b.d.str(f["name"], "")
	switch {
	case !name.given():
		b.p.add(at, `missing field "name" in a flow: flows are told apart by name in results`)
		ok = false
	case name.set:
		if msg := nameProblem(name.v); msg != "" {
			b.p.add(name.at, "%s", msg)
			ok = false
		} else if _, dup := b.flows[name.v]; dup {
			b.p.add(name.at, "duplicate flow name %s", quote(name.v))
			ok = false
		}
		fl.Name = name.v
	}
	if w, set := b.count(f["weight"], 1, LimitWeight); set {
		fl.Weight = w
	}
	if v := b.d.boolean(f["cookies"]); v.set {
		fl.Cookies = v.v
	}
	if v := b.d.boolean(f["clear_cookies"]); v.set {
		fl.ClearCookies = v.v
		if v.v && !fl.Cookies {
			b.p.add(v.at.key(), "needs the cookie jar, which cookies: false turns off")
		}
	}
	fl.BrowserCache = b.d.boolean(f["browser_cache"]).v
	st := &flowState{name: fl.Name, steps: map[string]stepRef{}, defined: map[string]bool{}, extractedBy: map[string]stepRef{}}
	if name.set && ok {
		b.flows[fl.Name] = st.steps
	}
	b.tp.sc.flow = st
	defer func() { b.tp.sc.flow = nil }()
	e, has := f["steps"]
	if !has {
		b.p.add(at, `missing field "steps" in a flow: a list of steps, each with a name and a request`)
		return fl, false
	}
	steps, stepsOK := b.stepList(e, st)
	fl.Steps = steps
	b.reportPending(st)
	return fl, ok && stepsOK
}

// reportPending reports the references to names no earlier step defined.
func (b *flowBuilder) reportPending(st *flowState) {
	for _, r := range st.pending {
		at := src{label: r.label, line: r.line, col: r.col}
		if by, later := st.extractedBy[r.name]; later {
			b.p.add(at, "${%s} is extracted by a later step (%s, line %d): a step can use only values extracted before it", r.name, quote(by.name), by.line)
			continue
		}
		b.p.add(at, "%s", undefinedMsg(r.name, r.known))
	}
}

// count reads a whole number in lo..hi (hi is a sanity limit).
func (b *flowBuilder) count(e entry, lo, hi int) (int, bool) {
	v := b.d.integer(e)
	switch {
	case !v.set:
		return 0, false
	case v.v < lo:
		b.p.add(v.at, "must be >= %d, got %d", lo, v.v)
		return 0, false
	case v.v > hi:
		b.p.add(v.at, "must be at most %d (a sanity limit), got %d", hi, v.v)
		return 0, false
	}
	return v.v, true
}

// nameProblem says what is wrong with a flow or step name, or "".
func nameProblem(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "must not be empty"
	case len(s) > maxNameLen:
		return "longer than " + itoa(maxNameLen) + " bytes: a name tags metrics, keep it short"
	case strings.ContainsRune(s, '/'):
		return quote(s) + " has a /, which thresholds use between a flow and a step name (flow/step)"
	case strings.Contains(s, "${"):
		return quote(s) + ": names are not templated; they tag metrics and must not vary"
	case strings.IndexFunc(s, isCTL) >= 0:
		return quote(s) + " has a control character"
	}
	return ""
}

// stepList builds a list of steps (a flow's, or a group's).
func (b *flowBuilder) stepList(e entry, st *flowState) ([]Step, bool) {
	items, ok := b.d.list(e, "a list of steps, each with a name and a request (or repeat and steps for a group)")
	if !ok {
		return nil, false
	}
	if len(items) == 0 {
		b.p.add(srcOf(e), "expected at least one step, like - {name: home, request: {url: /}}")
		return nil, false
	}
	out := make([]Step, 0, len(items))
	for _, item := range items {
		if b.steps >= LimitSteps {
			if !b.tooMany {
				b.p.add(nodeSrc("steps", item), "more than %d steps in the file (a sanity limit; YAML aliases count each time they are used)", LimitSteps)
				b.tooMany = true
			}
			return out, false
		}
		b.steps++
		s, sok := b.step(item, st)
		ok = ok && sok
		if sok {
			out = append(out, s)
		}
	}
	return out, ok
}

// step builds one step: a request with its extractions and checks, or a
// group of steps.
func (b *flowBuilder) step(n *yaml.Node, st *flowState) (Step, bool) {
	f, ok := b.d.fields(n, "steps", "a step (a mapping with a name and a request)", stepSection)
	if !ok {
		return Step{}, false
	}
	at := nodeSrc("", n)
	var s Step
	name := b.d.str(f["name"], "")
	switch {
	case !name.given():
		b.p.add(at, `missing field "name" in a step: steps are told apart by name in results`)
		ok = false
	case name.set:
		if msg := nameProblem(name.v); msg != "" {
			b.p.add(name.at, "%s", msg)
			ok = false
		} else if first, dup := st.steps[name.v]; dup {
			b.p.add(name.at, "duplicate step name %s in flow %s (first at line %d)", quote(name.v), quote(st.name), first.line)
			ok = false
		}
		s.Name = name.v
	}
	reqE, hasReq := f["request"]
	_, hasSteps := f["steps"]
	repE, hasRepeat := f["repeat"]
	group := hasSteps || hasRepeat
	if name.set && ok {
		st.steps[name.v] = stepRef{name: name.v, line: name.at.line, request: !group}
	}
	if t, set := b.think(f["think"]); set {
		s.Think = t
	}
	switch {
	case hasReq && group:
		b.p.add(srcOf(reqE).key(), "a step has a request, or repeat and steps (a group), not both")
		return s, false
	case !hasReq && !group:
		// A url or method written on the step is reported as such.
		if !hasKey(n, "url", "method", "path") {
			b.p.add(at, `a step needs a request (request: {url: /path}), or repeat and steps (a group)`)
		}
		return s, false
	case group:
		for _, k := range []string{"extract", "checks"} {
			if e, has := f[k]; has {
				b.p.add(srcOf(e).key(), "a group sends no request of its own: put %s on a step of the group", k)
				ok = false
			}
		}
		g, gok := b.group(f, at, repE, hasRepeat, st)
		s.Group = g
		return s, ok && gok
	}
	r, rok := b.request(reqE)
	ok = ok && rok
	// The request sees what earlier steps extracted; the checks also see
	// what this step extracts (the engine extracts first).
	if e, has := f["extract"]; has {
		ex, eok := b.extracts(e, st, s.Name, name.at.line)
		r.Extract, ok = ex, ok && eok
	}
	if e, has := f["checks"]; has {
		cs, cok := b.checks(e)
		r.Checks, ok = cs, ok && cok
	}
	s.Request = r
	return s, ok
}

// group builds the group of a step.
func (b *flowBuilder) group(f map[string]entry, at src, repE entry, hasRepeat bool, st *flowState) (*Group, bool) {
	g := &Group{Repeat: 1}
	ok := true
	if hasRepeat {
		if r, set := b.count(repE, 1, LimitRepeat); set {
			g.Repeat = r
		} else {
			ok = false
		}
	}
	e, has := f["steps"]
	if !has {
		b.p.add(at, `missing field "steps" in a group: repeat runs a list of steps`)
		return g, false
	}
	if st.depth >= LimitGroupDepth {
		b.p.add(srcOf(e).key(), "groups nested more than %d deep (a sanity limit)", LimitGroupDepth)
		return g, false
	}
	st.depth++
	steps, sok := b.stepList(e, st)
	st.depth--
	g.Steps = steps
	return g, ok && sok
}

// think reads a pause: a duration, {min, max} or {mean}.
func (b *flowBuilder) think(e entry) (Think, bool) {
	if e.val == nil {
		return Think{}, false
	}
	n := deref(e.val)
	if n.Kind != yaml.MappingNode {
		d, ok := checkDur(b.p, b.d.dur(e), true)
		return Think{Min: d, Max: d}, ok
	}
	f, _ := b.d.fields(e.val, "think", "", thinkSection)
	lo, lok := checkDur(b.p, b.d.dur(f["min"]), true)
	hi, hok := checkDur(b.p, b.d.dur(f["max"]), true)
	mean, mok := checkDur(b.p, b.d.dur(f["mean"]), true)
	_, hasMin := f["min"]
	_, hasMax := f["max"]
	_, hasMean := f["mean"]
	at := srcOf(e)
	switch {
	case hasMean && (hasMin || hasMax):
		b.p.add(at, "either {min, max} (uniform) or {mean} (exponential), not both")
	case hasMean:
		return Think{Mean: mean}, mok
	case hasMin != hasMax:
		b.p.add(at, "a uniform think time needs both min and max, like {min: 1s, max: 3s}")
	case !hasMin:
		b.p.add(at, "expected a duration like 1s, {min: 1s, max: 3s} or {mean: 2s}, got an empty mapping")
	case lok && hok && lo > hi:
		b.p.add(srcOf(f["max"]), "must be >= min (%s), got %s", fmtDur(lo), fmtDur(hi))
	case lok && hok:
		return Think{Min: lo, Max: hi}, true
	}
	return Think{}, false
}
