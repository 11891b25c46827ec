package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem with a scenario, located where the user can fix it:
// a position in a file, or a command-line flag. It is meant to be printed
// as is, without a stack trace or a wrapping prefix.
type Error struct {
	// File is the scenario file name as given to LoadFile; "" for a problem
	// with a flag (the flag then starts Msg, e.g. "--rate: must be > 0").
	File string
	// Line and Col are 1-based; both are 0 for flag problems.
	Line, Col int
	// Msg says what is wrong and what was expected.
	Msg string
}

// Error formats the problem as "file:line:col: message" (the form editors
// and terminals turn into links), or just the message for a flag.
func (e *Error) Error() string {
	if e.File == "" && e.Line == 0 {
		return e.Msg
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// Errors is every problem found in one LoadFile or FromFlags call, flag problems
// first, then by position in the file. Reporting them all at once saves the
// user a fix-and-rerun loop per mistake.
//
// LoadFile and FromFlags return a *Errors; get at the list with
//
//	var errs *scenarios.Errors
//	if errors.As(err, &errs) { for _, e := range *errs { ... } }
type Errors []*Error

// Error joins the problems, one per line.
func (e *Errors) Error() string {
	lines := make([]string, len(*e))
	for i, x := range *e {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the single problems to errors.Is and errors.As.
func (e *Errors) Unwrap() []error {
	out := make([]error, len(*e))
	for i, x := range *e {
		out[i] = x
	}
	return out
}

// src says where a value came from, so that a problem with it is reported
// there: a file position (of the value, and of its key) or a flag.
type src struct {
	// label names the value in messages: the field name ("rate") for file
	// values, the flag ("--rate") for flag values.
	label string
	// flag is true for values given on the command line.
	flag bool
	// line, col locate the value; keyLine, keyCol its key. 1-based.
	line, col       int
	keyLine, keyCol int
}

// flagSrc is the source of a value given by the named flag.
func flagSrc(name string) src { return src{label: name, flag: true} }

// key is the position of the value's key, for problems with the field
// itself (not allowed here, duplicated) rather than with its value.
func (s src) key() src {
	if s.keyLine == 0 {
		return s
	}
	s.line, s.col = s.keyLine, s.keyCol
	return s
}

// problems collects Errors for one file (or for flags alone).
type problems struct {
	file string
	list Errors
}

// add reports a problem with the value from s, prefixed with its label.
func (p *problems) add(s src, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.label != "" {
		msg = s.label + ": " + msg
	}
	if s.flag {
		p.list = append(p.list, &Error{Msg: msg})
		return
	}
	p.at(s.line, s.col, "%s", msg)
}

// at reports a problem at a file position. A position the parser did not
// know becomes 1:1, so that every file error can be located by a tool.
func (p *problems) at(line, col int, format string, args ...any) {
	if line < 1 {
		line, col = 1, 1
	}
	if col < 1 {
		col = 1
	}
	p.list = append(p.list, &Error{File: p.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems sorted (flags first, then by position, keeping
// the order of discovery for equal positions) and without exact repeats
// (a value shared through a YAML alias is checked once per use), or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	list := slices.Clone(p.list)
	slices.SortStableFunc(list, func(a, b *Error) int {
		if c := cmp.Compare(a.Line, b.Line); c != 0 {
			return c
		}
		return cmp.Compare(a.Col, b.Col)
	})
	seen := make(map[Error]bool, len(list))
	out := list[:0]
	for _, e := range list {
		if !seen[*e] {
			seen[*e] = true
			out = append(out, e)
		}
	}
	return &out
}
