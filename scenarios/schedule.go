package scenarios

import (
	"math"
	"sort"
	"time"
)

// ArrivalSchedule gives the intended start of every arrival of an open-model
// plan. It is pure arithmetic on the integral of the rate: with the rate
// r(t) piecewise linear (the stages), the number of arrivals due by t is
//
//	N(t) = ∫₀ᵗ r(u) du
//
// and arrival i (0-based) is intended at the t where N(t) = i. Inside a
// stage that ramps from r0 to r1 over d seconds, N grows by
// r0·τ + (r1−r0)·τ²/(2d), so the offset τ of the k-th arrival of the stage
// solves a quadratic; the form 2k / (r0 + √(r0² + 2(r1−r0)k/d)) is used
// because it stays exact when r1 = r0 and when r0 = 0.
//
// The schedule knows nothing of clocks: the engine adds the offsets to its
// own start time, so tests can check the maths without sleeping.
type ArrivalSchedule struct {
	segs  []arrivalSegment
	total time.Duration
	count float64 // N(total)
}

type arrivalSegment struct {
	start  float64 // seconds from the start of the run
	length float64 // seconds
	r0, r1 float64 // rate at the start and end of the segment, per second
	n0     float64 // arrivals due before the segment starts
}

// NewArrivalSchedule builds the schedule of an open-model load. A constant
// arrival rate is one segment from Rate to Rate; a ramping one starts at
// Rate and follows the stages.
func NewArrivalSchedule(l Load) ArrivalSchedule {
	var s ArrivalSchedule
	add := func(length time.Duration, r0, r1 float64) {
		seg := arrivalSegment{start: s.total.Seconds(), length: length.Seconds(), r0: r0, r1: r1, n0: s.count}
		s.segs = append(s.segs, seg)
		s.total += length
		s.count += (r0 + r1) / 2 * seg.length
	}
	if len(l.Stages) == 0 {
		add(l.Duration, l.Rate, l.Rate)
		return s
	}
	from := l.Rate
	for _, st := range l.Stages {
		add(st.Duration, from, st.Target)
		from = st.Target
	}
	return s
}

// Total is the length of the schedule.
func (s ArrivalSchedule) Total() time.Duration { return s.total }

// Count is the number of arrivals the schedule holds: ⌈N(total)⌉.
func (s ArrivalSchedule) Count() uint64 {
	return uint64(math.Ceil(s.count - 1e-9))
}

// At returns the intended offset of arrival i from the start of the run,
// and false when arrival i falls at or after the end of the schedule.
func (s ArrivalSchedule) At(i uint64) (time.Duration, bool) {
	return s.Inverse(float64(i))
}

// Inverse returns the offset t where N(t) = n, and false when n arrivals
// are not reached before the end of the schedule. It takes fractional n
// so that a schedule can be resumed part way between two arrivals.
func (s ArrivalSchedule) Inverse(n float64) (time.Duration, bool) {
	k := n
	if k >= s.count-1e-9 {
		return s.total, false
	}
	// The first segment whose end lies beyond k arrivals holds it.
	j := sort.Search(len(s.segs), func(j int) bool {
		seg := s.segs[j]
		return seg.n0+(seg.r0+seg.r1)/2*seg.length > k
	})
	if j == len(s.segs) {
		return s.total, false
	}
	seg := s.segs[j]
	k -= seg.n0
	var tau float64
	if k > 0 {
		slope := (seg.r1 - seg.r0) / seg.length
		disc := seg.r0*seg.r0 + 2*slope*k
		if disc < 0 {
			disc = 0
		}
		tau = 2 * k / (seg.r0 + math.Sqrt(disc))
	}
	off := time.Duration((seg.start + tau) * float64(time.Second))
	if off >= s.total {
		return s.total, false
	}
	return off, true
}

// Due returns N(t), the number of arrivals intended before offset t
// (fractional; the arrivals due are the ⌈N(t)⌉ whose offsets are < t).
func (s ArrivalSchedule) Due(t time.Duration) float64 {
	sec := t.Seconds()
	var n float64
	for _, seg := range s.segs {
		if sec <= seg.start {
			break
		}
		tau := math.Min(sec-seg.start, seg.length)
		n = seg.n0 + seg.r0*tau + (seg.r1-seg.r0)*tau*tau/(2*seg.length)
	}
	return n
}

// RateAt returns the asked arrival rate at offset t.
func (s ArrivalSchedule) RateAt(t time.Duration) float64 {
	return rampAt(s.segs, t)
}

// VUSchedule gives the target number of active VUs of a closed-model plan
// over time: constant, or linear between stages as k6's ramping-vus does.
type VUSchedule struct {
	segs  []arrivalSegment
	total time.Duration
	max   int
}

// NewVUSchedule builds the VU schedule of a closed-model load.
func NewVUSchedule(l Load) VUSchedule {
	var s VUSchedule
	from := float64(l.VUs)
	s.max = l.VUs
	if len(l.Stages) == 0 {
		s.segs = []arrivalSegment{{length: l.Duration.Seconds(), r0: from, r1: from}}
		s.total = l.Duration
		return s
	}
	for _, st := range l.Stages {
		s.segs = append(s.segs, arrivalSegment{start: s.total.Seconds(), length: st.Duration.Seconds(), r0: from, r1: st.Target})
		s.total += st.Duration
		from = st.Target
		s.max = max(s.max, int(math.Ceil(st.Target)))
	}
	return s
}

// At returns the number of VUs that should be active at offset t.
func (s VUSchedule) At(t time.Duration) int {
	if t >= s.total {
		return 0
	}
	return int(math.Round(rampAt(s.segs, t)))
}

// Max is the largest number of VUs the schedule asks for.
func (s VUSchedule) Max() int { return s.max }

// Total is the length of the schedule.
func (s VUSchedule) Total() time.Duration { return s.total }

func rampAt(segs []arrivalSegment, t time.Duration) float64 {
	sec := t.Seconds()
	for _, seg := range segs {
		if sec < seg.start+seg.length {
			if seg.length == 0 {
				return seg.r1
			}
			return seg.r0 + (seg.r1-seg.r0)*(sec-seg.start)/seg.length
		}
	}
	if len(segs) == 0 {
		return 0
	}
	return segs[len(segs)-1].r1
}
