package scenarios

import (
	"time"

	"go.yaml.in/yaml/v4"
)

// spec is a scenario as written (file values and flags merged), before
// validation. Every value remembers where it came from, so that the
// validator can report at the right line or flag; a Plan is built from it
// only when nothing is wrong.
type spec struct {
	at       src // the top-level mapping, for fields missing there
	name     opt[string]
	baseURL  opt[string]
	requests opt[[]requestSpec]
	load     loadSpec
	client   clientSpec

	// The parts of a flow scenario, kept as written (entries with a nil
	// val are not given): they are decoded and checked together by
	// buildFlowParts, once the variables they may use are known.
	topology   opt[string]
	vars       entry
	data       entry
	flows      entry
	thresholds entry

	// What LoadFile and the overrides provide for building flows.
	file        string                       // the scenario's file name, for data file paths
	source      []byte                       // the file as read, to locate ${ in a value
	getenv      func(string) string          // resolves ${env.NAME}; nil: nothing is set
	readFile    func(string) ([]byte, error) // reads data files
	flagHeaders []Header                     // --header, added to every request step
}

type requestSpec struct {
	at      src // the request's mapping, for fields missing there
	name    opt[string]
	method  opt[string]
	path    opt[string]
	headers []headerSpec
	body    opt[string]
}

type headerSpec struct {
	name  string
	value string
	at    src // the value; at.key() is the name
}

type loadSpec struct {
	at         src
	executor   opt[string]
	rate       opt[float64]
	vus        opt[int]
	maxVUs     opt[int]
	duration   opt[time.Duration]
	stages     opt[[]stageSpec]
	start      opt[float64]
	grace      opt[time.Duration]
	maxBacklog opt[time.Duration]
	// why says how an executor not written in the file was chosen (by a
	// flag, or inferred before flags changed the fields), for messages.
	why string
}

type stageSpec struct {
	at       src
	duration opt[time.Duration]
	target   opt[float64]
}

type clientSpec struct {
	connections opt[int]
	keepAlive   opt[bool]
	timeout     opt[time.Duration]
	insecure    opt[bool]
}

// The sections of the file format and their fields, in documentation
// order (which is also the order the allowed fields are listed in).
var (
	topSection = section{where: "at the top level", allowed: []string{
		"name", "base_url", "topology", "vars", "data", "requests", "flows", "load", "client", "thresholds"}}
	requestSection = section{where: "in a request", allowed: []string{"name", "method", "path", "headers", "body"},
		hints: map[string]string{"url": `a request has a path (a path like /search?q=x, or an absolute URL); url is for the request of a flow step`}}
	loadSection   = section{where: "in load", allowed: []string{"executor", "rate", "vus", "max_vus", "duration", "stages", "start", "grace", "max_backlog"}}
	stageSection  = section{where: "in a stage", allowed: []string{"duration", "target"}}
	clientSection = section{where: "in client", allowed: []string{"connections", "keep_alive", "timeout", "insecure"}}
	allSections   = []section{topSection, requestSection, loadSection, stageSection, clientSection,
		flowSection, stepSection, stepRequestSection, checkSection, extractSection, thinkSection, bodySection,
		dataSection, thresholdSection}
)

// nodeSrc locates a node that is not a field value (a list item, a
// mapping), labelled for messages.
func nodeSrc(label string, n *yaml.Node) src {
	return src{label: label, line: n.Line, col: n.Column}
}

// decodeSpec reads the node tree of a scenario file into a spec. It
// returns nil only when the top level is not a mapping at all.
func (d *decoder) decodeSpec(root *yaml.Node) *spec {
	top, ok := d.fields(root, "scenario", "a mapping at the top level (with name, base_url, requests or flows, load, client)", topSection)
	if !ok {
		return nil
	}
	s := &spec{at: nodeSrc("", root)}
	s.name = d.str(top["name"], "")
	s.baseURL = d.str(top["base_url"], "")
	if e, ok := top["requests"]; ok {
		s.requests = d.requests(e)
	}
	if e, ok := top["load"]; ok {
		s.load = d.load(e)
	} else {
		s.load.at = s.at
	}
	if e, ok := top["client"]; ok {
		s.client = d.client(e)
	}
	s.topology = d.str(top["topology"], "")
	s.vars, s.data, s.flows, s.thresholds = top["vars"], top["data"], top["flows"], top["thresholds"]
	return s
}

func (d *decoder) requests(e entry) (o opt[[]requestSpec]) {
	o.at = srcOf(e)
	items, ok := d.list(e, "a list of requests, each with at least a path")
	if !ok {
		o.bad = true
		return o
	}
	o.v, o.set = make([]requestSpec, 0, len(items)), true
	for _, item := range items {
		r, ok := d.request(item)
		if !ok {
			o.bad = true
			continue
		}
		o.v = append(o.v, r)
	}
	return o
}

func (d *decoder) request(n *yaml.Node) (requestSpec, bool) {
	f, ok := d.fields(n, "requests", "a request (a mapping with at least a path)", requestSection)
	if !ok {
		return requestSpec{}, false
	}
	r := requestSpec{at: nodeSrc("", n)}
	r.name = d.str(f["name"], "")
	r.method = d.str(f["method"], "")
	r.path = d.str(f["path"], "")
	r.body = d.str(f["body"], ` (quote a JSON body: body: '{"a": 1}')`)
	if e, ok := f["headers"]; ok {
		r.headers = d.headers(e)
	}
	return r, true
}

// headers reads a mapping of header names to values, in written order.
func (d *decoder) headers(e entry) []headerSpec {
	m := deref(e.val)
	if m.Kind != yaml.MappingNode {
		d.p.add(srcOf(e), "expected a mapping of header names to values, like Accept: text/plain, got %s", describe(m))
		return nil
	}
	var out []headerSpec
	for _, h := range d.pairs(m, "in headers") {
		v := deref(h.val)
		at := srcOf(h)
		at.label = "" // messages name the header
		if v.Kind != yaml.ScalarNode || isNull(v) {
			d.p.add(at, `header %s: expected a string value, got %s (write "" for an empty value)`, quote(h.name), describe(v))
			continue
		}
		out = append(out, headerSpec{name: h.name, value: v.Value, at: at})
	}
	return out
}

func (d *decoder) load(e entry) (l loadSpec) {
	l.at = srcOf(e)
	f, ok := d.fields(e.val, "load", "a mapping of load settings such as rate, vus and duration", loadSection)
	if !ok {
		return l
	}
	l.executor = d.str(f["executor"], "")
	checkExecutor(d.p, &l.executor)
	l.rate = d.num(f["rate"])
	l.vus = d.integer(f["vus"])
	l.maxVUs = d.integer(f["max_vus"])
	l.duration = d.dur(f["duration"])
	l.start = d.num(f["start"])
	l.grace = d.dur(f["grace"])
	l.maxBacklog = d.dur(f["max_backlog"])
	if e, ok := f["stages"]; ok {
		l.stages = d.stages(e)
	}
	return l
}

func (d *decoder) stages(e entry) (o opt[[]stageSpec]) {
	o.at = srcOf(e)
	items, ok := d.list(e, "a list of stages like {duration: 10s, target: 100}")
	if !ok {
		o.bad = true
		return o
	}
	o.v, o.set = make([]stageSpec, 0, len(items)), true
	for _, item := range items {
		f, ok := d.fields(item, "stages", "a stage like {duration: 10s, target: 100}", stageSection)
		if !ok {
			o.bad = true
			continue
		}
		st := stageSpec{at: nodeSrc("", item), duration: d.dur(f["duration"]), target: d.num(f["target"])}
		for _, miss := range []struct {
			name  string
			given bool
		}{{"duration", st.duration.given()}, {"target", st.target.given()}} {
			if !miss.given {
				d.p.add(st.at, "missing field %q in a stage like {duration: 10s, target: 100}", miss.name)
				o.bad = true
			}
		}
		o.v = append(o.v, st)
	}
	return o
}

func (d *decoder) client(e entry) (c clientSpec) {
	f, ok := d.fields(e.val, "client", "a mapping of client settings such as timeout and connections", clientSection)
	if !ok {
		return c
	}
	c.connections = d.integer(f["connections"])
	c.keepAlive = d.boolean(f["keep_alive"])
	c.timeout = d.dur(f["timeout"])
	c.insecure = d.boolean(f["insecure"])
	return c
}
