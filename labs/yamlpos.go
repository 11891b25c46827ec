package labs

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v4"
)

// locator finds fields in a lab file's node tree, for positioned errors.
type locator struct {
	file string
	root *yaml.Node
}

// doc is the top-level node (the mapping of the lab).
func (l locator) doc() *yaml.Node {
	n := l.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return n
}

// find walks path (mapping keys as strings, sequence indexes as ints) and
// returns the deepest node found and the key node it is the value of (nil
// for sequence items and the document).
func (l locator) find(path ...any) (key, val *yaml.Node) {
	val = l.doc()
	for _, p := range path {
		var k, next *yaml.Node
		switch p := p.(type) {
		case string:
			if val.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(val.Content); i += 2 {
					if val.Content[i].Value == p {
						k, next = val.Content[i], val.Content[i+1]
					}
				}
			}
		case int:
			if val.Kind == yaml.SequenceNode && p < len(val.Content) {
				next = val.Content[p]
			}
		}
		if next == nil {
			break
		}
		key, val = k, next
	}
	return key, val
}

// resolve follows an alias (*name) to the node it names (&name) and the
// key that node is the value of, so that a topology or scenario written
// once can be reused by variants.
func (l locator) resolve(key, val *yaml.Node) (*yaml.Node, *yaml.Node) {
	if val == nil || val.Kind != yaml.AliasNode || val.Alias == nil {
		return key, val
	}
	target := val.Alias
	var keyOf func(n *yaml.Node) *yaml.Node
	keyOf = func(n *yaml.Node) *yaml.Node {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 1 && c == target {
				return n.Content[i-1]
			}
			if k := keyOf(c); k != nil {
				return k
			}
		}
		return nil
	}
	return keyOf(l.root), target
}

// at returns an error positioned at the deepest node of path found.
func (l locator) at(msg string, path ...any) *Error {
	_, n := l.find(path...)
	return &Error{File: l.file, Line: n.Line, Col: n.Column, Msg: msg}
}

// cut returns the text of val, the value of key, as a document of its own
// in which every line and column is where it was in src: lines before it
// are emptied, the characters before it on its first line become spaces,
// and the text after it is dropped. An inline topology or scenario parsed
// from it thus reports its problems at their places in the lab file.
//
// The value ends before the first line after its start that is indented
// no deeper than its key (comment and blank lines aside), which is where
// YAML ends a block value.
func cut(src []byte, key, val *yaml.Node) []byte {
	lines := bytes.SplitAfter(src, []byte("\n"))
	start := val.Line - 1
	if start < 0 || start >= len(lines) {
		return nil
	}
	var out bytes.Buffer
	for range start {
		out.WriteByte('\n')
	}
	first := []rune(string(lines[start]))
	col := min(max(val.Column-1, 0), len(first))
	out.WriteString(strings.Repeat(" ", col))
	out.WriteString(string(first[col:]))
	keyIndent := 0
	if key != nil {
		keyIndent = key.Column - 1
	}
	for _, line := range lines[start+1:] {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && len(line)-len(bytes.TrimLeft(line, " ")) <= keyIndent {
			break
		}
		out.Write(line)
	}
	return out.Bytes()
}
