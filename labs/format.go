package labs

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
	"github.com/stampede-lab/stampede/targets/lb"
	"github.com/stampede-lab/stampede/targets/topology"
)

// Defaults of a lab file.
const (
	DefaultInterval = time.Second
	MinInterval     = 100 * time.Millisecond
	DefaultBudget   = "p(99) < 100ms"
	// probeURL stands in for a variant's entry point while a lab file is
	// checked: nothing is sent there.
	probeURL = "http://127.0.0.1:8080"
)

// Env is what a lab may read from outside: the data files its scenarios
// name and the environment variables they use. Nil functions mean none.
type Env struct {
	ReadFile func(name string) ([]byte, error)
	Getenv   func(string) string
}

// Lab is a validated lab file.
type Lab struct {
	Name     string
	Question string
	// About explains the lab: what runs, what to look at, what is not
	// built yet.
	About string
	// Unavailable, when set, says why the lab cannot run yet (it needs
	// parts that do not exist); such a lab has no variants.
	Unavailable string
	// Interval is the reporting interval of every run: shorter for labs
	// whose story happens within seconds (faults).
	Interval time.Duration
	// SLO is the latency an interval's p99 should stay under, for the
	// over_slo_s metric; 0 if the lab sets none.
	SLO time.Duration
	// Budget is the latency budget of capacity searches.
	Budget   string
	Columns  []Column
	Variants []*Variant
	// File is where the lab was read from ("builtin:NAME" for the library).
	File string

	reading   string
	scenario  *source            // the default scenario, or nil
	scenarios map[string]*source // named alternatives
	load      LoadSpec
	client    ClientSpec
	env       Env
}

// Column is one extra column of the comparison table.
type Column struct {
	Metric string
	Title  string
}

// Variant is one arm of a lab: a topology, the scenario run against it,
// and what happens to it during the run.
type Variant struct {
	Name  string
	About string
	// Actions happen during the run, at their time or on their condition.
	Actions []Action
	LB      LBSpec
	Load    LoadSpec
	Client  ClientSpec

	topo     *source
	set      Set
	scenario string // a key of Lab.scenarios or a built-in name; "" for the lab's
}

// source is a topology or scenario: a built-in name, or the text of an
// inline one cut out of the lab file with its positions kept.
type source struct {
	builtin string
	file    string
	data    []byte
}

// Set reshapes a variant's topology: the `stampede serve` flags, plus the
// auth pieces' store and mode.
type Set struct {
	Backends int           `yaml:"backends"`
	Policy   string        `yaml:"policy"`
	Workers  int           `yaml:"workers"`
	Sleep    time.Duration `yaml:"sleep"`
	Size     int           `yaml:"size"`
	// Store is every auth piece's session store: own or shared.
	Store string `yaml:"store"`
	// Auth is every auth piece's mode: session or jwt.
	Auth string `yaml:"auth"`
}

// LBSpec sets what the topology format does not say about the entry load
// balancer, which the lab starts itself so that actions can drive it.
type LBSpec struct {
	Mode           string        `yaml:"mode"` // l7 or l4
	Weights        []int         `yaml:"weights"`
	ClientIPHeader string        `yaml:"client_ip_header"`
	HealthInterval time.Duration `yaml:"health_interval"`
	// ActiveChecks false turns active health checks off (default on).
	ActiveChecks *bool `yaml:"active_checks"`
	// PassiveFailures is how many transport errors in a row eject a
	// backend; 0 turns passive ejection off (default lb.DefaultPassiveFailures).
	PassiveFailures *int          `yaml:"passive_failures"`
	PassiveCooldown time.Duration `yaml:"passive_cooldown"`
}

func (l LBSpec) zero() bool {
	return l.Mode == "" && len(l.Weights) == 0 && l.ClientIPHeader == "" && l.HealthInterval == 0 &&
		l.ActiveChecks == nil && l.PassiveFailures == nil && l.PassiveCooldown == 0
}

// LoadSpec overrides a scenario's load. Duration scales a staged load's
// shape instead of replacing it.
type LoadSpec struct {
	Rate       *float64       `yaml:"rate"`
	VUs        *int           `yaml:"vus"`
	MaxVUs     *int           `yaml:"max_vus"`
	Duration   *time.Duration `yaml:"duration"`
	Grace      *time.Duration `yaml:"grace"`
	MaxBacklog *time.Duration `yaml:"max_backlog"`
}

// ClientSpec overrides a scenario's client settings.
type ClientSpec struct {
	KeepAlive   *bool          `yaml:"keep_alive"`
	Connections *int           `yaml:"connections"`
	Timeout     *time.Duration `yaml:"timeout"`
}

// The decoded shape of a lab file, before validation.
type labDoc struct {
	Name        string        `yaml:"name"`
	Question    string        `yaml:"question"`
	About       string        `yaml:"about"`
	Unavailable string        `yaml:"unavailable"`
	Topology    yaml.Node     `yaml:"topology"`
	Scenario    yaml.Node     `yaml:"scenario"`
	Scenarios   yaml.Node     `yaml:"scenarios"`
	Load        LoadSpec      `yaml:"load"`
	Client      ClientSpec    `yaml:"client"`
	Interval    time.Duration `yaml:"interval"`
	SLO         time.Duration `yaml:"slo"`
	Budget      string        `yaml:"budget"`
	Columns     yaml.Node     `yaml:"columns"`
	Reading     string        `yaml:"reading"`
	Variants    []variantDoc  `yaml:"variants"`
}

type variantDoc struct {
	Name     string      `yaml:"name"`
	About    string      `yaml:"about"`
	Topology yaml.Node   `yaml:"topology"`
	Set      Set         `yaml:"set"`
	LB       LBSpec      `yaml:"lb"`
	Scenario string      `yaml:"scenario"`
	Load     LoadSpec    `yaml:"load"`
	Client   ClientSpec  `yaml:"client"`
	Actions  []actionDoc `yaml:"actions"`
}

// Error is one problem of a lab file, at a position.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Errors is every problem found in a lab file, in the order found (file
// order within each part).
type Errors []error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As find an inner problem.
func (es Errors) Unwrap() []error { return es }

// Parse reads and checks a lab file: its topologies and scenarios are
// parsed and every variant's plan is built, so that a lab that parses
// also starts. Every problem is reported at once, as file:line:col.
func Parse(file string, data []byte, env Env) (*Lab, error) {
	if len(bytes.TrimSpace(stripComments(data))) == 0 {
		return nil, Errors{&Error{File: file, Line: 1, Col: 1, Msg: "empty lab: expected a mapping with name, question, scenario and variants"}}
	}
	var root yaml.Node
	if err := yaml.Load(data, &root); err != nil {
		return nil, yamlErrors(file, err)
	}
	var doc labDoc
	if err := yaml.Load(data, &doc, yaml.WithKnownFields()); err != nil {
		return nil, yamlErrors(file, err)
	}
	p := &parser{loc: locator{file: file, root: &root}, data: data, env: env, seen: map[string]bool{}}
	lab := p.lab(&doc)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return lab, nil
}

// stripComments drops comment lines, to tell an empty file.
func stripComments(data []byte) []byte {
	var out []byte
	for line := range bytes.Lines(data) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
		}
	}
	return out
}

func yamlErrors(file string, err error) Errors {
	var les *yaml.LoadErrors
	if errors.As(err, &les) {
		out := make(Errors, 0, len(les.Errors))
		for _, e := range les.Errors {
			out = append(out, &Error{File: file, Line: e.Mark.Line, Col: e.Mark.Column, Msg: e.Message})
		}
		return out
	}
	var le *yaml.LoadError
	if errors.As(err, &le) {
		return Errors{&Error{File: file, Line: le.Mark.Line, Col: le.Mark.Column, Msg: le.Message}}
	}
	return Errors{&Error{File: file, Msg: err.Error()}}
}

type parser struct {
	loc  locator
	data []byte
	env  Env
	errs Errors
	seen map[string]bool // scenario errors reported
}

func (p *parser) add(msg string, path ...any) { p.errs = append(p.errs, p.loc.at(msg, path...)) }

func (p *parser) lab(d *labDoc) *Lab {
	lab := &Lab{
		Name: strings.TrimSpace(d.Name), Question: strings.TrimSpace(d.Question),
		About: strings.TrimSpace(d.About), Unavailable: strings.TrimSpace(d.Unavailable),
		Interval: d.Interval, SLO: d.SLO, Budget: strings.TrimSpace(d.Budget),
		reading: d.Reading, load: d.Load, client: d.Client, scenarios: map[string]*source{},
		File: p.loc.file, env: p.env,
	}
	if lab.Name == "" {
		p.add("missing name: expected the lab's name, such as scale-out")
	}
	if lab.Question == "" {
		p.add("missing question: expected the question the lab answers")
	}
	if lab.Unavailable != "" {
		if len(d.Variants) > 0 {
			p.add("a lab that is unavailable has no variants", "variants")
		}
		return lab
	}
	switch {
	case lab.Interval == 0:
		lab.Interval = DefaultInterval
	case lab.Interval < MinInterval:
		p.add(fmt.Sprintf("interval %v: expected at least %v", lab.Interval, MinInterval), "interval")
	}
	if lab.SLO < 0 {
		p.add(fmt.Sprintf("slo %v: expected a latency above 0", lab.SLO), "slo")
	}
	if lab.Budget == "" {
		lab.Budget = DefaultBudget
	} else if _, err := reports.ParseThreshold(lab.Budget); err != nil {
		p.add(fmt.Sprintf("budget: %v", err), "budget")
	}
	lab.scenario = p.scenarioSource(&d.Scenario, "scenario")
	p.namedScenarios(lab)
	lab.Columns = p.columns(&d.Columns)
	defTopo := p.topologySource(&d.Topology, "topology")
	if len(d.Variants) == 0 {
		p.add("no variants: expected a list of variants, each with a name and a topology", "variants")
	}
	seen := map[string]bool{}
	for i := range d.Variants {
		v := p.variant(lab, &d.Variants[i], i, defTopo)
		if v == nil {
			continue
		}
		if seen[v.Name] {
			p.add(fmt.Sprintf("duplicate variant name %q", v.Name), "variants", i, "name")
		}
		seen[v.Name] = true
		lab.Variants = append(lab.Variants, v)
	}
	if len(p.errs) == 0 {
		if err := checkReading(lab); err != nil {
			p.add(err.Error(), "reading")
		}
	}
	return lab
}

// scenarioSource reads a scenario field: a built-in scenario's name, or an
// inline scenario (a mapping in the scenario file format).
func (p *parser) scenarioSource(n *yaml.Node, path ...any) *source {
	if n.Kind == 0 {
		return nil
	}
	key, val := p.loc.resolve(p.loc.find(path...))
	switch val.Kind {
	case yaml.ScalarNode:
		file, data, err := scenarios.Builtin(val.Value)
		if err != nil {
			p.add(err.Error(), path...)
			return nil
		}
		return &source{builtin: val.Value, file: file, data: data}
	case yaml.MappingNode:
		return &source{file: p.loc.file, data: cut(p.data, key, val)}
	}
	p.add("expected a built-in scenario's name or a scenario (a mapping with requests or flows, load, client)", path...)
	return nil
}

func (p *parser) namedScenarios(lab *Lab) {
	_, m := p.loc.find("scenarios")
	if m == nil || m == p.loc.doc() {
		return
	}
	if m.Kind != yaml.MappingNode {
		p.add("scenarios: expected a mapping of names to scenarios", "scenarios")
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		name := m.Content[i].Value
		if src := p.scenarioSource(m.Content[i+1], "scenarios", name); src != nil {
			lab.scenarios[name] = src
		}
	}
}

// topologySource reads a topology field: a built-in topology's name, or an
// inline topology (a mapping in the topology file format).
func (p *parser) topologySource(n *yaml.Node, path ...any) *source {
	if n.Kind == 0 {
		return nil
	}
	key, val := p.loc.resolve(p.loc.find(path...))
	var src *source
	switch val.Kind {
	case yaml.ScalarNode:
		src = &source{builtin: val.Value}
	case yaml.MappingNode:
		src = &source{file: p.loc.file, data: cut(p.data, key, val)}
	default:
		p.add("expected a built-in topology's name or a topology (a mapping with entry and pieces)", path...)
		return nil
	}
	if _, err := src.topology(); err != nil {
		if src.builtin != "" {
			p.add(err.Error(), path...)
		} else {
			p.errs = append(p.errs, err)
		}
		return nil
	}
	return src
}

// topology parses a fresh copy of the source's topology.
func (s *source) topology() (*topology.Spec, error) {
	if s.builtin != "" {
		return topology.Builtin(s.builtin)
	}
	return topology.Parse(s.file, s.data)
}

func (p *parser) columns(n *yaml.Node) []Column {
	if n.Kind == 0 {
		return nil
	}
	_, val := p.loc.find("columns")
	if val.Kind != yaml.SequenceNode {
		p.add("columns: expected a list of metric names, or of {metric, title}", "columns")
		return nil
	}
	var out []Column
	for i, item := range val.Content {
		var c Column
		switch item.Kind {
		case yaml.ScalarNode:
			c.Metric = item.Value
		case yaml.MappingNode:
			var m struct {
				Metric string `yaml:"metric"`
				Title  string `yaml:"title"`
			}
			if err := item.Load(&m, yaml.WithKnownFields()); err != nil {
				p.errs = append(p.errs, yamlErrors(p.loc.file, err)...)
				continue
			}
			c = Column{Metric: m.Metric, Title: m.Title}
		default:
			p.add("a column is a metric name or {metric, title}", "columns", i)
			continue
		}
		if err := checkMetric(c.Metric); err != nil {
			p.add(err.Error(), "columns", i)
			continue
		}
		if c.Title == "" {
			c.Title = metricTitle(c.Metric)
		}
		out = append(out, c)
	}
	return out
}

func (p *parser) variant(lab *Lab, d *variantDoc, i int, defTopo *source) *Variant {
	at := func(path ...any) []any { return append([]any{"variants", i}, path...) }
	v := &Variant{Name: strings.TrimSpace(d.Name), About: strings.TrimSpace(d.About), LB: d.LB,
		Load: d.Load, Client: d.Client, set: d.Set, scenario: d.Scenario}
	if v.Name == "" {
		p.add("variant without a name", at()...)
		return nil
	}
	v.topo = defTopo
	if d.Topology.Kind != 0 {
		v.topo = p.topologySource(&d.Topology, at("topology")...)
		if v.topo == nil {
			return nil
		}
	}
	if v.topo == nil {
		p.add(fmt.Sprintf("variant %q has no topology: give one here or at the top level", v.Name), at()...)
		return nil
	}
	if v.scenario != "" && lab.scenarios[v.scenario] == nil {
		file, data, err := scenarios.Builtin(v.scenario)
		if err != nil {
			p.add(fmt.Sprintf("scenario %q is neither one of the lab's scenarios (%s) nor built in: %v",
				v.scenario, strings.Join(sortedKeys(lab.scenarios), ", "), err), at("scenario")...)
			return nil
		}
		lab.scenarios[v.scenario] = &source{builtin: v.scenario, file: file, data: data}
	}
	if v.scenario == "" && lab.scenario == nil {
		p.add(fmt.Sprintf("variant %q has no scenario: give one here or at the top level", v.Name), at()...)
		return nil
	}
	spec, err := v.spec()
	if err != nil {
		p.add(err.Error(), at("set")...)
		return nil
	}
	p.checkLB(v, spec, at)
	if _, err := lab.plan(v, probeURL, 0); err != nil && !p.seen[err.Error()] {
		p.seen[err.Error()] = true // variants sharing a broken scenario report it once
		p.add(fmt.Sprintf("variant %q: its scenario does not load:\n%v", v.Name, err), at()...)
	}
	for j := range d.Actions {
		if a, ok := p.action(&d.Actions[j], spec, at("actions", j)); ok {
			v.Actions = append(v.Actions, a)
		}
	}
	return v
}

// spec builds the variant's topology afresh, reshaped by its set.
func (v *Variant) spec() (*topology.Spec, error) {
	spec, err := v.topo.topology()
	if err != nil {
		return nil, err
	}
	s := v.set
	if err := spec.Apply(topology.Overrides{Backends: s.Backends, Policy: s.Policy, Workers: s.Workers, Sleep: s.Sleep, Size: s.Size}); err != nil {
		return nil, fmt.Errorf("set: %s", strings.ReplaceAll(err.Error(), "--", ""))
	}
	if s.Store != "" && s.Store != "own" && s.Store != "shared" {
		return nil, fmt.Errorf("set: store %q: expected own or shared", s.Store)
	}
	if s.Auth != "" && s.Auth != "session" && s.Auth != "jwt" {
		return nil, fmt.Errorf("set: auth %q: expected session or jwt", s.Auth)
	}
	found := false
	for i := range spec.Pieces {
		pc := &spec.Pieces[i]
		if pc.Kind != topology.KindAuth {
			continue
		}
		found = true
		if s.Store != "" {
			pc.Store = s.Store
		}
		if s.Auth != "" {
			pc.Mode = s.Auth
		}
	}
	if !found && (s.Store != "" || s.Auth != "") {
		return nil, fmt.Errorf("set: store and auth apply to auth pieces, and topology %q has none", spec.Name)
	}
	if spec.Name == "" {
		spec.Name = v.Name
	}
	return spec, nil
}

// entryLB returns the piece of spec's entry when it is a load balancer.
func entryLB(spec *topology.Spec) *topology.Piece {
	for i := range spec.Pieces {
		if p := &spec.Pieces[i]; p.Name == spec.Entry && p.Kind == topology.KindLB {
			return p
		}
	}
	return nil
}

func (p *parser) checkLB(v *Variant, spec *topology.Spec, at func(...any) []any) {
	l := v.LB
	if l.zero() {
		return
	}
	piece := entryLB(spec)
	if piece == nil {
		p.add("lb: applies to the entry load balancer, and this topology's entry is not one", at("lb")...)
		return
	}
	if l.Mode != "" && l.Mode != lb.ModeL4 && l.Mode != lb.ModeL7 {
		p.add(fmt.Sprintf("lb: mode %q: expected l7 or l4", l.Mode), at("lb", "mode")...)
	}
	if l.HealthInterval < 0 || l.PassiveCooldown < 0 {
		p.add("lb: health_interval and passive_cooldown must be >= 0", at("lb")...)
	}
	if l.PassiveFailures != nil && *l.PassiveFailures < 0 {
		p.add("lb: passive_failures: expected 0 (off) or more", at("lb", "passive_failures")...)
	}
	for _, w := range l.Weights {
		if w < 0 || w > lb.MaxWeight {
			p.add(fmt.Sprintf("lb: weight %d: expected 0 (meaning 1) to %d", w, lb.MaxWeight), at("lb", "weights")...)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// plan builds the plan of variant v against url. duration, when > 0,
// replaces the load's length (scaling a staged load's shape).
func (l *Lab) plan(v *Variant, url string, duration time.Duration) (*scenarios.Plan, error) {
	src := l.scenario
	if v.scenario != "" {
		src = l.scenarios[v.scenario]
	}
	o := scenarios.Overrides{URL: &url, ReadFile: l.env.ReadFile, Getenv: l.env.Getenv}
	if src.builtin != "" {
		o.ReadFile = nil // a built-in scenario's data files are built in
	}
	load := mergeLoad(l.load, v.Load)
	o.Rate, o.VUs, o.MaxVUs, o.Grace, o.MaxBacklog = load.Rate, load.VUs, load.MaxVUs, load.Grace, load.MaxBacklog
	c := mergeClient(l.client, v.Client)
	o.KeepAlive, o.Connections, o.Timeout = c.KeepAlive, c.Connections, c.Timeout
	plan, err := scenarios.LoadFile(src.file, src.data, o)
	if err != nil {
		return nil, err
	}
	if load.Duration != nil {
		if *load.Duration <= 0 {
			return nil, fmt.Errorf("load: duration %v: expected more than 0", *load.Duration)
		}
		scaleLoad(&plan.Load, *load.Duration)
	}
	if duration > 0 {
		scaleLoad(&plan.Load, duration)
	}
	plan.Topology = ""
	return plan, nil
}

func mergeLoad(a, b LoadSpec) LoadSpec {
	if b.Rate != nil {
		a.Rate = b.Rate
	}
	if b.VUs != nil {
		a.VUs = b.VUs
	}
	if b.MaxVUs != nil {
		a.MaxVUs = b.MaxVUs
	}
	if b.Duration != nil {
		a.Duration = b.Duration
	}
	if b.Grace != nil {
		a.Grace = b.Grace
	}
	if b.MaxBacklog != nil {
		a.MaxBacklog = b.MaxBacklog
	}
	return a
}

func mergeClient(a, b ClientSpec) ClientSpec {
	if b.KeepAlive != nil {
		a.KeepAlive = b.KeepAlive
	}
	if b.Connections != nil {
		a.Connections = b.Connections
	}
	if b.Timeout != nil {
		a.Timeout = b.Timeout
	}
	return a
}

// scaleLoad sets a load's length to d: a constant load's duration, or a
// staged load's stages stretched or shrunk in proportion.
func scaleLoad(l *scenarios.Load, d time.Duration) {
	total := l.Total()
	if len(l.Stages) == 0 || total <= 0 {
		l.Duration = d
		return
	}
	for i := range l.Stages {
		l.Stages[i].Duration = time.Duration(float64(l.Stages[i].Duration) * float64(d) / float64(total))
	}
	l.Duration = l.Total()
}
