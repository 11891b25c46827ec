package scenarios

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Limits of a JSON body written as YAML, against alias bombs.
const (
	maxBodyNodes = 100_000
	maxBodyDepth = 64
)

// body builds a request body: a string (raw), or {raw: ...}, {json: ...}
// or {form: ...}.
func (b *flowBuilder) body(e entry) (Template, string, bool) {
	n := deref(e.val)
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		t, ok := b.tp.template(n, "body")
		return t, BodyRaw, ok
	case n.Kind != yaml.MappingNode:
		b.p.add(srcOf(e), "expected a body: {json: {...}}, {form: {...}}, {raw: text} or a string, got %s", describe(n))
		return Template{}, "", false
	}
	reported := len(b.p.list)
	f, _ := b.d.fields(e.val, "body", "", bodySection)
	var kinds []string
	for _, k := range bodySection.allowed {
		if _, has := f[k]; has {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		if len(b.p.list) == reported { // else an unknown kind was reported
			b.p.add(srcOf(e), "expected one of json, form or raw, like body: {json: {user: a}}")
		}
		return Template{}, "", false
	case 1:
	default:
		b.p.add(srcOf(f[kinds[1]]).key(), "a body is one of json, form or raw: this one has both %s and %s", kinds[0], kinds[1])
		return Template{}, "", false
	}
	v := f[kinds[0]]
	switch kinds[0] {
	case BodyRaw:
		t, ok := b.scalarTemplate(v)
		return t, BodyRaw, ok
	case BodyJSON:
		j := &jsonBody{b: b, ok: true}
		j.value(v.val, 0)
		return j.t.done(), BodyJSON, j.ok
	}
	t, ok := b.form(v)
	return t, BodyForm, ok
}

// jsonBody writes a YAML value as JSON text. Strings are templates: the
// variable parts stay variables, inside the JSON string (the engine must
// escape their values for JSON); literal text is escaped here.
type jsonBody struct {
	b     *flowBuilder
	t     tmplBuilder
	nodes int
	ok    bool
}

// both writes JSON syntax to Raw and to the parts.
func (j *jsonBody) both(s string) {
	j.t.raw.WriteString(s)
	j.t.lit(s)
}

func (j *jsonBody) value(n *yaml.Node, depth int) {
	if !j.ok && j.nodes > maxBodyNodes {
		return
	}
	at := nodeSrc("body", n)
	n = deref(n)
	j.nodes++
	switch {
	case j.nodes > maxBodyNodes:
		j.b.p.add(at, "the JSON body has more than %d values (a sanity limit; YAML aliases count each time they are used)", maxBodyNodes)
		j.ok = false
		return
	case depth > maxBodyDepth:
		j.b.p.add(at, "the JSON body nests more than %d deep (a sanity limit)", maxBodyDepth)
		j.nodes = maxBodyNodes + 1 // report once
		j.ok = false
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		j.both("{")
		for i, kv := range j.b.d.pairs(n, "in a JSON body") {
			if i > 0 {
				j.both(",")
			}
			if strings.Contains(kv.name, "${") {
				j.b.p.add(nodeSrc("body", kv.key), "keys of a JSON body are not templated: %s (templates go in string values)", quote(kv.name))
				j.ok = false
			}
			j.both(jsonString(kv.name))
			j.both(":")
			j.value(kv.val, depth+1)
		}
		j.both("}")
	case yaml.SequenceNode:
		j.both("[")
		for i, item := range n.Content {
			if i > 0 {
				j.both(",")
			}
			j.value(item, depth+1)
		}
		j.both("]")
	case yaml.ScalarNode:
		j.scalar(n, at)
	default:
		j.b.p.add(at, "unsupported YAML value in a JSON body")
		j.ok = false
	}
}

func (j *jsonBody) scalar(n *yaml.Node, at src) {
	switch n.ShortTag() {
	case "!!null":
		j.both("null")
		return
	case "!!bool":
		var v bool
		if n.Decode(&v) == nil {
			j.both(strconv.FormatBool(v))
			return
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			j.both(strconv.FormatInt(i, 10))
			return
		}
		var u uint64
		if n.Decode(&u) == nil {
			j.both(strconv.FormatUint(u, 10))
			return
		}
		j.b.p.add(at, "number %s is too large for a JSON body; quote it to send it as a string", clip(n.Value))
		j.ok = false
		return
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				j.b.p.add(at, "%s is not a JSON number; quote it to send it as a string", n.Value)
				j.ok = false
				return
			}
			j.both(strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
	}
	// Strings, and anything else YAML reads (timestamps, binary, custom
	// tags) as written.
	j.t.raw.WriteString(jsonString(n.Value))
	j.t.lit(`"`)
	if !j.b.tp.into(&j.t, n, "body", jsonEscape) {
		j.ok = false
	}
	j.t.lit(`"`)
}

// jsonString is s as a JSON string.
func jsonString(s string) string { return `"` + jsonEscape(s) + `"` }

// form builds an application/x-www-form-urlencoded body from a mapping
// of names to values (or lists of values, sent as repeated names).
func (b *flowBuilder) form(e entry) (Template, bool) {
	m := deref(e.val)
	if m.Kind != yaml.MappingNode {
		b.p.add(srcOf(e), "expected a mapping of form fields to values, like {user: alice, password: pass}, got %s", describe(m))
		return Template{}, false
	}
	var t tmplBuilder
	ok := true
	first := true
	add := func(kv entry, v *yaml.Node) {
		v = deref(v)
		if v.Kind != yaml.ScalarNode {
			b.p.add(nodeSrc("body", v), "form field %s: expected a value or a list of values, got %s", quote(kv.name), describe(v))
			ok = false
			return
		}
		if !first {
			t.raw.WriteString("&")
			t.lit("&")
		}
		first = false
		t.raw.WriteString(url.QueryEscape(kv.name) + "=")
		t.lit(url.QueryEscape(kv.name) + "=")
		if isNull(v) {
			return
		}
		t.raw.WriteString(v.Value)
		if !b.tp.into(&t, v, "form field "+quote(kv.name), url.QueryEscape) {
			ok = false
		}
	}
	for _, kv := range b.d.pairs(m, "in a form") {
		if strings.Contains(kv.name, "${") {
			b.p.add(srcOf(kv).key(), "form field names are not templated: %s (templates go in values)", quote(kv.name))
			ok = false
		}
		if v := deref(kv.val); v.Kind == yaml.SequenceNode {
			for _, item := range v.Content {
				add(kv, item)
			}
			continue
		}
		add(kv, kv.val)
	}
	return t.done(), ok
}
