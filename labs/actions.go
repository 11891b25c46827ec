package labs

import (
	"fmt"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/targets/topology"
)

// Action verbs. Each names a backend piece of the variant's topology.
const (
	VerbKill           = "kill"            // the instance crashes: connections reset, new ones refused
	VerbRestart        = "restart"         // a killed instance comes back on its address
	VerbHang           = "hang"            // it accepts requests and answers none
	VerbUnhang         = "unhang"          // it answers again
	VerbSlow           = "slow"            // every request takes `by` longer (0: back to normal)
	VerbErrorRate      = "error_rate"      // a share `p` of requests fail with 503
	VerbWorkers        = "workers"         // the instance serves `n` requests at once
	VerbDrain          = "drain"           // the entry balancer sends it nothing new
	VerbUndrain        = "undrain"         // the entry balancer uses it again
	VerbRollingRestart = "rolling_restart" // drain, restart (down `down`), re-check, undrain each in turn
	VerbScaleOut       = "scale_out"       // start `add` more instances, ready after `cold_start`
)

// Action is something done to a variant's targets during its run: at a
// time from the start (scaled with the load when --duration changes it),
// or once an interval's measures meet a condition.
type Action struct {
	At time.Duration
	// When, if set, is a threshold expression (`p(99) > 100ms`) checked on
	// every interval after At: the action happens at the first interval
	// where it holds.
	When     string
	Verb     string
	Piece    string
	Instance int // 1-based; 0 means every instance of the piece
	By       time.Duration
	P        float64
	N        int
	// ColdStart is how long new instances take before they serve
	// (scale_out); Down how long each instance is down (rolling_restart).
	ColdStart, Down time.Duration

	when *reports.Threshold
}

// String describes the action for events and listings.
func (a Action) String() string {
	var b strings.Builder
	b.WriteString(a.Verb + " " + a.Piece)
	if a.Instance > 0 {
		fmt.Fprintf(&b, " #%d", a.Instance)
	}
	switch a.Verb {
	case VerbSlow:
		fmt.Fprintf(&b, " by %v", a.By)
	case VerbErrorRate:
		fmt.Fprintf(&b, " p=%g", a.P)
	case VerbWorkers:
		fmt.Fprintf(&b, " to %d", a.N)
	case VerbScaleOut:
		fmt.Fprintf(&b, " +%d", a.N)
		if a.ColdStart > 0 {
			fmt.Fprintf(&b, " (cold start %v)", a.ColdStart)
		}
	case VerbRollingRestart:
		fmt.Fprintf(&b, " (down %v each)", a.Down)
	}
	return b.String()
}

type actionDoc struct {
	At             time.Duration `yaml:"at"`
	When           string        `yaml:"when"`
	Kill           string        `yaml:"kill"`
	Restart        string        `yaml:"restart"`
	Hang           string        `yaml:"hang"`
	Unhang         string        `yaml:"unhang"`
	Slow           string        `yaml:"slow"`
	ErrorRate      string        `yaml:"error_rate"`
	Workers        string        `yaml:"workers"`
	Drain          string        `yaml:"drain"`
	Undrain        string        `yaml:"undrain"`
	RollingRestart string        `yaml:"rolling_restart"`
	ScaleOut       string        `yaml:"scale_out"`
	Instance       int           `yaml:"instance"`
	By             time.Duration `yaml:"by"`
	P              *float64      `yaml:"p"`
	N              int           `yaml:"n"`
	Add            int           `yaml:"add"`
	ColdStart      time.Duration `yaml:"cold_start"`
	Down           time.Duration `yaml:"down"`
}

func (p *parser) action(d *actionDoc, spec *topology.Spec, path []any) (Action, bool) {
	at := func(field string) []any { return append(append([]any{}, path...), field) }
	a := Action{At: d.At, When: strings.TrimSpace(d.When), Instance: d.Instance, By: d.By, N: d.N,
		ColdStart: d.ColdStart, Down: d.Down}
	verbs := []struct{ verb, piece string }{
		{VerbKill, d.Kill}, {VerbRestart, d.Restart}, {VerbHang, d.Hang}, {VerbUnhang, d.Unhang},
		{VerbSlow, d.Slow}, {VerbErrorRate, d.ErrorRate}, {VerbWorkers, d.Workers}, {VerbDrain, d.Drain},
		{VerbUndrain, d.Undrain}, {VerbRollingRestart, d.RollingRestart}, {VerbScaleOut, d.ScaleOut},
	}
	var names []string
	for _, v := range verbs {
		names = append(names, v.verb)
		if v.piece == "" {
			continue
		}
		if a.Verb != "" {
			p.add(fmt.Sprintf("an action does one thing: both %s and %s given", a.Verb, v.verb), at(v.verb)...)
			return a, false
		}
		a.Verb, a.Piece = v.verb, v.piece
	}
	if a.Verb == "" {
		p.add("an action needs what to do, one of "+strings.Join(names, ", ")+", naming a backend piece, like {at: 2s, kill: app, instance: 1}", path...)
		return a, false
	}
	ok := true
	bad := func(field, msg string) {
		p.add(msg, at(field)...)
		ok = false
	}
	if a.At < 0 {
		bad("at", "at: expected a time from the start of the run, like 2s")
	}
	if a.When != "" {
		th, err := reports.ParseThreshold(a.When)
		if err != nil {
			bad("when", fmt.Sprintf("when: %v", err))
		} else {
			a.when = &th
		}
	}
	piece := findPiece(spec, a.Piece)
	switch {
	case piece == nil:
		bad(a.Verb, fmt.Sprintf("%s: %q is not a piece of the topology (pieces: %s)", a.Verb, a.Piece, pieceNames(spec)))
		return a, false
	case piece.Kind != topology.KindConcurrent && piece.Kind != topology.KindSingleThreaded:
		bad(a.Verb, fmt.Sprintf("%s: %q is a %s piece: actions apply to backends (concurrent or single-threaded)", a.Verb, a.Piece, piece.Kind))
		return a, false
	}
	if n := max(piece.Count, 1); a.Instance < 0 || a.Instance > n {
		bad("instance", fmt.Sprintf("instance %d: %q has %d instance(s): expected 1 to %d, or none for all", a.Instance, a.Piece, n, n))
	}
	needLB := a.Verb == VerbDrain || a.Verb == VerbUndrain || a.Verb == VerbRollingRestart || a.Verb == VerbScaleOut
	if e := entryLB(spec); needLB && (e == nil || e.To != a.Piece) {
		bad(a.Verb, fmt.Sprintf("%s: needs the topology's entry to be a load balancer over %q", a.Verb, a.Piece))
	}
	switch a.Verb {
	case VerbSlow:
		if a.By < 0 {
			bad("by", "by: expected the extra service time, like 50ms (0 switches it off)")
		}
	case VerbErrorRate:
		if d.P == nil || *d.P < 0 || *d.P > 1 {
			bad(a.Verb, "error_rate: expected p, a probability from 0 to 1")
		} else {
			a.P = *d.P
		}
	case VerbWorkers:
		if a.N < 0 {
			bad("n", "workers: expected n, the requests served at once (0: no limit)")
		}
	case VerbDrain, VerbUndrain:
		if a.Instance == 0 {
			bad(a.Verb, a.Verb+": expected instance, the one to "+a.Verb)
		}
	case VerbScaleOut:
		a.N = d.Add
		if a.N < 1 || a.N > 64 {
			bad(a.Verb, "scale_out: expected add, the instances to start (1 to 64)")
		}
		if a.ColdStart < 0 {
			bad("cold_start", "cold_start: expected 0 or more")
		}
	case VerbRollingRestart:
		if a.Down == 0 {
			a.Down = 200 * time.Millisecond
		}
	}
	return a, ok
}

func findPiece(spec *topology.Spec, name string) *topology.Piece {
	for i := range spec.Pieces {
		if spec.Pieces[i].Name == name {
			return &spec.Pieces[i]
		}
	}
	return nil
}

func pieceNames(spec *topology.Spec) string {
	var out []string
	for _, p := range spec.Pieces {
		out = append(out, p.Name)
	}
	return strings.Join(out, ", ")
}
