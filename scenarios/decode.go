package scenarios

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// parseYAML returns the root node of the one document in data, or nil
// after reporting why there is none. The file is read into a node tree
// rather than decoded into structs so that every later problem, not only
// the syntax errors, can point at its line and column.
func parseYAML(p *problems, data []byte) *yaml.Node {
	if line, col, b, bad := invalidUTF8(data); bad {
		p.at(line, col, "invalid UTF-8 byte 0x%02x: scenario files must be UTF-8 text", b)
		return nil
	}
	l, err := yaml.NewLoader(bytes.NewReader(data))
	if err != nil {
		syntaxError(p, data, err)
		return nil
	}
	var doc yaml.Node
	if err := l.Load(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.at(1, 1, "the file is empty: a scenario needs at least a list of requests")
		} else {
			syntaxError(p, data, err)
		}
		return nil
	}
	// A second document is almost always two scenarios pasted together;
	// say so rather than silently ignoring it.
	var next yaml.Node
	switch err := l.Load(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		syntaxError(p, data, err)
	default:
		p.at(next.Line, next.Column, "a scenario file holds one YAML document, found a second one here (---)")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.at(doc.Line, doc.Column, "the file is empty: a scenario needs at least a list of requests")
		return nil
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		p.at(root.Line, root.Column, "the file is empty: a scenario needs at least a list of requests")
		return nil
	}
	return root
}

// syntaxError reports a parser error at the position the parser gives in
// its structured error (never by reading the error text).
func syntaxError(p *problems, data []byte, err error) {
	var le *yaml.LoadError
	if !errors.As(err, &le) {
		p.at(1, 1, "invalid YAML: %v", err)
		return
	}
	msg := "invalid YAML: " + le.Message
	if le.ContextMsg != "" && le.ContextMark.Line > 0 {
		msg += " (" + le.ContextMsg + " at line " + itoa(le.ContextMark.Line) + ", column " + itoa(le.ContextMark.Column) + ")"
	}
	if r, ok := runeAt(data, le.Mark.Line, le.Mark.Column); ok && r == '\t' {
		msg += "; YAML does not allow tabs for indentation, use spaces"
	}
	p.at(le.Mark.Line, le.Mark.Column, "%s", msg)
}

// invalidUTF8 finds the first byte that is not UTF-8, because the YAML
// reader reports it without a position. Files with a UTF-16 byte order
// mark are left to the reader, which decodes them.
func invalidUTF8(data []byte) (line, col int, b byte, bad bool) {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return 0, 0, 0, false
	}
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return line, col, data[i], true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return 0, 0, 0, false
}

// runeAt returns the character at a 1-based line and column of data.
func runeAt(data []byte, line, col int) (rune, bool) {
	if line < 1 || col < 1 {
		return 0, false
	}
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return 0, false
		}
		data = data[i+1:]
	}
	for c := 1; len(data) > 0; c++ {
		r, n := utf8.DecodeRune(data)
		if r == '\n' {
			return 0, false
		}
		if c == col {
			return r, true
		}
		data = data[n:]
	}
	return 0, false
}

// maxAliasChain bounds alias-to-alias chains, which YAML cannot make
// cyclic but a hand-built tree could.
const maxAliasChain = 64

// deref follows aliases (*name) to the node they stand for, so the rest of
// the package never sees an alias. It never returns nil for a non-nil n.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasChain; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports an empty value (`key:`, `~` or `null`).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe says what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (an empty value)"
		case "!!str":
			return quote(n.Value)
		}
		return clip(n.Value)
	}
	return "an unsupported YAML node"
}
