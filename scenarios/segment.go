package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Segment is one of Count equal parts of a plan's load: this process does
// part Index (1-based) and other processes, perhaps on other machines, do
// the rest. `--segment 2/8` is Segment{Index: 2, Count: 8}.
type Segment struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// MaxSegments bounds the number of segments, as a guard against typos.
const MaxSegments = 10_000

// String is the segment as written on the command line: "2/8".
func (s Segment) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Whole reports whether s is the whole load (1/1, or the zero Segment).
func (s Segment) Whole() bool { return s.Count <= 1 }

// ParseSegment parses "i/n" with 1 <= i <= n.
func ParseSegment(v string) (Segment, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Segment{}, fmt.Errorf("segment %q: expected i/n, like 2/8 (this process does the second of eight parts)", v)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case err1 != nil || err2 != nil:
		return Segment{}, fmt.Errorf("segment %q: expected whole numbers i/n, like 2/8", v)
	case n < 1 || n > MaxSegments:
		return Segment{}, fmt.Errorf("segment %q: the number of segments must be 1..%d", v, MaxSegments)
	case i < 1 || i > n:
		return Segment{}, fmt.Errorf("segment %q: the index must be 1..%d (segments count from 1)", v, n)
	}
	return Segment{Index: i, Count: n}, nil
}

// splitInt is segment s's part of the whole number v: ⌊v/n⌋, plus one for
// the first v mod n segments. The n parts add up to v exactly, and a
// larger v never gives a segment a smaller part (so VUs ≤ MaxVUs holds in
// every segment when it holds for the whole).
func splitInt(v int, s Segment) int {
	n := s.Count
	q, r := v/n, v%n
	if s.Index <= r {
		return q + 1
	}
	return q
}

// ErrSegmentEmpty is returned when a segment would have no load at all.
var ErrSegmentEmpty = errors.New("segment would have no load")

// SplitLoad returns segment s's part of load l, such that the n segments
// together make up l exactly:
//
//   - Open model: the schedule's arrival count C = ⌈N(total)⌉ is split as
//     whole numbers (⌊C/n⌋, one more for the first C mod n segments) and
//     segment i runs every rate of l (the start rate and each stage target)
//     times fᵢ = Cᵢ/C. Its schedule then has N(total)·fᵢ arrivals, whose
//     ceiling is exactly Cᵢ (since C − N < 1), so the segments' arrivals add
//     up to the plan's, and their rates to its rate at every moment.
//   - VUs and MaxVUs (and each ramping-vus stage target) are split as whole
//     numbers the same way, so they add up exactly too.
//
// Durations, grace and backlog are unchanged: the segments run side by
// side over the same time. A segment left with nothing to do is an error
// (wrapping ErrSegmentEmpty): fewer arrivals or VUs than segments.
func SplitLoad(l Load, s Segment) (Load, error) {
	if s.Whole() {
		return l, nil
	}
	if s.Index < 1 || s.Index > s.Count {
		return l, fmt.Errorf("segment %s: the index must be 1..%d", s, s.Count)
	}
	out := l
	out.Stages = append([]Stage(nil), l.Stages...)
	out.VUs = splitInt(l.VUs, s)
	out.MaxVUs = splitInt(l.MaxVUs, s)
	if l.Open() {
		total := NewArrivalSchedule(l).Count()
		if total > math.MaxInt {
			return l, fmt.Errorf("segment %s: the plan's %d arrivals are too many to split", s, total)
		}
		mine := splitInt(int(total), s)
		if mine == 0 {
			return l, fmt.Errorf("segment %s: %w: the plan has %d arrivals, fewer than %d segments", s, ErrSegmentEmpty, total, s.Count)
		}
		if out.MaxVUs == 0 {
			return l, fmt.Errorf("segment %s: %w: max_vus %d is fewer than %d segments; raise max_vus", s, ErrSegmentEmpty, l.MaxVUs, s.Count)
		}
		f := float64(mine) / float64(total)
		out.Rate = l.Rate * f
		for i := range out.Stages {
			out.Stages[i].Target = l.Stages[i].Target * f
		}
		return out, nil
	}
	for i := range out.Stages {
		out.Stages[i].Target = float64(splitInt(int(l.Stages[i].Target), s))
	}
	if NewVUSchedule(out).Max() == 0 {
		return l, fmt.Errorf("segment %s: %w: the plan has at most %d VUs, fewer than %d segments", s, ErrSegmentEmpty, NewVUSchedule(l).Max(), s.Count)
	}
	// The closed model's MaxVUs is the schedule's peak; keep it so, as the
	// scenario validation sets it.
	out.MaxVUs = max(out.VUs, NewVUSchedule(out).Max())
	return out, nil
}

// SplitPlan returns a copy of p that runs segment s of its load. The
// client's connection count, when set, is split like the VUs but never
// below one (0 would mean one per VU).
func SplitPlan(p *Plan, s Segment) (*Plan, error) {
	l, err := SplitLoad(p.Load, s)
	if err != nil {
		return nil, err
	}
	out := *p
	out.Load = l
	out.Requests = append([]Request(nil), p.Requests...)
	if !s.Whole() && p.Client.Connections > 0 {
		out.Client.Connections = max(1, splitInt(p.Client.Connections, s))
	}
	return &out, nil
}
