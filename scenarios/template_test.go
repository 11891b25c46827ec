package scenarios

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/quick"

	"go.yaml.in/yaml/v4"
)

func TestSplitTemplate(t *testing.T) {
	lit := func(s string, off int) segment { return segment{lit: s, off: off} }
	ref := func(s string, off int) segment { return segment{ref: s, isRef: true, off: off} }
	for _, tt := range []struct {
		in   string
		want []segment
		errs []segError
	}{
		{"", nil, nil},
		{"plain", []segment{lit("plain", 0)}, nil},
		{"${a}", []segment{ref("a", 0)}, nil},
		{"x${a}y${b.c}", []segment{lit("x", 0), ref("a", 1), lit("y", 5), ref("b.c", 6)}, nil},
		{"$${a}", []segment{lit("${a}", 0)}, nil},
		{"$$${a}", []segment{lit("$${a}", 0)}, nil},
		{"a$b{c}$", []segment{lit("a$b{c}$", 0)}, nil},
		{"é${env.X:-d e}", []segment{lit("é", 0), ref("env.X:-d e", 2)}, nil},
		{"a${b", []segment{lit("a", 0)}, []segError{{1, "unterminated ${: close it with }, or write $${ for a literal ${"}}},
		{"${}", []segment{ref("", 0)}, []segError{{0, "empty ${}: write a variable name inside, like ${token}"}}},
	} {
		segs, errs := splitTemplate(tt.in)
		if !reflect.DeepEqual(segs, tt.want) || !reflect.DeepEqual(errs, tt.errs) {
			t.Errorf("splitTemplate(%q) =\n %+v %+v\nwant\n %+v %+v", tt.in, segs, errs, tt.want, tt.errs)
		}
	}
}

func TestRefSyntax(t *testing.T) {
	for ref, ok := range map[string]bool{
		"a": true, "_a1": true, "data.users.first-name": true, "env.HOME": true, "env.X:-": true, "env.X:-a}b": true,
		"": false, "1a": false, "a b": false, "a.": false, ".a": false, "a..b": false, "x:-y": false, "env.:-x": false, "a-b": true,
	} {
		if got := refSyntax(ref) == ""; got != ok {
			t.Errorf("refSyntax(%q) ok = %v, want %v (%s)", ref, got, ok, refSyntax(ref))
		}
	}
	if isIdent("a-b") || isIdent("a.b") || !isIdent("a_b2") {
		t.Error("isIdent")
	}
}

// valuePos points at a ${ inside a scalar when the scalar is written on
// one line without escapes before it, else at the scalar.
func TestValuePos(t *testing.T) {
	for _, tt := range []struct {
		doc       string
		off       int
		line, col int
	}{
		{"k: ab${x}", 2, 1, 6},
		{"k: 'ab${x}'", 2, 1, 7},
		{`k: "ab${x}"`, 2, 1, 7},
		{"k: 'it''s ${x}'", 5, 1, 4},       // an escape before: the scalar
		{`k: "a\tb ${x}"`, 4, 1, 4},        // likewise
		{`k: "a ${x} \t"`, 2, 1, 7},        // an escape after does not matter
		{"k: |\n  ab ${x}\n", 3, 1, 4},     // block scalars: the scalar
		{"k: ab\n  cd ${x}\n", 6, 1, 4},    // folded plain: the scalar
		{"k: é ${x}", 3, 1, 6},             // columns count characters
		{"- {k: [1, \"${x}\"]}", 0, 1, 12}, // in flow collections
		{"k: !!str ${x}", 0, 1, 4},         // a tag: the scalar
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tt.doc), &doc); err != nil {
			t.Fatal(err)
		}
		n := findScalar(&doc)
		line, col := valuePos([]byte(tt.doc), n, tt.off)
		if line != tt.line || col != tt.col {
			t.Errorf("%q offset %d: %d:%d, want %d:%d", tt.doc, tt.off, line, col, tt.line, tt.col)
		}
	}
}

// findScalar returns the scalar holding ${, depth first.
func findScalar(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		return n
	}
	for _, c := range n.Content {
		if f := findScalar(c); f != nil {
			return f
		}
	}
	return nil
}

func TestJSONPathProblem(t *testing.T) {
	valid := []string{
		"token", "a.b.c", "items.0.id", "items.#", `fav\.movie`, "..#", "..0.name",
		`friends.#(last=="Murphy").first`, `friends.#(nets.#(=="fb"))#.first`, "@reverse", "a|b", "a.{b,c}",
		`a.#(b=="x)y")`, "children.1",
	}
	for _, p := range valid {
		if msg := jsonPathProblem(p); msg != "" {
			t.Errorf("jsonPathProblem(%q) = %q, want valid", p, msg)
		}
	}
	invalid := map[string]string{
		"":           "must not be empty",
		" ":          "must not be empty",
		"$":          "no $ root",
		"$.a.b":      `write "a.b"`,
		"$[0]":       "no $ root",
		".a":         "empty part at byte 1",
		"a..b":       "empty part at byte 3",
		"a.":         "ends with a dot",
		"a.#(b==1":   `unclosed "("`,
		"a)":         `unbalanced ")"`,
		`a.#(b=="x)`: "unterminated string",
		"a.{b,c]":    `unbalanced "]"`,
	}
	for p, frag := range invalid {
		if msg := jsonPathProblem(p); !strings.Contains(msg, frag) {
			t.Errorf("jsonPathProblem(%q) = %q, want it to contain %q", p, msg, frag)
		}
	}
}

func TestThresholdSyntax(t *testing.T) {
	for expr, frag := range map[string]string{
		"p(99) < 200ms":       "",
		"p(99)<=1s":           "",
		"rps > 500":           "",
		"rate(checks) >= .99": "",
		"dropped == 0":        "",
		"errors != 3":         "",
		"":                    "empty",
		"p(99) 200ms":         "no comparison",
		"< 1":                 "nothing before <",
		"p(99) <":             "nothing after <",
		"p(99) <=":            "nothing after <=",
		"a ==":                "nothing after ==",
	} {
		if msg := thresholdSyntax(expr); (frag == "") != (msg == "") || !strings.Contains(msg, frag) {
			t.Errorf("thresholdSyntax(%q) = %q, want %q", expr, msg, frag)
		}
	}
}

// EscapeValue keeps a JSON body valid and a form value whole, whatever
// the value; a value that needs nothing costs nothing.
func TestEscapeValue(t *testing.T) {
	check := func(v string) bool {
		var back string
		if err := json.Unmarshal([]byte(`"`+EscapeValue(BodyJSON, v)+`"`), &back); err != nil {
			t.Logf("json %q: %v", v, err)
			return false
		}
		if back != string([]rune(v)) { // each invalid byte becomes U+FFFD
			t.Logf("json %q came back %q", v, back)
			return false
		}
		q, err := url.ParseQuery("k=" + EscapeValue(BodyForm, v))
		if err != nil || q.Get("k") != v {
			t.Logf("form %q: %v %q", v, err, q.Get("k"))
			return false
		}
		return EscapeValue(BodyRaw, v) == v
	}
	for _, v := range []string{"", "plain", `q"u\o`, "a\nb\r\t\x00\x1f\x7f", "é\u2028\uFFFD", "bad\xff\xfeutf8", "a&b=c+d %"} {
		if !check(v) {
			t.Errorf("EscapeValue(%q)", v)
		}
	}
	if err := quick.Check(check, nil); err != nil {
		t.Error(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = EscapeValue(BodyJSON, "user1@example.test") }); n != 0 {
		t.Errorf("EscapeValue of a clean value allocates %v times", n)
	}
}
