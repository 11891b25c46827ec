package labs

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v4"
)

func TestLabLibraryParses(t *testing.T) {
	all, err := Library()
	if err != nil {
		t.Fatal(err)
	}
	names := Names()
	if len(all) != len(names) || names[0] != "concurrency" || names[len(names)-1] != "protocols" {
		t.Fatalf("library order: %v", names)
	}
	for i, l := range all {
		if l.Name != names[i] {
			t.Errorf("%s: file holds lab %q", names[i], l.Name)
		}
		if !strings.HasSuffix(l.Question, "?") {
			t.Errorf("%s: question %q", l.Name, l.Question)
		}
		if l.Unavailable == "" && (len(l.Variants) < 2 || l.About == "" || l.reading == "") {
			t.Errorf("%s: %d variants, about %q, reading %q", l.Name, len(l.Variants), l.About, l.reading)
		}
	}
}

// A problem in an inline scenario or topology is reported at its line and
// column in the lab file, with the lab's own problems, all at once.
func TestLabParseErrorsArePositioned(t *testing.T) {
	const lab = `name: broken
question: does it parse?
scenario:
  requests:
    - {path: /, method: "GET POST"}
  load: {executor: constant-arrival-rate, rate: 10, duration: 1s}
columns: [rps, no_such_metric]
variants:
  - name: a
    topology:
      entry: app
      pieces:
        - {name: app, kind: concurrent, workers: -1}
  - name: b
    topology: concurrent
    actions:
      - {at: 1s, kill: db}
      - {at: 1s, slow: app, hang: app}
  - name: b
    topology: concurrent
  - name: c
    topology: nope
reading: '{{(v "c").M "rps"}}'
`
	_, err := Parse("lab.yaml", []byte(lab), Env{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"lab.yaml:5:", // the scenario's bad method, at its line
		"lab.yaml:7:16: metric \"no_such_metric\"", // the column
		"lab.yaml:13:", // workers -1 in the inline topology
		"lab.yaml:17:", // kill: db, no such piece
		"lab.yaml:18:", // two verbs in one action
		"lab.yaml:19:", // duplicate name
		"lab.yaml:22:15: no built-in topology \"nope\"",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
}

func TestLabParseReadingChecked(t *testing.T) {
	const lab = `name: r
question: q?
topology: concurrent
scenario: {requests: [{path: /}], load: {executor: constant-arrival-rate, rate: 10, duration: 1s}}
variants: [{name: a}, {name: b}]
reading: '{{(v "c").M "rps"}}'
`
	_, err := Parse("r.yaml", []byte(lab), Env{})
	if err == nil || !strings.Contains(err.Error(), `r.yaml:6:10: reading: `) || !strings.Contains(err.Error(), `no variant "c"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse("r.yaml", []byte(strings.Replace(lab, `(v "c").M "rps"`, `(v "a").F "rsp"`, 1)), Env{})
	if err == nil || !strings.Contains(err.Error(), `reading: metric "rsp"`) {
		t.Fatalf("err = %v", err)
	}
}

// An inline topology can be anchored once and reused by other variants.
func TestLabTopologyAlias(t *testing.T) {
	const src = `name: alias
question: q?
scenario: {requests: [{path: /}], load: {executor: constant-arrival-rate, rate: 10, duration: 1s}}
variants:
  - name: a
    topology: &two
      entry: lb
      pieces:
        - {name: app, kind: concurrent, count: 2}
        - {name: lb, kind: lb, to: app}
  - name: b
    topology: *two
    set: {backends: 3}
  - name: c
    topology: *two
    set: {backends: 70}
`
	_, err := Parse("alias.yaml", []byte(src), Env{})
	if err == nil || !strings.Contains(err.Error(), "alias.yaml:16:10: set: backends 70") {
		t.Fatalf("err = %v", err)
	}
	lab, err := Parse("alias.yaml", []byte(strings.Replace(src, "70", "1", 1)), Env{})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := lab.Variants[1].spec()
	if err != nil || len(spec.Pieces) != 2 || spec.Pieces[0].Count != 3 {
		t.Fatalf("variant b: %v %+v", err, spec)
	}
}

// cut keeps a value's lines and columns where they were.
func TestLabCutKeepsPositions(t *testing.T) {
	src := "a: 1\nx:\n  - k: {p: 1}\n    topo:\n      entry: e   # c\n\n      pieces: []\n    next: 2\nb: 3\n"
	var root yaml.Node
	if err := yaml.Load([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	l := locator{file: "f", root: &root}
	key, val := l.find("x", 0, "topo")
	got := string(cut([]byte(src), key, val))
	want := "\n\n\n\n      entry: e   # c\n\n      pieces: []\n"
	if got != want {
		t.Fatalf("cut = %q, want %q", got, want)
	}
	key, val = l.find("x", 0, "k")
	if got := string(cut([]byte(src), key, val)); got != "\n\n       {p: 1}\n" {
		t.Fatalf("flow cut = %q", got)
	}
}

func TestLabReadingFunctions(t *testing.T) {
	vs := []*VariantResult{
		{Name: "a", Values: map[string]float64{"rps": 9.8, "p99": 41.25, "error_rate": 0.125}},
		{Name: "b", Values: map[string]float64{"rps": 1, "p99": 1500, "error_rate": 0}},
	}
	lab := &Lab{Name: "t", reading: `{{$a := v "a"}}{{times ($a.M "rps") ((v "b").M "rps")}}
	{{ms ($a.M "p99")}} {{pct ($a.M "error_rate")}} {{(best "p99").Name}} {{(least "p99").Name}}
	{{num (div 2.0 3.0)}} {{if lt ($a.M "rps") 10.0}}below{{end}} {{$a.F "p99"}} {{(v "b").F "capacity"}}`}
	got, err := render(lab, vs)
	if err != nil {
		t.Fatal(err)
	}
	if want := "9.8× 41.2 ms 12.5% b a 0.67 below 41.2ms -"; got != want {
		t.Fatalf("reading = %q, want %q", got, want)
	}
}

// A conditional action fires on the first interval where its condition
// holds, and the run records it as an event.
func TestLabConditionalAction(t *testing.T) {
	const src = `name: when
question: does it fire?
interval: 200ms
topology:
  entry: lb
  pieces:
    - {name: app, kind: concurrent, count: 1, work: {service: {dist: constant, value: 5ms}}}
    - {name: lb, kind: lb, to: app}
scenario:
  requests: [{path: /work}]
  load: {executor: constant-arrival-rate, rate: 50, duration: 1500ms, grace: 1s}
variants:
  - name: grows
    actions:
      - {at: 300ms, slow: app, instance: 1, by: 60ms}
      - {when: "p(99) > 40ms", scale_out: app, add: 1}
`
	lab, err := Parse("when.yaml", []byte(src), Env{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(context.Background(), lab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := out.Variants[0]
	var kinds []string
	for _, e := range v.Results.Events {
		kinds = append(kinds, e.Kind+" "+e.Detail+" at "+e.At.Round(10*time.Millisecond).String())
	}
	if len(kinds) != 2 || !strings.HasPrefix(kinds[1], "scale_out app +1 (when p(99) > 40ms)") {
		t.Fatalf("events: %q", kinds)
	}
	if n := len(v.Targets.Backends); n != 2 {
		t.Errorf("%d backends at the end, want 2", n)
	}
	if at := v.M("action_at_s"); at < 0.25 || at > 0.5 {
		t.Errorf("first action at %.2fs", at)
	}
}
