package scenarios

import (
	"net/url"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// request builds the request of a step.
func (b *flowBuilder) request(e entry) (*StepRequest, bool) {
	r := &StepRequest{Method: DefaultMethod}
	f, ok := b.d.fields(e.val, "request", "a request (a mapping with at least a url)", stepRequestSection)
	if !ok {
		return r, false
	}
	if m := b.d.str(f["method"], ""); m.set {
		r.Method = m.v
		n := len(b.p.list)
		checkMethod(b.p, m)
		ok = ok && len(b.p.list) == n
	} else if m.bad {
		ok = false
	}
	u, uok := b.url(f["url"], e.val)
	r.URL, ok = u, ok && uok
	if qe, has := f["query"]; has {
		q, qok := b.pairsOf(qe, "query", "a mapping of query parameters to values, like {lang: en}")
		r.Query, ok = q, ok && qok
	}
	if he, has := f["headers"]; has {
		h, hok := b.pairsOf(he, "headers", "a mapping of header names to values, like {Accept: text/plain}")
		r.Headers, ok = h, ok && hok
	}
	r.Headers = b.withFlagHeaders(r.Headers)
	if be, has := f["body"]; has {
		body, kind, bok := b.body(be)
		r.Body, r.BodyKind, ok = body, kind, ok && bok
	}
	if t := b.d.dur(f["timeout"]); t.given() {
		d, tok := checkDur(b.p, t, false)
		r.Timeout, ok = d, ok && tok
	}
	return r, ok
}

// url builds and checks the URL of a request: with the run-time
// variables standing for a short value, it must be an absolute http(s)
// URL, or a path when base_url is set. A URL that starts with a
// run-time variable is checked when it is run.
func (b *flowBuilder) url(e entry, reqNode *yaml.Node) (Template, bool) {
	req := nodeSrc("", reqNode)
	if e.val == nil {
		if !hasKey(reqNode, "path") { // else reported as path, with the fix
			b.p.add(req, `missing field "url" in a step's request (a path like /login, or an absolute URL)`)
		}
		return Template{}, false
	}
	at := srcOf(e)
	n := deref(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		b.p.add(at, "expected a path like /login or an absolute URL, got %s", describe(n))
		return Template{}, false
	}
	t, ok := b.tp.template(n, "url")
	if !ok {
		return t, false
	}
	if len(t.Parts) > 0 && t.Parts[0].Var != "" {
		return t, true
	}
	var probe strings.Builder
	for _, p := range t.Parts {
		if p.Var != "" {
			probe.WriteString("1")
		}
		probe.WriteString(p.Literal)
	}
	s := probe.String()
	if strings.TrimSpace(s) == "" {
		b.p.add(at, "must not be empty: write / for the root")
		return t, false
	}
	if i := strings.IndexFunc(s, isCTL); i >= 0 {
		b.p.add(at, "has a control character (%s)", quote(s[i:i+1]))
		return t, false
	}
	ref, err := url.Parse(s)
	if err == nil && !ref.IsAbs() && (ref.Host != "" || strings.HasPrefix(s, "//")) {
		if _, msg := absoluteURL("http:" + s); msg != "" {
			b.p.add(at, "%s", networkPathMsg(n.Value))
			return t, false
		}
	}
	switch {
	case err != nil:
		b.p.add(at, "not a valid path or URL %s: %s", quote(n.Value), urlReason(err))
		return t, false
	case ref.IsAbs():
		if _, msg := absoluteURL(s); msg != "" {
			b.p.add(at, "%s", msg)
			return t, false
		}
	case !b.baseGiven:
		b.p.add(at, "%s is relative, but base_url is not set: set base_url, or write an absolute URL like http://127.0.0.1:8080/path", quote(n.Value))
		return t, false
	}
	return t, true
}

// pairsOf reads a mapping of names to templated values: headers or query
// parameters, in written order.
func (b *flowBuilder) pairsOf(e entry, what, expected string) ([]TemplateHeader, bool) {
	m := deref(e.val)
	if m.Kind != yaml.MappingNode {
		b.p.add(srcOf(e), "expected %s, got %s", expected, describe(m))
		return nil, false
	}
	ok := true
	var out []TemplateHeader
	for _, h := range b.d.pairs(m, "in "+what) {
		at := srcOf(h)
		at.label = ""
		v := deref(h.val)
		kind := "header"
		if what == "query" {
			kind = "query parameter"
		}
		if v.Kind != yaml.ScalarNode || isNull(v) {
			b.p.add(at, `%s %s: expected a string value, got %s (write "" for an empty value)`, kind, quote(h.name), describe(v))
			ok = false
			continue
		}
		switch {
		case what == "headers" && !isToken(h.name):
			b.p.add(at.key(), "invalid header name %s: expected letters, digits and !#$%%&'*+-.^_`|~, like Content-Type", quote(h.name))
			ok = false
			continue
		case what == "query" && h.name == "":
			b.p.add(at.key(), "empty query parameter name")
			ok = false
			continue
		}
		t, tok := b.tp.template(v, kind+" "+quote(h.name))
		if !tok {
			ok = false
			continue
		}
		if what == "headers" {
			if i := strings.IndexFunc(literalText(t), isCTL); i >= 0 {
				b.p.add(at, "header %s: the value has a control character (%s); use a single line of text", quote(h.name), quote(literalText(t)[i:i+1]))
				ok = false
				continue
			}
		}
		out = append(out, TemplateHeader{Name: h.name, Value: t})
	}
	return out, ok
}

// withFlagHeaders applies --header: the flags' headers replace the
// step's headers of the same name (case-insensitively) and come last.
func (b *flowBuilder) withFlagHeaders(hs []TemplateHeader) []TemplateHeader {
	if len(b.flagHeaders) == 0 {
		return hs
	}
	var out []TemplateHeader
	for _, h := range hs {
		if !slices.ContainsFunc(b.flagHeaders, func(f Header) bool { return strings.EqualFold(f.Name, h.Name) }) {
			out = append(out, h)
		}
	}
	for _, f := range b.flagHeaders {
		if !isToken(f.Name) || strings.IndexFunc(f.Value, isCTL) >= 0 {
			continue // reported once, by checkFlagHeaders
		}
		out = append(out, TemplateHeader{Name: f.Name, Value: Template{Raw: f.Value, Parts: []TemplatePart{{Literal: f.Value}}}})
	}
	return out
}
