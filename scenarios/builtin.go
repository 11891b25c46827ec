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
//go:embed builtin/*.yaml
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
