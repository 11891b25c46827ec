package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// builtinFS holds the built-in scenarios, compiled in so that the binary
// runs a demo without any file around it.
//
//go:embed builtin/*.yaml builtin/data
var builtinFS embed.FS

// builtinPrefix starts the file name of a built-in scenario, which is
// also its Plan.Source ("builtin:default").
const builtinPrefix = "builtin:"

// Builtin returns the built-in scenario called name, ready for Load: its
// file name is "builtin:NAME", which shows in error positions and becomes
// Plan.Source. "default" always exists.
func Builtin(name string) (filename string, data []byte, err error) {
	if !slices.Contains(BuiltinNames(), name) {
		return "", nil, fmt.Errorf("unknown built-in scenario %q (available: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	data, err = builtinFS.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return "", nil, fmt.Errorf("built-in scenario %q: %w", name, err)
	}
	return builtinPrefix + name, data, nil
}

// BuiltinNames lists the built-in scenarios, sorted.
func BuiltinNames() []string {
	files, err := fs.Glob(builtinFS, "builtin/*.yaml")
	if err != nil { // only for a malformed pattern
		panic(err)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strings.TrimSuffix(path.Base(f), ".yaml")
	}
	slices.Sort(names)
	return names
}

// BuiltinInfo describes a built-in scenario for listings.
type BuiltinInfo struct {
	Name string
	// Topology is the bundled topology the scenario runs against; empty
	// for one that targets its base_url (or --url).
	Topology string
	// Description is the first line of the file's leading comment.
	Description string
}

// Builtins describes the built-in scenarios, sorted by name. It loads
// each one, so an error means a broken library (a test makes sure that
// never ships).
func Builtins() ([]BuiltinInfo, error) {
	var out []BuiltinInfo
	for _, name := range BuiltinNames() {
		file, data, err := Builtin(name)
		if err != nil {
			return nil, err
		}
		plan, err := LoadFile(file, data, Overrides{})
		if err != nil {
			return nil, fmt.Errorf("built-in scenario %s:\n%w", name, err)
		}
		out = append(out, BuiltinInfo{Name: name, Topology: plan.Topology, Description: Describe(data)})
	}
	return out, nil
}

// Describe returns the first line of a scenario file's leading comment
// (the comment lines before anything else), without the #.
func Describe(data []byte) string {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "#") {
			if line == "" {
				continue
			}
			return ""
		}
		if text := strings.TrimSpace(strings.TrimLeft(line, "#")); text != "" {
			return text
		}
	}
	return ""
}
