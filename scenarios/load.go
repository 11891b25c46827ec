package scenarios

import (
	"net/url"
	"path/filepath"
	"strings"
)

// LoadFile parses a scenario file, applies the command-line overrides,
// validates the result and fills in the defaults. filename names the file
// in error positions and becomes Plan.Source; the file name without its
// extension is the default Plan.Name.
//
// (It is not called Load because the Load type of plan.go holds that name
// in this package.)
//
// On any problem LoadFile returns a *Errors listing all of them, so that the
// user can fix a file in one pass.
func LoadFile(filename string, data []byte, o Overrides) (*Plan, error) {
	p := &problems{file: filename}
	d := &decoder{p: p}
	root := parseYAML(p, data)
	if root == nil {
		return nil, p.err()
	}
	s := d.decodeSpec(root)
	if s == nil {
		return nil, p.err()
	}
	s.file, s.source = filename, data
	s.apply(p, o)
	plan := build(p, s)
	plan.Source = filename
	if !s.name.set || strings.TrimSpace(s.name.v) == "" {
		plan.Name = defaultName(filename)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return plan, nil
}

// FromFlags builds a plan from flags alone, for a quick run against one
// URL as with vegeta or hey. o.URL is required and is the single request
// (method from o.Method or GET). The load model follows the flags: --rate
// → constant-arrival-rate; --stages → ramping-arrival-rate, or ramping-vus
// with --vus; otherwise constant-vus with --vus or DefaultVUs.
func FromFlags(o Overrides) (*Plan, error) {
	p := &problems{}
	var origin string
	s := &spec{name: some("flags", src{})}
	s.load.at = flagSrc("--url")
	s.requests.bad = true // until a valid URL makes the request
	if o.URL == nil {
		p.add(flagSrc("--url"), "required without a scenario file: give the target as an absolute http or https URL with a host, like http://127.0.0.1:8080/")
	} else if u, msg := absoluteURL(*o.URL); msg != "" {
		p.add(flagSrc("--url"), "%s", msg)
	} else {
		origin = (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host}).String()
		s.requests = some([]requestSpec{{at: flagSrc("--url"), path: some(u.String(), flagSrc("--url"))}}, flagSrc("--url"))
	}
	o.URL = nil // the URL is the request here, not a base_url
	s.apply(p, o)
	plan := build(p, s)
	if err := p.err(); err != nil {
		return nil, err
	}
	plan.Source = "flags"
	plan.BaseURL = origin
	return plan, nil
}

// build validates a merged spec and turns it into a Plan. The plan is
// only meaningful when no problem was reported.
func build(p *problems, s *spec) *Plan {
	plan := &Plan{
		Name:     strings.TrimSpace(s.name.v),
		BaseURL:  strings.TrimSpace(s.baseURL.v),
		Requests: buildRequests(p, s),
		Load:     buildLoad(p, &s.load),
		Client:   Client{Connections: 0, KeepAlive: true, Timeout: DefaultTimeout},
	}
	c := &s.client
	if n, ok := checkCount(p, c.connections, 0, "connections"); ok {
		plan.Client.Connections = n
	}
	if c.keepAlive.set {
		plan.Client.KeepAlive = c.keepAlive.v
	}
	if d, ok := checkDur(p, c.timeout, false); ok {
		plan.Client.Timeout = d
	}
	plan.Client.Insecure = c.insecure.set && c.insecure.v
	buildFlowParts(p, s, plan)
	return plan
}

// defaultName is the file name without directory and extension.
func defaultName(filename string) string {
	base := filepath.Base(strings.TrimPrefix(filename, builtinPrefix))
	name := strings.TrimSuffix(base, filepath.Ext(base))
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "scenario"
	}
	return name
}
