package scenarios

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// checkKinds are the keys that say what a check checks, one per check.
var checkKinds = []string{CheckStatus, CheckBodyContains, CheckBodyMatches, CheckJSON, CheckHeader, CheckDuration}

// extractSources are the keys that say where an extraction looks.
var extractSources = []string{FromJSON, FromHeader, FromCookie, FromRegex}

var (
	checkSection   = section{where: "in a check", allowed: append(slices.Clone(checkKinds), "equals", "name", "abort")}
	extractSection = section{where: "in an extraction", allowed: append([]string{"var"}, append(slices.Clone(extractSources), "optional")...)}
)

// checks builds the checks of a request step.
func (b *flowBuilder) checks(e entry) ([]Check, bool) {
	items, ok := b.d.list(e, "a list of checks like - {status: 200}")
	if !ok {
		return nil, false
	}
	var out []Check
	names := map[string]int{}
	for _, item := range items {
		c, line, cok := b.check(item)
		if !cok {
			ok = false
			continue
		}
		if first, dup := names[c.Name]; dup {
			b.p.add(nodeSrc("checks", item), "duplicate check %s in this step (first at line %d): give one of them a name", quote(c.Name), first)
			ok = false
			continue
		}
		names[c.Name] = line
		out = append(out, c)
	}
	return out, ok
}

// check builds one check from a mapping with one kind key.
func (b *flowBuilder) check(n *yaml.Node) (Check, int, bool) {
	reported := len(b.p.list)
	f, ok := b.d.fields(n, "checks", "a check like {status: 200}", checkSection)
	if !ok {
		return Check{}, 0, false
	}
	at := nodeSrc("", n)
	var kinds []string
	for _, k := range checkKinds {
		if _, has := f[k]; has {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		if len(b.p.list) == reported { // else a misspelt kind was reported
			b.p.add(at, "a check needs one of %s, like {status: 200}", strings.Join(checkKinds, ", "))
		}
		return Check{}, 0, false
	case 1:
	default:
		second := f[kinds[1]]
		b.p.add(srcOf(second).key(), "one check per item: this one has both %s and %s; write them as two checks", kinds[0], kinds[1])
		return Check{}, 0, false
	}
	c := Check{Kind: kinds[0], Abort: b.d.boolean(f["abort"]).v}
	e := f[c.Kind]
	eq, hasEq := f["equals"]
	if hasEq && c.Kind != CheckJSON && c.Kind != CheckHeader {
		b.p.add(srcOf(eq).key(), "equals goes with json and header checks, not with %s", c.Kind)
		ok = false
	}
	var auto string
	switch c.Kind {
	case CheckStatus:
		ok = b.status(e, &c) && ok
		auto = "status " + statusText(c)
	case CheckBodyContains:
		t, tok := b.scalarTemplate(e)
		if tok && t.Raw == "" {
			b.p.add(srcOf(e), "must not be empty: every body contains the empty text")
			tok = false
		}
		ok = tok && ok
		setExpected(&c, t)
		auto = "body contains " + quote(t.Raw)
	case CheckBodyMatches:
		re := b.d.str(e, "")
		ok = re.set && ok
		if re.set {
			if _, err := regexp.Compile(re.v); err != nil {
				b.p.add(re.at, "not a valid regular expression: %s", regexpReason(err))
				ok = false
			}
		}
		c.Value = re.v
		auto = "body matches " + quote(re.v)
	case CheckJSON:
		path := b.jsonPath(e)
		ok = path.set && ok
		c.Path = path.v
		if !hasEq {
			b.p.add(srcOf(e).key(), "a json check needs equals, like {json: user, equals: user1} (to require a value, extract it)")
			return c, 0, false
		}
		t, tok := b.scalarTemplate(eq)
		ok = tok && ok
		setExpected(&c, t)
		auto = "json " + c.Path + " == " + quote(t.Raw)
	case CheckHeader:
		h := b.d.str(e, "")
		ok = h.set && ok
		if h.set && !isToken(h.v) {
			b.p.add(h.at, "invalid header name %s: expected letters, digits and !#$%%&'*+-.^_`|~, like Content-Type", quote(h.v))
			ok = false
		}
		c.Header = h.v
		auto = "header " + h.v
		if hasEq {
			t, tok := b.scalarTemplate(eq)
			ok = tok && ok
			setExpected(&c, t)
			auto += " == " + quote(t.Raw)
		}
	case CheckDuration:
		d, dok := checkDur(b.p, b.d.dur(e), false)
		ok = dok && ok
		c.Max = d
		auto = "duration <= " + fmtDur(d)
	}
	c.Name = auto
	if name := b.d.str(f["name"], ""); name.set {
		// A check's name may hold a / (it is not a threshold's step).
		if msg := nameProblem(strings.ReplaceAll(name.v, "/", "_")); msg != "" {
			b.p.add(name.at, "%s", msg)
			ok = false
		}
		c.Name = name.v
	}
	return c, n.Line, ok
}

// setExpected puts an expected value in a check: as text when it is known
// at load time, else as a template (Value then holds its raw text, so
// that an engine unaware of Expect fails the check rather than passing
// it).
func setExpected(c *Check, t Template) {
	if hasVars(t) {
		c.Expect = t
		c.Value = t.Raw
		return
	}
	c.Value = literalText(t)
}

// scalarTemplate reads a templated value that may be any scalar but null.
func (b *flowBuilder) scalarTemplate(e entry) (Template, bool) {
	n := deref(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		b.p.add(srcOf(e), `expected a string, got %s (write "" for an empty value)`, describe(n))
		return Template{}, false
	}
	return b.tp.template(n, e.name)
}

// status reads a status check: a code, a list of codes, or a class.
func (b *flowBuilder) status(e entry, c *Check) bool {
	const want = `expected a status code like 200, a list like [200, 201], or a class like "2xx"`
	at := srcOf(e)
	n := deref(e.val)
	switch {
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.p.add(at, "%s, got an empty list", want)
			return false
		}
		ok := true
		for _, item := range n.Content {
			code, cok := b.code(item, at)
			ok = ok && cok
			c.Statuses = append(c.Statuses, code)
		}
		return ok
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && len(n.Value) == 3 && strings.EqualFold(n.Value[1:], "xx"):
		if n.Value[0] < '1' || n.Value[0] > '5' {
			b.p.add(at, "status class %s: expected 1xx to 5xx", quote(n.Value))
			return false
		}
		c.Class = int(n.Value[0] - '0')
		return true
	case n.Kind == yaml.ScalarNode && !isNull(n):
		code, ok := b.code(n, at)
		c.Statuses = []int{code}
		return ok
	}
	b.p.add(at, "%s, got %s", want, describe(n))
	return false
}

// code reads one status code (100..599).
func (b *flowBuilder) code(n *yaml.Node, at src) (int, bool) {
	n = deref(n)
	at.line, at.col = n.Line, n.Column
	i, err := strconv.Atoi(strings.TrimSpace(n.Value))
	switch {
	case n.Kind != yaml.ScalarNode || err != nil:
		b.p.add(at, `expected a status code like 200 or a class like "2xx", got %s`, describe(n))
		return 0, false
	case i < 100 || i > 599:
		b.p.add(at, "%d is not an HTTP status: expected 100 to 599", i)
		return 0, false
	}
	return i, true
}

// statusText is a status check as its default name shows it.
func statusText(c Check) string {
	if c.Class > 0 {
		return itoa(c.Class) + "xx"
	}
	s := make([]string, len(c.Statuses))
	for i, code := range c.Statuses {
		s[i] = itoa(code)
	}
	return strings.Join(s, "|")
}

// extracts builds the extractions of a step and defines their variables
// for the steps after it (and for the step's own checks).
func (b *flowBuilder) extracts(e entry, st *flowState, step string, line int) ([]Extract, bool) {
	items, ok := b.d.list(e, "a list of extractions like - {var: token, json: token}")
	if !ok {
		return nil, false
	}
	var out []Extract
	var vars []string
	for _, item := range items {
		x, xok := b.extract(item)
		if x.Var != "" {
			// Defined even when its source is wrong, so that the steps
			// using it do not report it as undefined too.
			vars = append(vars, x.Var)
		}
		if !xok {
			ok = false
			continue
		}
		out = append(out, x)
	}
	for _, v := range vars {
		st.defined[v] = true
		if _, seen := st.extractedBy[v]; !seen {
			st.extractedBy[v] = stepRef{name: step, line: line}
		}
	}
	return out, ok
}

// extract builds one extraction: a var and one source.
func (b *flowBuilder) extract(n *yaml.Node) (Extract, bool) {
	reported := len(b.p.list)
	f, ok := b.d.fields(n, "extract", "an extraction like {var: token, json: token}", extractSection)
	if !ok {
		return Extract{}, false
	}
	at := nodeSrc("", n)
	x := Extract{Optional: b.d.boolean(f["optional"]).v}
	v := b.d.str(f["var"], "")
	varOK := false
	switch {
	case !v.given():
		b.p.add(at, `missing field "var" in an extraction: the variable that receives the value, like {var: token, json: token}`)
		ok = false
	case !v.set:
		ok = false
	case !isIdent(v.v):
		b.p.add(v.at, "invalid variable name %s: a letter or _, then letters, digits and _", quote(v.v))
		ok = false
	case slices.Contains(builtinVars, v.v) || v.v == "env" || v.v == "data":
		b.p.add(v.at, "%s is a built-in variable; choose another name", quote(v.v))
		ok = false
	default:
		if _, isConst := b.tp.sc.consts[v.v]; isConst {
			b.p.add(v.at, "%s is already a constant in vars; choose another name", quote(v.v))
			ok = false
		} else {
			varOK = true
		}
	}
	if varOK {
		x.Var = v.v
	}
	var srcs []string
	for _, k := range extractSources {
		if _, has := f[k]; has {
			srcs = append(srcs, k)
		}
	}
	switch len(srcs) {
	case 0:
		if len(b.p.list) == reported {
			b.p.add(at, "an extraction needs one of %s, like {var: token, json: token}", strings.Join(extractSources, ", "))
		}
		return x, false
	case 1:
	default:
		b.p.add(srcOf(f[srcs[1]]).key(), "an extraction takes its value from one place: this one has both %s and %s", srcs[0], srcs[1])
		return x, false
	}
	x.From = srcs[0]
	e := f[x.From]
	switch x.From {
	case FromJSON:
		path := b.jsonPath(e)
		x.Expr, ok = path.v, ok && path.set
	case FromHeader, FromCookie:
		name := b.d.str(e, "")
		ok = ok && name.set
		if name.set && !isToken(name.v) {
			b.p.add(name.at, "invalid %s name %s: expected letters, digits and !#$%%&'*+-.^_`|~", x.From, quote(name.v))
			ok = false
		}
		x.Expr = name.v
	case FromRegex:
		re := b.d.str(e, "")
		ok = ok && re.set
		if re.set {
			if _, err := regexp.Compile(re.v); err != nil {
				b.p.add(re.at, "not a valid regular expression: %s", regexpReason(err))
				ok = false
			}
		}
		x.Expr = re.v
	}
	return x, ok
}

// regexpReason is the cause in a regexp error, without the package name.
func regexpReason(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// jsonPath reads a JSON path (gjson syntax, as k6 uses). gjson has no
// compile step, so only mistakes that never make sense are caught: an
// empty path, a JSONPath-style $ root, empty parts (a.b., a..b) and
// unbalanced brackets.
func (b *flowBuilder) jsonPath(e entry) opt[string] {
	o := b.d.str(e, "")
	if !o.set {
		return o
	}
	if msg := jsonPathProblem(o.v); msg != "" {
		fail(b.d, &o, "%s", msg)
		o.set = false
	}
	return o
}

// jsonPathProblem says what is wrong with a gjson path, or "".
func jsonPathProblem(path string) string {
	const like = " (a gjson path like token, user.name or items.0.id)"
	switch {
	case strings.TrimSpace(path) == "":
		return "bad JSON path: must not be empty" + like
	case path == "$" || strings.HasPrefix(path, "$.") || strings.HasPrefix(path, "$["):
		return "bad JSON path " + quote(path) + ": gjson paths have no $ root; write " + quote(strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")) + like
	}
	rest := strings.TrimPrefix(path, "..") // gjson: JSON lines
	var stack []byte
	prevDot := true // a path must not start with a dot
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '\\':
			i++ // the next character is literal
			prevDot = false
			continue
		case c == '.' && len(stack) == 0:
			if prevDot {
				return "bad JSON path " + quote(path) + ": empty part at byte " + itoa(i+1+len(path)-len(rest)) + like
			}
			prevDot = true
			continue
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return "bad JSON path " + quote(path) + ": unbalanced " + quote(string(c)) + like
			}
			stack = stack[:len(stack)-1]
		case c == '"' && len(stack) > 0:
			// A quoted string inside a query: skip to its end.
			j := i + 1
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' {
					j++
				}
			}
			if j >= len(rest) {
				return "bad JSON path " + quote(path) + ": unterminated string" + like
			}
			i = j
		}
		prevDot = false
	}
	switch {
	case len(stack) > 0:
		return "bad JSON path " + quote(path) + ": unclosed " + quote(string(stack[len(stack)-1])) + like
	case prevDot && rest != "":
		return "bad JSON path " + quote(path) + ": ends with a dot" + like
	}
	return ""
}
