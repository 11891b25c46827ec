// Package topology composes the bundled servers (backends, load balancer,
// cache, static, auth, router) into a running system from a YAML file or a
// built-in name, all on loopback by default.
package topology

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/stampede-lab/stampede/targets/backend"
	"github.com/stampede-lab/stampede/targets/lb"
	"github.com/stampede-lab/stampede/targets/static"
)

// Piece kinds.
const (
	KindConcurrent     = "concurrent"
	KindSingleThreaded = "single-threaded"
	KindLB             = "lb"
	KindCache          = "cache"
	KindStatic         = "static"
	KindAuth           = "auth"
	KindRouter         = "router"
	// KindExternal stands for servers started elsewhere (another process
	// or machine, e.g. `stampede serve concurrent` there): a topology can
	// balance, cache or route to them, so that every piece can run in a
	// process of its own.
	KindExternal = "external"
)

var kinds = []string{KindConcurrent, KindSingleThreaded, KindLB, KindCache, KindStatic, KindAuth, KindRouter, KindExternal}

// Spec is a topology: named pieces, one of which is the entry point.
type Spec struct {
	Name   string  `yaml:"name"`
	Entry  string  `yaml:"entry"`
	Pieces []Piece `yaml:"pieces"`
}

// Piece is one server, or a group of Count identical ones. Which fields
// apply depends on Kind; Validate rejects the others.
type Piece struct {
	Name  string `yaml:"name"`
	Kind  string `yaml:"kind"`
	Count int    `yaml:"count"`

	// Backends (concurrent, single-threaded).
	Workers   int                          `yaml:"workers"`
	Work      backend.WorkModel            `yaml:"work"`
	Endpoints map[string]backend.WorkModel `yaml:"endpoints"`

	// lb: To names the group it balances; Mode is l7 or l4. auth: Mode is
	// session or jwt.
	To             string        `yaml:"to"`
	Policy         string        `yaml:"policy"`
	Mode           string        `yaml:"mode"`
	Health         HealthSpec    `yaml:"health"`
	ClientIPHeader string        `yaml:"client_ip_header"`
	Weights        []int         `yaml:"weights"`
	Routes         []RouteSpec   `yaml:"routes"`
	Cache          CacheSpec     `yaml:"cache"`
	Files          FilesSpec     `yaml:"files"`
	CacheControl   []static.Rule `yaml:"cache_control"`
	Private        bool          `yaml:"private"`
	// external: the base URLs of servers run elsewhere.
	URLs []string `yaml:"urls"`
	// auth: Store is "own" (each instance keeps its sessions) or "shared".
	Store  string        `yaml:"store"`
	Secret string        `yaml:"secret"`
	TTL    time.Duration `yaml:"ttl"`
}

// HealthSpec is the lb's active health check.
type HealthSpec struct {
	Interval  time.Duration `yaml:"interval"`
	Timeout   time.Duration `yaml:"timeout"`
	Path      string        `yaml:"path"`
	Healthy   int           `yaml:"healthy"`
	Unhealthy int           `yaml:"unhealthy"`
}

// RouteSpec sends a path prefix to a piece.
type RouteSpec struct {
	Prefix string `yaml:"prefix"`
	To     string `yaml:"to"`
	Policy string `yaml:"policy"`
	Strip  bool   `yaml:"strip"`
}

// CacheSpec configures a cache piece (To is its origin).
type CacheSpec struct {
	MaxBytes     int64         `yaml:"max_bytes"`
	Coalesce     *bool         `yaml:"coalesce"`
	DefaultTTL   time.Duration `yaml:"default_ttl"`
	StaleOnError bool          `yaml:"stale_on_error"`
}

// FilesSpec generates a static piece's files: Count files of Size bytes
// named Prefix0Ext, Prefix1Ext, ...
type FilesSpec struct {
	Prefix string `yaml:"prefix"`
	Ext    string `yaml:"ext"`
	Count  int    `yaml:"count"`
	Size   int    `yaml:"size"`
	Dir    string `yaml:"dir"`
}

// Error is one problem of a topology file, at a position.
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

// Errors is every problem found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Parse reads a topology file. Every problem is reported at once with its
// file:line:col.
func Parse(filename string, data []byte) (*Spec, error) {
	if blank(data) {
		return nil, Errors{{File: filename, Line: 1, Col: 1, Msg: "empty topology: expected a mapping with name, entry and pieces"}}
	}
	var root yaml.Node
	if err := yaml.Load(data, &root); err != nil {
		return nil, Errors(yamlErrors(filename, err))
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && len(root.Content) == 0) {
		return nil, Errors{{File: filename, Line: 1, Col: 1, Msg: "empty topology: expected a mapping with name, entry and pieces"}}
	}
	var spec Spec
	if err := yaml.Load(data, &spec, yaml.WithKnownFields()); err != nil {
		return nil, Errors(yamlErrors(filename, err))
	}
	loc := locator{file: filename, root: &root}
	errs := spec.validate(loc)
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool {
			if errs[i].Line != errs[j].Line {
				return errs[i].Line < errs[j].Line
			}
			return errs[i].Col < errs[j].Col
		})
		return nil, Errors(errs)
	}
	return &spec, nil
}

func yamlErrors(file string, err error) []*Error {
	var les *yaml.LoadErrors
	if errors.As(err, &les) {
		out := make([]*Error, 0, len(les.Errors))
		for _, e := range les.Errors {
			out = append(out, &Error{File: file, Line: e.Mark.Line, Col: e.Mark.Column, Msg: e.Message})
		}
		return out
	}
	var le *yaml.LoadError
	if errors.As(err, &le) {
		return []*Error{{File: file, Line: le.Mark.Line, Col: le.Mark.Column, Msg: le.Message}}
	}
	return []*Error{{File: file, Msg: err.Error()}}
}

// locator finds the position of a field in the parsed node tree.
type locator struct {
	file string
	root *yaml.Node
}

// at walks path (mapping keys as strings, sequence indexes as ints) and
// returns an error positioned at the deepest node found: the value of the
// field if present, else its parent.
func (l locator) at(msg string, path ...any) *Error {
	n := l.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		next := (*yaml.Node)(nil)
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return &Error{File: l.file, Line: n.Line, Col: n.Column, Msg: msg}
}

func (s *Spec) validate(l locator) []*Error {
	var errs []*Error
	add := func(msg string, path ...any) { errs = append(errs, l.at(msg, path...)) }
	if len(s.Pieces) == 0 {
		add("no pieces: expected a list of pieces with name and kind", "pieces")
		return errs
	}
	byName := map[string]*Piece{}
	for i := range s.Pieces {
		p := &s.Pieces[i]
		switch {
		case p.Name == "":
			add("piece without a name", "pieces", i)
		case byName[p.Name] != nil:
			add(fmt.Sprintf("duplicate piece name %q", p.Name), "pieces", i, "name")
		default:
			byName[p.Name] = p
		}
		if !contains(kinds, p.Kind) {
			add(fmt.Sprintf("kind %q: expected one of %s", p.Kind, strings.Join(kinds, ", ")), "pieces", i, "kind")
			continue
		}
		errs = append(errs, p.validate(l, i)...)
	}
	ref := func(name string, path ...any) {
		if name == "" {
			add("missing 'to': expected the name of a piece", path[:len(path)-1]...)
		} else if byName[name] == nil {
			add(fmt.Sprintf("%q is not a piece of this topology (pieces: %s)", name, strings.Join(names(s.Pieces), ", ")), path...)
		}
	}
	for i, p := range s.Pieces {
		switch p.Kind {
		case KindLB, KindCache:
			ref(p.To, "pieces", i, "to")
			if t := byName[p.To]; p.Kind == KindCache && t != nil && t.count() > 1 {
				add(fmt.Sprintf("a cache has one origin, and %q has %d instances: put an lb in front of them", p.To, t.count()), "pieces", i, "to")
			}
		case KindRouter:
			if len(p.Routes) == 0 {
				add("a router needs routes: a list of {prefix, to}", "pieces", i)
			}
			for j, r := range p.Routes {
				ref(r.To, "pieces", i, "routes", j, "to")
				if !strings.HasPrefix(r.Prefix, "/") {
					add(fmt.Sprintf("prefix %q: expected a path starting with /", r.Prefix), "pieces", i, "routes", j, "prefix")
				}
			}
		}
	}
	if s.Entry == "" {
		add("missing entry: expected the name of the piece clients connect to")
	} else if byName[s.Entry] == nil {
		add(fmt.Sprintf("entry %q is not a piece of this topology (pieces: %s)", s.Entry, strings.Join(names(s.Pieces), ", ")), "entry")
	} else if byName[s.Entry].count() > 1 {
		add(fmt.Sprintf("entry %q has %d instances: the entry must be one server (put an lb in front)", s.Entry, byName[s.Entry].count()), "entry")
	}
	return errs
}

func (p *Piece) count() int {
	if p.Kind == KindExternal {
		return max(len(p.URLs), 1)
	}
	return max(p.Count, 1)
}

func (p *Piece) validate(l locator, i int) []*Error {
	var errs []*Error
	add := func(msg string, path ...any) { errs = append(errs, l.at(msg, append([]any{"pieces", i}, path...)...)) }
	if p.Count < 0 || p.Count > 64 {
		add(fmt.Sprintf("count %d: expected 1 to 64 instances", p.Count), "count")
	}
	backendKind := p.Kind == KindConcurrent || p.Kind == KindSingleThreaded
	if p.Count > 1 && !backendKind && p.Kind != KindAuth {
		add(fmt.Sprintf("count: only backends and auth run several instances, not %s", p.Kind), "count")
	}
	if backendKind {
		if p.Workers < 0 {
			add(fmt.Sprintf("workers %d: expected 0 (no limit) or more", p.Workers), "workers")
		}
		for _, e := range p.Work.Validate() {
			add("work: "+e.Error(), "work")
		}
		for path, m := range p.Endpoints {
			if !strings.HasPrefix(path, "/") {
				add(fmt.Sprintf("endpoint %q: expected a path starting with /", path), "endpoints")
			}
			for _, e := range m.Validate() {
				add(fmt.Sprintf("endpoint %s: %v", path, e), "endpoints", path)
			}
		}
	}
	switch p.Kind {
	case KindLB:
		if p.Policy != "" && !contains(lb.Policies(), p.Policy) {
			add(fmt.Sprintf("policy %q: expected one of %s", p.Policy, strings.Join(lb.Policies(), ", ")), "policy")
		}
		if p.Mode != "" && p.Mode != lb.ModeL7 && p.Mode != lb.ModeL4 {
			add(fmt.Sprintf("mode %q: expected %s or %s", p.Mode, lb.ModeL7, lb.ModeL4), "mode")
		}
		if p.Health.Interval < 0 || p.Health.Timeout < 0 {
			add("health: interval and timeout must be >= 0", "health")
		}
	case KindAuth:
		if p.Mode != "" && p.Mode != "session" && p.Mode != "jwt" {
			add(fmt.Sprintf("mode %q: expected session or jwt", p.Mode), "mode")
		}
		if p.Store != "" && p.Store != "own" && p.Store != "shared" {
			add(fmt.Sprintf("store %q: expected own (each instance its sessions) or shared", p.Store), "store")
		}
		if p.Secret != "" && len(p.Secret) < 32 {
			add("secret: at least 32 bytes for HS256", "secret")
		}
	case KindStatic:
		if p.Files.Count < 0 || p.Files.Size < 0 {
			add("files: count and size must be >= 0", "files")
		}
	case KindExternal:
		if len(p.URLs) == 0 {
			add("external: expected urls, the base URLs of servers started elsewhere", "urls")
		}
		for j, raw := range p.URLs {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(fmt.Sprintf("url %q: expected http://host:port", raw), "urls", j)
			}
		}
	case KindCache:
		if p.Cache.MaxBytes < 0 || p.Cache.DefaultTTL < 0 {
			add("cache: max_bytes and default_ttl must be >= 0", "cache")
		}
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func names(ps []Piece) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// blank reports whether data holds nothing but spaces and comments.
func blank(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}
