package topology

import (
	"embed"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/targets/backend"
	"github.com/stampede-lab/stampede/targets/lb"
)

//go:embed builtin/*.yaml
var builtins embed.FS

// BuiltinNames lists the built-in topologies.
func BuiltinNames() []string {
	entries, _ := builtins.ReadDir("builtin")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// Builtin parses the built-in topology name.
func Builtin(name string) (*Spec, error) {
	data, err := builtins.ReadFile("builtin/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no built-in topology %q (built-in: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return Parse("builtin:"+name, data)
}

// Overrides are the `stampede serve` flags that reshape a topology.
// Zero values leave the spec alone.
type Overrides struct {
	// Backends sets the instance count of every backend piece an lb
	// balances.
	Backends int
	// Policy sets every lb's policy.
	Policy string
	// Workers sets every backend's worker slots.
	Workers int
	// Sleep and Size set every backend's default work.
	Sleep time.Duration
	Size  int
}

// Apply reshapes s; it reports flag values that make no sense.
func (s *Spec) Apply(o Overrides) error {
	if o.Backends < 0 || o.Backends > 64 {
		return fmt.Errorf("--backends %d: expected 1 to 64", o.Backends)
	}
	if o.Workers < 0 {
		return fmt.Errorf("--workers %d: expected 0 (no limit) or more", o.Workers)
	}
	if o.Policy != "" && !contains(lb.Policies(), o.Policy) {
		return fmt.Errorf("--policy %q: expected one of %s", o.Policy, strings.Join(lb.Policies(), ", "))
	}
	balanced := map[string]bool{}
	hasLB := false
	for _, p := range s.Pieces {
		if p.Kind == KindLB {
			balanced[p.To] = true
			hasLB = true
		}
	}
	if o.Backends > 0 && !hasLB {
		return fmt.Errorf("--backends: topology %q has no load balancer", s.Name)
	}
	if o.Policy != "" && !hasLB {
		return fmt.Errorf("--policy: topology %q has no load balancer", s.Name)
	}
	for i := range s.Pieces {
		p := &s.Pieces[i]
		isBackend := p.Kind == KindConcurrent || p.Kind == KindSingleThreaded
		if o.Backends > 0 && balanced[p.Name] && isBackend {
			p.Count = o.Backends
		}
		if o.Policy != "" && p.Kind == KindLB {
			p.Policy = o.Policy
		}
		if isBackend {
			if o.Workers > 0 {
				p.Workers = o.Workers
			}
			if o.Sleep > 0 {
				p.Work.Service = backend.ConstantDist(o.Sleep)
			}
			if o.Size > 0 {
				p.Work.Size = o.Size
			}
		}
	}
	return nil
}
