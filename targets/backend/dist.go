package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// DistKind names a distribution of service times.
type DistKind string

// The distributions a Dist can draw from.
const (
	// Constant always gives Value. It is the default.
	Constant DistKind = "constant"
	// Uniform gives any value from Min to Max, equally likely.
	Uniform DistKind = "uniform"
	// Exponential has the given Mean: memoryless service, the M in M/M/1.
	Exponential DistKind = "exponential"
	// Lognormal has the given median (P50) and 99th percentile (P99): the
	// long right tail of real services, set by the two numbers people know.
	Lognormal DistKind = "lognormal"
)

// z99 is the 0.99 quantile of the standard normal distribution: a lognormal
// with median m and log-standard-deviation sigma has its 99th percentile at
// m·exp(z99·sigma), so sigma = ln(p99/p50)/z99.
const z99 = 2.3263478740408408

// Dist is a distribution of durations, as written in a scenario or topology
// file:
//
//	service: {dist: lognormal, p50: 20ms, p99: 250ms}
//
// Only the fields of its kind may be set, so that a typo such as mean on a
// uniform is reported rather than ignored. The zero Dist is constant 0.
type Dist struct {
	Kind  DistKind      `yaml:"dist,omitempty"`  // default constant
	Value time.Duration `yaml:"value,omitempty"` // constant
	Min   time.Duration `yaml:"min,omitempty"`   // uniform
	Max   time.Duration `yaml:"max,omitempty"`   // uniform
	Mean  time.Duration `yaml:"mean,omitempty"`  // exponential
	P50   time.Duration `yaml:"p50,omitempty"`   // lognormal
	P99   time.Duration `yaml:"p99,omitempty"`   // lognormal
}

// ConstantDist returns the distribution that always gives d.
func ConstantDist(d time.Duration) Dist { return Dist{Kind: Constant, Value: d} }

// UniformDist returns the uniform distribution from lo to hi.
func UniformDist(lo, hi time.Duration) Dist { return Dist{Kind: Uniform, Min: lo, Max: hi} }

// ExponentialDist returns the exponential distribution of the given mean.
func ExponentialDist(mean time.Duration) Dist { return Dist{Kind: Exponential, Mean: mean} }

// LognormalDist returns the lognormal distribution with median p50 and 99th
// percentile p99.
func LognormalDist(p50, p99 time.Duration) Dist { return Dist{Kind: Lognormal, P50: p50, P99: p99} }

// Validate reports every problem with d, each naming the field as written
// in a file, or nil.
func (d Dist) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	inRange := func(name string, v time.Duration) {
		if v < 0 || v > MaxSleep {
			bad("%s %v: want 0 to %v", name, v, MaxSleep)
		}
	}
	// Fields of every kind, to report the ones set that this kind ignores.
	fields := []struct {
		name string
		v    time.Duration
		kind DistKind
	}{
		{"value", d.Value, Constant}, {"min", d.Min, Uniform}, {"max", d.Max, Uniform},
		{"mean", d.Mean, Exponential}, {"p50", d.P50, Lognormal}, {"p99", d.P99, Lognormal},
	}
	kind := d.kind()
	switch kind {
	case Constant:
		inRange("value", d.Value)
	case Uniform:
		inRange("min", d.Min)
		inRange("max", d.Max)
		if d.Min > d.Max {
			bad("min %v is more than max %v", d.Min, d.Max)
		}
	case Exponential:
		inRange("mean", d.Mean)
		if d.Mean <= 0 {
			bad("mean %v: want more than 0 (for no wait, use dist: constant)", d.Mean)
		}
	case Lognormal:
		inRange("p50", d.P50)
		inRange("p99", d.P99)
		if d.P50 <= 0 {
			bad("p50 %v: want more than 0", d.P50)
		}
		if d.P99 < d.P50 {
			bad("p99 %v is less than p50 %v", d.P99, d.P50)
		}
	default:
		bad("dist %q: want constant, uniform, exponential or lognormal", string(d.Kind))
		return errs
	}
	for _, f := range fields {
		if f.kind != kind && f.v != 0 {
			bad("%s is for dist: %s, not %s", f.name, f.kind, kind)
		}
	}
	return errs
}

func (d Dist) kind() DistKind {
	if d.Kind == "" {
		return Constant
	}
	return d.Kind
}

// sampler draws from a validated Dist. Its parameters are worked out once,
// in nanoseconds, so that a draw is one or two float operations.
type sampler struct {
	kind DistKind
	a, b float64 // constant: value; uniform: min, max-min; exponential: mean; lognormal: mu, sigma
}

// sampler returns the sampler of d, which must be valid.
func (d Dist) sampler() sampler {
	switch k := d.kind(); k {
	case Uniform:
		return sampler{kind: k, a: float64(d.Min), b: float64(d.Max - d.Min)}
	case Exponential:
		return sampler{kind: k, a: float64(d.Mean)}
	case Lognormal:
		return sampler{kind: k, a: math.Log(float64(d.P50)), b: math.Log(float64(d.P99)/float64(d.P50)) / z99}
	default:
		return sampler{kind: Constant, a: float64(d.Value)}
	}
}

// sample draws one duration using r, capped at MaxSleep.
func (s sampler) sample(r *rand.Rand) time.Duration {
	var x float64
	switch s.kind {
	case Uniform:
		if s.b == 0 {
			return time.Duration(s.a)
		}
		return time.Duration(s.a) + time.Duration(r.Int64N(int64(s.b)+1))
	case Exponential:
		x = r.ExpFloat64() * s.a
	case Lognormal:
		x = math.Exp(s.a + s.b*r.NormFloat64())
	default:
		return time.Duration(s.a)
	}
	if x >= float64(MaxSleep) {
		return MaxSleep
	}
	return time.Duration(x)
}
