package labs

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// The lab library lives here rather than in scenarios (which owns the
// scenario library): a lab names topologies, and scenarios must not know
// targets.
//
//go:embed library/*.yaml
var library embed.FS

// builtinPrefix starts the file name of a library lab.
const builtinPrefix = "builtin:"

// Names lists the library's labs in the order of the library's index:
// from the first question a learner asks to the last.
func Names() []string {
	files, err := fs.Glob(library, "library/*.yaml")
	if err != nil { // only for a malformed pattern
		panic(err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(path.Base(f), ".yaml")
	}
	slices.SortStableFunc(names, func(a, b string) int { return order(a) - order(b) })
	return names
}

// order places the labs in the sequence of docs/labs.md; others go last.
func order(name string) int {
	i := slices.Index([]string{"concurrency", "scale-up", "scale-out", "scale-up-vs-out", "caching", "balancing",
		"sessions", "keepalive", "flash-crowd", "health-checks", "protocols"}, name)
	if i < 0 {
		return 100
	}
	return i
}

// Source returns a library lab's file name ("builtin:NAME") and text.
func Source(name string) (file string, data []byte, err error) {
	if !slices.Contains(Names(), name) {
		return "", nil, fmt.Errorf("no lab %q (labs: %s)", name, strings.Join(Names(), ", "))
	}
	data, err = library.ReadFile("library/" + name + ".yaml")
	if err != nil {
		return "", nil, err
	}
	return builtinPrefix + name, data, nil
}

// Builtin parses a library lab.
func Builtin(name string) (*Lab, error) {
	file, data, err := Source(name)
	if err != nil {
		return nil, err
	}
	return Parse(file, data, Env{})
}

// Library parses every lab of the library, in order. An error means a
// broken library, which a test keeps from shipping.
func Library() ([]*Lab, error) {
	var out []*Lab
	for _, name := range Names() {
		l, err := Builtin(name)
		if err != nil {
			return nil, fmt.Errorf("lab %s:\n%w", name, err)
		}
		out = append(out, l)
	}
	return out, nil
}
