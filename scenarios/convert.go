package scenarios

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

// opt is a value that may have been given, with where it came from. The
// bad state keeps a value that was given but could not be read (already
// reported) from also being reported as missing, or from steering the
// executor inference the wrong way.
type opt[T any] struct {
	v   T
	at  src
	set bool // given, with a usable value
	bad bool // given, but unreadable
}

// given reports whether the value was written at all.
func (o opt[T]) given() bool { return o.set || o.bad }

// some returns a set opt.
func some[T any](v T, at src) opt[T] { return opt[T]{v: v, at: at, set: true} }

// srcOf locates an entry's value (and key) for messages labelled with its
// field name.
func srcOf(e entry) src {
	return src{label: e.name, line: e.val.Line, col: e.val.Column, keyLine: e.key.Line, keyCol: e.key.Column}
}

// fail reports a value that could not be read and marks the opt bad.
func fail[T any](d *decoder, o *opt[T], format string, args ...any) {
	d.p.add(o.at, format, args...)
	o.bad = true
}

// str reads a string. Any scalar but null counts (name: 123 is "123");
// hint, when not empty, is appended to the type error.
func (d *decoder) str(e entry, hint string) (o opt[string]) {
	if e.val == nil {
		return o
	}
	o.at = srcOf(e)
	n := deref(e.val)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		fail(d, &o, "expected a string, got %s%s", describe(n), hint)
		return o
	}
	o.v, o.set = n.Value, true
	return o
}

// num reads a finite number.
func (d *decoder) num(e entry) (o opt[float64]) {
	if e.val == nil {
		return o
	}
	o.at = srcOf(e)
	f, msg := number(deref(e.val))
	if msg != "" {
		fail(d, &o, "%s", msg)
		return o
	}
	o.v, o.set = f, true
	return o
}

// integer reads a whole number that fits an int (1e3 and 10.0 are fine).
func (d *decoder) integer(e entry) (o opt[int]) {
	if e.val == nil {
		return o
	}
	o.at = srcOf(e)
	n := deref(e.val)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var i int64
		if n.Decode(&i) == nil && int64(int(i)) == i {
			o.v, o.set = int(i), true
			return o
		}
	}
	f, msg := number(n)
	switch {
	case msg != "":
		fail(d, &o, "%s", msg)
	case f != math.Trunc(f):
		fail(d, &o, "expected a whole number, got %s", n.Value)
	case f >= math.MaxInt64 || f < math.MinInt64 || int64(int(int64(f))) != int64(f):
		fail(d, &o, "number too large, got %s", clip(n.Value))
	default:
		o.v, o.set = int(f), true
	}
	return o
}

// number reads a YAML number, or says why n is not one.
func number(n *yaml.Node) (float64, string) {
	const want = "expected a number, got "
	if n.Kind != yaml.ScalarNode {
		return 0, want + describe(n)
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return 0, want + describe(n)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, "expected a finite number, got " + n.Value
		}
		return f, ""
	case "!!str":
		// The resolver turns numbers beyond float64 into strings.
		_, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if errors.Is(err, strconv.ErrRange) {
			return 0, "number out of range, got " + clip(n.Value)
		}
		if err == nil && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			return 0, want + "the string " + quote(n.Value) + " (remove the quotes)"
		}
	}
	return 0, want + describe(n)
}

// dur reads a Go duration string ("10s", "1m30s", "500ms").
func (d *decoder) dur(e entry) (o opt[time.Duration]) {
	if e.val == nil {
		return o
	}
	o.at = srcOf(e)
	n := deref(e.val)
	const want = "expected a duration like 10s or 500ms, got "
	if n.Kind != yaml.ScalarNode {
		fail(d, &o, "%s%s", want, describe(n))
		return o
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		// A bare 0 needs no unit; any other bare number is ambiguous
		// (seconds? milliseconds?), so ask for the unit.
		if f, msg := number(n); msg == "" && f == 0 {
			o.set = true
			return o
		}
		fail(d, &o, "%s%s (a number needs a unit: ms, s, m or h)", want, clip(n.Value))
	case "!!str":
		v, err := time.ParseDuration(strings.TrimSpace(n.Value))
		if err != nil {
			fail(d, &o, "%s%s", want, quote(n.Value))
			return o
		}
		o.v, o.set = v, true
	default:
		fail(d, &o, "%s%s", want, describe(n))
	}
	return o
}

// boolean reads true or false.
func (d *decoder) boolean(e entry) (o opt[bool]) {
	if e.val == nil {
		return o
	}
	o.at = srcOf(e)
	n := deref(e.val)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		if n.Decode(&b) == nil {
			o.v, o.set = b, true
			return o
		}
	}
	fail(d, &o, "expected true or false, got %s", describe(n))
	return o
}

// list returns the items of a sequence, or ok=false after reporting.
func (d *decoder) list(e entry, expected string) ([]*yaml.Node, bool) {
	n := deref(e.val)
	if n.Kind != yaml.SequenceNode {
		d.p.add(srcOf(e), "expected %s, got %s", expected, describe(n))
		return nil, false
	}
	return n.Content, true
}
