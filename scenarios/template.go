package scenarios

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// Built-in variables: the engine gives them a value at every use.
const (
	VarVU     = "vu"     // the VU's number
	VarIter   = "iter"   // the VU's iteration number
	VarRandom = "random" // a random whole number
	VarUUID   = "uuid"   // a random UUID
	VarTime   = "time"   // the current time
)

// builtinVars lists the built-in variables, in documentation order.
var builtinVars = []string{VarVU, VarIter, VarRandom, VarUUID, VarTime}

// Body kinds of a StepRequest.
const (
	BodyRaw  = "raw"  // sent as written
	BodyJSON = "json" // JSON text; every variable part lies inside a JSON string
	BodyForm = "form" // application/x-www-form-urlencoded; every variable part lies inside a value
)

// EscapeValue escapes the run-time value of a variable for where a
// template of a request body puts it: inside a JSON string (BodyJSON),
// inside a form value (BodyForm), or as it is (BodyRaw, and URLs,
// headers and query values, which the engine escapes as it builds the
// request). The load-time parts of a template are escaped already. It
// returns value itself, without allocating, when nothing needs escaping.
func EscapeValue(bodyKind, value string) string {
	switch bodyKind {
	case BodyJSON:
		return jsonEscape(value)
	case BodyForm:
		return url.QueryEscape(value)
	}
	return value
}

// jsonEscape escapes s for the inside of a JSON string: quote, backslash
// and control characters, with invalid UTF-8 replaced by U+FFFD.
func jsonEscape(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; {
		c := s[i]
		if c < utf8.RuneSelf {
			clean = c >= 0x20 && c != '"' && c != '\\'
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		clean = r != utf8.RuneError || n > 1
		i += n
	}
	if clean {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// Prefixes of the variables that are not plain names.
const (
	envPrefix  = "env."  // ${env.NAME}, ${env.NAME:-default}
	dataPrefix = "data." // ${data.FEEDER.COLUMN}
	envDefault = ":-"
)

// segment is a piece of a templated value as written: a literal (escapes
// undone) or a ${...} reference.
type segment struct {
	lit   string
	ref   string // the text between ${ and }
	isRef bool
	off   int // byte offset in the value: of the ${ for a reference
}

// segError is a syntax error at a byte offset of a templated value.
type segError struct {
	off int
	msg string
}

// splitTemplate splits a value into literals and ${...} references.
// $${ is a literal ${; a $ not followed by { is a literal $.
func splitTemplate(s string) ([]segment, []segError) {
	var segs []segment
	var errs []segError
	var lit strings.Builder
	litStart := 0
	flush := func() {
		if lit.Len() > 0 {
			segs = append(segs, segment{lit: lit.String(), off: litStart})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			if lit.Len() == 0 {
				litStart = i
			}
			lit.WriteString("${")
			i += 3
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				errs = append(errs, segError{i, "unterminated ${: close it with }, or write $${ for a literal ${"})
				flush()
				return segs, errs
			}
			flush()
			ref := s[i+2 : i+2+end]
			if msg := refSyntax(ref); msg != "" {
				errs = append(errs, segError{i, msg})
			}
			segs = append(segs, segment{ref: ref, isRef: true, off: i})
			i += end + 3
		default:
			if lit.Len() == 0 {
				litStart = i
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			lit.WriteString(s[i : i+n])
			i += n
		}
	}
	flush()
	return segs, errs
}

// refSyntax says what is wrong with the text of a reference, or "".
func refSyntax(ref string) string {
	name := ref
	if strings.HasPrefix(ref, envPrefix) {
		name, _, _ = strings.Cut(ref, envDefault)
	}
	switch {
	case name == "":
		return "empty ${}: write a variable name inside, like ${token}"
	case strings.Contains(ref, envDefault) && !strings.HasPrefix(ref, envPrefix):
		return "invalid variable reference " + quote("${"+ref+"}") + ": only environment variables take a default (${env.NAME:-default})"
	case !isVarPath(name):
		return "invalid variable reference " + quote("${"+ref+"}") + ": a name is letters, digits and _ (also - and . in env.NAME and data.FEEDER.COLUMN)"
	}
	return ""
}

// isVarPath reports a name made of dot-separated parts, the first a
// letter or _ followed by letters, digits, _ or -.
func isVarPath(s string) bool {
	for part := range strings.SplitSeq(s, ".") {
		if part == "" {
			return false
		}
		for i, r := range part {
			switch {
			case r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			case i > 0 && ('0' <= r && r <= '9' || r == '-'):
			default:
				return false
			}
		}
	}
	return true
}

// isIdent reports a plain variable name: a letter or _, then letters,
// digits and _.
func isIdent(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".-") && isVarPath(s)
}

// tmplBuilder accumulates a Template: Raw as written, Parts resolved.
type tmplBuilder struct {
	raw   strings.Builder
	parts []TemplatePart
}

// lit appends literal text to the parts.
func (t *tmplBuilder) lit(s string) {
	if s == "" {
		return
	}
	if n := len(t.parts); n > 0 && t.parts[n-1].Var == "" {
		t.parts[n-1].Literal += s
		return
	}
	t.parts = append(t.parts, TemplatePart{Literal: s})
}

// ref appends a run-time variable.
func (t *tmplBuilder) ref(name string) { t.parts = append(t.parts, TemplatePart{Var: name}) }

// done returns the template. A template with text always has parts (an
// empty literal if everything resolved to nothing), so that the engine
// never falls back to Raw for it.
func (t *tmplBuilder) done() Template {
	out := Template{Raw: t.raw.String(), Parts: t.parts}
	if out.Raw != "" && len(out.Parts) == 0 {
		out.Parts = []TemplatePart{{}}
	}
	return out
}

// hasVars reports whether a template needs run-time variables.
func hasVars(t Template) bool {
	return slices.ContainsFunc(t.Parts, func(p TemplatePart) bool { return p.Var != "" })
}

// literalText is the text of a template without run-time variables.
func literalText(t Template) string {
	var b strings.Builder
	for _, p := range t.Parts {
		b.WriteString(p.Literal)
	}
	return b.String()
}

// valuePos locates byte offset i of scalar n's value in the file. It is
// exact when the value up to i is written on one line, plain or quoted,
// without escapes (checked against the source); otherwise it is the
// position of the scalar itself.
func valuePos(source []byte, n *yaml.Node, i int) (line, col int) {
	line, col = n.Line, n.Column
	if n.Kind != yaml.ScalarNode || i < 0 || i > len(n.Value) {
		return line, col
	}
	lead := 0
	switch n.Style {
	case 0:
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		lead = 1
	default:
		return line, col
	}
	text := sourceLine(source, n.Line)
	// Skip to the scalar's column (runes, 1-based), then past its quote.
	for c := 1; c < n.Column+lead; c++ {
		_, size := utf8.DecodeRune(text)
		if size == 0 {
			return line, col
		}
		text = text[size:]
	}
	prefix := n.Value[:i]
	if !bytes.HasPrefix(text, []byte(prefix)) {
		return line, col
	}
	return line, col + lead + utf8.RuneCountInString(prefix)
}

// sourceLine returns line (1-based) of source, without its newline.
func sourceLine(source []byte, line int) []byte {
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(source, '\n')
		if i < 0 {
			return nil
		}
		source = source[i+1:]
	}
	if i := bytes.IndexByte(source, '\n'); i >= 0 {
		source = source[:i]
	}
	return source
}
