package scenarios

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// maxMergeDepth bounds nested merge keys (a merged mapping that merges
// another ...); real files use one or two levels.
const maxMergeDepth = 32

// decoder walks a YAML node tree, reporting problems as it goes.
type decoder struct {
	p *problems
}

// entry is one key: value pair of a mapping. val may be an alias; it is
// kept as written so that problems point at the place of use.
type entry struct {
	name     string
	key, val *yaml.Node
}

// section describes a mapping of known fields, for messages.
type section struct {
	where   string   // "in load", "at the top level"
	allowed []string // the fields it may hold, in documentation order
	// hints say what to write instead of a field that people write here
	// by mistake (path in a step's request, where url is meant).
	hints map[string]string
}

// fields returns the known fields of mapping n by name, reporting unknown
// and duplicate keys. It returns ok=false (after reporting) when n is not
// a mapping; label and expected phrase that message.
func (d *decoder) fields(n *yaml.Node, label, expected string, sec section) (map[string]entry, bool) {
	m := deref(n)
	if m.Kind != yaml.MappingNode {
		d.p.at(n.Line, n.Column, "%s: expected %s, got %s", label, expected, describe(n))
		return nil, false
	}
	out := make(map[string]entry)
	for _, e := range d.pairs(m, sec.where) {
		if !slices.Contains(sec.allowed, e.name) {
			d.unknown(e.key, e.name, sec)
			continue
		}
		out[e.name] = e
	}
	return out, true
}

// unknown reports a field that sec does not allow, with the likely fix:
// a near spelling, or the section the field belongs to.
func (d *decoder) unknown(key *yaml.Node, name string, sec section) {
	msg := "unknown field " + quote(name) + " " + sec.where
	if hint := sec.hints[name]; hint != "" {
		msg += "; " + hint
	} else if home := homeOf(name, sec); home != "" {
		msg += "; it belongs " + home
	} else if s := suggest(name, sec.allowed); s != "" {
		msg += ", did you mean " + quote(s) + "?"
	}
	msg += " (allowed: " + strings.Join(sec.allowed, ", ") + ")"
	d.p.at(key.Line, key.Column, "%s", msg)
}

// homeOf names the section that holds a field, when it is not sec.
func homeOf(name string, sec section) string {
	for _, s := range allSections {
		if s.where != sec.where && slices.Contains(s.allowed, name) {
			return s.where
		}
	}
	return ""
}

// pairs lists the entries of mapping m in written order, with merge keys
// (<<: *defaults) expanded in place. As the YAML merge-key spec says, keys
// written in m win over merged ones and an earlier merge wins over a later
// one. Duplicate keys, which the parser lets through, are reported.
func (d *decoder) pairs(m *yaml.Node, where string) []entry {
	var out []entry
	d.expand(m, where, make(map[string]bool), make(map[*yaml.Node]bool), &out, 0)
	return out
}

// expand appends the entries of m not already claimed (taken) to out.
// visited stops a mapping merged twice from being expanded twice, which
// also keeps a chain of merges from growing exponentially.
func (d *decoder) expand(m *yaml.Node, where string, taken map[string]bool, visited map[*yaml.Node]bool, out *[]entry, depth int) {
	if visited[m] {
		return
	}
	visited[m] = true
	if depth > maxMergeDepth {
		d.p.at(m.Line, m.Column, "merge keys (<<) nested more than %d deep %s", maxMergeDepth, where)
		return
	}
	// Claim this mapping's own keys first: they win over its merges,
	// wherever the merge key is written.
	own := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := deref(m.Content[i])
		if isMerge(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.p.at(k.Line, k.Column, "keys %s must be plain names, got %s", where, describe(k))
			continue
		}
		if first, dup := own[k.Value]; dup {
			d.p.at(k.Line, k.Column, "duplicate key %s %s (first at line %d)", quote(k.Value), where, first.Line)
			continue
		}
		own[k.Value] = k
	}
	mine := make(map[string]bool)
	for name := range own {
		if !taken[name] {
			taken[name] = true
			mine[name] = true
		}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), m.Content[i+1]
		if isMerge(k) {
			d.merge(v, where, taken, visited, out, depth)
			continue
		}
		if k.Kind == yaml.ScalarNode && own[k.Value] == k && mine[k.Value] {
			*out = append(*out, entry{name: k.Value, key: k, val: v})
		}
	}
}

// merge expands the value of a merge key: a mapping or a list of them.
func (d *decoder) merge(v *yaml.Node, where string, taken map[string]bool, visited map[*yaml.Node]bool, out *[]entry, depth int) {
	n := deref(v)
	switch n.Kind {
	case yaml.MappingNode:
		d.expand(n, where, taken, visited, out, depth+1)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if m := deref(item); m.Kind == yaml.MappingNode {
				d.expand(m, where, taken, visited, out, depth+1)
			} else {
				d.p.at(item.Line, item.Column, "a merge key (<<) takes mappings, got %s", describe(item))
			}
		}
	default:
		d.p.at(v.Line, v.Column, "a merge key (<<) takes a mapping or a list of mappings, got %s", describe(v))
	}
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}
