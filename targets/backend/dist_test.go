package backend

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// summary of many draws, in milliseconds.
type summary struct{ min, mean, p50, p99, max float64 }

func summarise(d Dist, n int, seed uint64) summary {
	s := d.sampler()
	r := rand.New(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	sum := 0.0
	for i := range xs {
		xs[i] = ms(s.sample(r))
		sum += xs[i]
	}
	slices.Sort(xs)
	return summary{min: xs[0], mean: sum / float64(n), p50: xs[n/2], p99: xs[n*99/100], max: xs[n-1]}
}

// near reports whether got is within rel (relative) of want.
func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*want }

func TestDistSamples(t *testing.T) {
	const n = 200_000
	tests := []struct {
		name string
		dist Dist
		// wanted values in ms, 0 meaning unchecked, and the tolerance
		mean, p50, p99 float64
		rel            float64
		min, max       float64 // bounds every draw must keep
	}{
		{"constant", ConstantDist(5 * time.Millisecond), 5, 5, 5, 0, 5, 5},
		{"zero", Dist{}, 0, 0, 0, 0, 0, 0},
		{"uniform", UniformDist(10*time.Millisecond, 30*time.Millisecond), 20, 20, 29.8, 0.01, 10, 30},
		{"uniform empty range", UniformDist(7*time.Millisecond, 7*time.Millisecond), 7, 7, 7, 0, 7, 7},
		// Exponential: median mean·ln 2, p99 mean·ln 100.
		{"exponential", ExponentialDist(10 * time.Millisecond), 10, 10 * math.Ln2, 10 * math.Log(100), 0.03, 0, ms(MaxSleep)},
		// Lognormal: mean exp(mu + sigma²/2).
		{"lognormal", LognormalDist(20*time.Millisecond, 200*time.Millisecond),
			20 * math.Exp(math.Pow(math.Log(10)/z99, 2)/2), 20, 200, 0.04, 0, ms(MaxSleep)},
		{"lognormal degenerate", LognormalDist(20*time.Millisecond, 20*time.Millisecond), 20, 20, 20, 0.001, 19.99, 20.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if errs := tt.dist.Validate(); errs != nil {
				t.Fatalf("Validate: %v", errs)
			}
			s := summarise(tt.dist, n, 1)
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"mean", s.mean, tt.mean}, {"p50", s.p50, tt.p50}, {"p99", s.p99, tt.p99}} {
				if !near(c.got, c.want, tt.rel) && math.Abs(c.got-c.want) > 1e-6 {
					t.Errorf("%s %.4f ms; want %.4f ms within %.0f%%", c.what, c.got, c.want, 100*tt.rel)
				}
			}
			if s.min < tt.min || s.max > tt.max {
				t.Errorf("draws from %.4f to %.4f ms; want within [%v, %v]", s.min, s.max, tt.min, tt.max)
			}
		})
	}
}

func TestDistCappedAtMaxSleep(t *testing.T) {
	for _, d := range []Dist{ExponentialDist(MaxSleep), LognormalDist(MaxSleep/2, MaxSleep)} {
		if s := summarise(d, 10_000, 3); s.max > ms(MaxSleep) {
			t.Errorf("%+v: a draw of %v ms, over MaxSleep", d, s.max)
		}
	}
}

func TestDistDeterministic(t *testing.T) {
	d := LognormalDist(10*time.Millisecond, 100*time.Millisecond)
	draws := func(seed uint64) []time.Duration {
		s, r := d.sampler(), rand.New(rand.NewPCG(seed, 1))
		out := make([]time.Duration, 100)
		for i := range out {
			out[i] = s.sample(r)
		}
		return out
	}
	if a, b := draws(42), draws(42); !slices.Equal(a, b) {
		t.Errorf("two runs with seed 42 drew differently")
	}
	if a, b := draws(42), draws(43); slices.Equal(a, b) {
		t.Errorf("seeds 42 and 43 drew the same")
	}
}

func TestDistValidate(t *testing.T) {
	tests := []struct {
		dist Dist
		bad  []string // words the errors must contain, in order; none when valid
	}{
		{Dist{}, nil},
		{Dist{Value: time.Second}, nil},
		{ConstantDist(MaxSleep), nil},
		{UniformDist(0, MaxSleep), nil},
		{ExponentialDist(time.Millisecond), nil},
		{LognormalDist(time.Millisecond, time.Second), nil},
		{Dist{Kind: "gamma"}, []string{`dist "gamma"`}},
		{ConstantDist(-1), []string{"value -1ns"}},
		{ConstantDist(MaxSleep + 1), []string{"value"}},
		{UniformDist(2, 1), []string{"min 2ns is more than max 1ns"}},
		{UniformDist(-1, MaxSleep+1), []string{"min", "max"}},
		{ExponentialDist(0), []string{"mean 0s: want more than 0"}},
		{LognormalDist(0, 0), []string{"p50 0s"}},
		{LognormalDist(2, 1), []string{"p99 1ns is less than p50 2ns"}},
		{Dist{Kind: Uniform, Min: 1, Max: 2, Mean: 3}, []string{"mean is for dist: exponential, not uniform"}},
		{Dist{Mean: time.Second}, []string{"mean is for dist: exponential, not constant"}},
		{Dist{Kind: Lognormal, P50: 1, P99: 2, Value: 3, Max: 4}, []string{"value is for", "max is for"}},
	}
	for _, tt := range tests {
		errs := tt.dist.Validate()
		if len(errs) != len(tt.bad) {
			t.Errorf("%+v.Validate() = %v; want %d errors", tt.dist, errs, len(tt.bad))
			continue
		}
		for i, w := range tt.bad {
			if !strings.Contains(errs[i].Error(), w) {
				t.Errorf("%+v.Validate()[%d] = %q; want it to contain %q", tt.dist, i, errs[i], w)
			}
		}
	}
}
