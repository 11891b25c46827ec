package scenarios

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// scope is what a ${...} may name at one place of a file. It grows while
// a flow is built: each step sees what earlier steps extracted.
type scope struct {
	consts  map[string]string // vars
	getenv  func(string) string
	env     map[string]string // env values used, by "env.NAME", for Plan.Vars
	feeders map[string]*Data  // nil value: the feeder exists but failed to load
	// envOnly is set while the vars themselves are read: constants can
	// use the environment, nothing else.
	envOnly bool
	// flow is the flow being built; nil outside flows.
	flow *flowState
}

// refKind is what a reference resolved to.
type refKind int

const (
	refLiteral   refKind = iota // known at load time: vars, env
	refVar                      // a run-time variable
	refBad                      // reported already, or to report with msg
	refUndefined                // not defined (yet): reported at the end of the flow
)

// resolve looks a reference up: its load-time value, or the run-time
// variable to keep, or what is wrong with it.
func (sc *scope) resolve(ref string) (kind refKind, value, msg string) {
	switch {
	case strings.HasPrefix(ref, envPrefix):
		return sc.resolveEnv(ref)
	case sc.envOnly:
		return refBad, "", "vars are constants: they can use ${env.NAME}, but not " + quote("${"+ref+"}")
	case slices.Contains(builtinVars, ref):
		return refVar, ref, ""
	case strings.HasPrefix(ref, dataPrefix):
		return sc.resolveData(ref)
	}
	if v, ok := sc.consts[ref]; ok {
		return refLiteral, v, ""
	}
	if sc.flow != nil && sc.flow.defined[ref] {
		return refVar, ref, ""
	}
	return refUndefined, "", ""
}

// resolveEnv reads ${env.NAME} or ${env.NAME:-default}. An empty
// variable counts as unset, as with ${NAME:-default} in a shell.
func (sc *scope) resolveEnv(ref string) (refKind, string, string) {
	name, def, hasDef := strings.Cut(strings.TrimPrefix(ref, envPrefix), envDefault)
	v := ""
	if sc.getenv != nil {
		v = sc.getenv(name)
	}
	if v == "" && !hasDef {
		return refBad, "", "environment variable " + quote(name) + " is not set (${env." + name + "}); set it, or give a default: ${env." + name + ":-value}"
	}
	if v == "" {
		v = def
	}
	if _, seen := sc.env[envPrefix+name]; !seen {
		sc.env[envPrefix+name] = v
	}
	return refLiteral, v, ""
}

// resolveData checks ${data.FEEDER.COLUMN} against the loaded feeders.
func (sc *scope) resolveData(ref string) (refKind, string, string) {
	feeder, column, ok := strings.Cut(strings.TrimPrefix(ref, dataPrefix), ".")
	if !ok {
		return refBad, "", quote("${"+ref+"}") + ": expected ${data.FEEDER.COLUMN}, like ${data.users.name}"
	}
	d, exists := sc.feeders[feeder]
	switch {
	case !exists:
		msg := "no data feeder " + quote(feeder) + " (in ${" + ref + "})"
		if s := suggest(feeder, slices.Sorted(maps.Keys(sc.feeders))); s != "" {
			msg += ", did you mean " + quote(s) + "?"
		}
		if len(sc.feeders) == 0 {
			msg += "; declare it under data: with a name and a file"
		}
		return refBad, "", msg
	case d == nil:
		return refBad, "", "" // its file failed to load, reported there
	case !slices.Contains(d.Columns, column):
		msg := "data feeder " + quote(feeder) + " has no column " + quote(column)
		if s := suggest(column, d.Columns); s != "" {
			msg += ", did you mean " + quote(s) + "?"
		}
		return refBad, "", msg + " (columns: " + strings.Join(d.Columns, ", ") + ")"
	}
	return refVar, ref, ""
}

// known lists the plain names a reference here could use, for messages.
func (sc *scope) known() []string {
	out := slices.Clone(builtinVars)
	out = append(out, slices.Sorted(maps.Keys(sc.consts))...)
	if sc.flow != nil {
		out = append(out, slices.Sorted(maps.Keys(sc.flow.defined))...)
	}
	return out
}

// pendingRef is a reference to a name not defined where it is used. It is
// reported when the flow is complete, so that the message can say when a
// later step extracts it.
type pendingRef struct {
	name      string
	line, col int
	label     string
	known     []string
}

// templater turns scalar values into templates under a scope, reporting
// problems at the position of the reference.
type templater struct {
	p      *problems
	source []byte
	sc     *scope
}

// identity is the escape function of text used as written.
func identity(s string) string { return s }

// into appends scalar n's value to t, with literal text (and load-time
// values) passed through esc. label names the value in messages. ok is
// false when the value has an error.
func (tp *templater) into(t *tmplBuilder, n *yaml.Node, label string, esc func(string) string) bool {
	segs, errs := splitTemplate(n.Value)
	at := func(off int) src {
		line, col := valuePos(tp.source, n, off)
		return src{label: label, line: line, col: col}
	}
	for _, e := range errs {
		tp.p.add(at(e.off), "%s", e.msg)
	}
	ok := len(errs) == 0
	for _, s := range segs {
		if !s.isRef {
			t.lit(esc(s.lit))
			continue
		}
		if refSyntax(s.ref) != "" {
			continue // reported by splitTemplate
		}
		kind, value, msg := tp.sc.resolve(s.ref)
		switch kind {
		case refLiteral:
			t.lit(esc(value))
		case refVar:
			t.ref(value)
		case refBad:
			if msg != "" {
				tp.p.add(at(s.off), "%s", msg)
			}
			ok = false
		case refUndefined:
			a := at(s.off)
			if tp.sc.flow != nil {
				tp.sc.flow.pending = append(tp.sc.flow.pending, pendingRef{name: s.ref, line: a.line, col: a.col, label: label, known: tp.sc.known()})
			} else {
				tp.p.add(a, "%s", undefinedMsg(s.ref, tp.sc.known()))
			}
			ok = false
		}
	}
	return ok
}

// template reads scalar value n (any scalar but null) as a template.
func (tp *templater) template(n *yaml.Node, label string) (Template, bool) {
	var t tmplBuilder
	t.raw.WriteString(n.Value)
	ok := tp.into(&t, n, label, identity)
	return t.done(), ok
}

// undefinedMsg says that name is not defined, with the likely fix.
func undefinedMsg(name string, known []string) string {
	msg := "undefined variable ${" + name + "}"
	// Short names are all near each other: suggest only a one-letter slip.
	if s := suggest(name, known); s != "" && (len(name) > 4 || editDistance(name, s) <= 1) {
		msg += ", did you mean ${" + s + "}?"
	}
	const maxListed = 16
	if len(known) > maxListed {
		known = append(known[:maxListed:maxListed], "...")
	}
	return msg + " (defined here: " + strings.Join(known, ", ") + ", ${env.NAME} and ${data.FEEDER.COLUMN}; values extracted by earlier steps)"
}

// buildVars reads the vars mapping: constants, which may use ${env.NAME}.
func buildVars(p *problems, d *decoder, tp *templater, e entry) map[string]string {
	m := deref(e.val)
	if m.Kind != yaml.MappingNode {
		d.p.add(srcOf(e), "expected a mapping of names to values, like {password: pass}, got %s", describe(m))
		return nil
	}
	out := make(map[string]string)
	tp.sc.envOnly = true
	defer func() { tp.sc.envOnly = false }()
	for _, v := range d.pairs(m, "in vars") {
		at := srcOf(v)
		at.label = "vars"
		switch {
		case !isIdent(v.name):
			p.add(at.key(), "invalid name %s: a name is a letter or _, then letters, digits and _ (used as ${name})", quote(v.name))
			continue
		case slices.Contains(builtinVars, v.name) || v.name == "env" || v.name == "data":
			p.add(at.key(), "%s is a built-in variable; choose another name", quote(v.name))
			continue
		}
		n := deref(v.val)
		if n.Kind != yaml.ScalarNode || isNull(n) {
			p.add(at, `%s: expected a string value, got %s (write "" for an empty value)`, v.name, describe(n))
			continue
		}
		// Defined even when its value is wrong (reported), so that its
		// uses are not reported as undefined too.
		t, _ := tp.template(n, "vars: "+v.name)
		out[v.name] = literalText(t)
	}
	return out
}
