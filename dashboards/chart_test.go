package dashboards

import (
	"math"
	"slices"
	"testing"
)

func TestCanvasDots(t *testing.T) {
	c := NewCanvas(2, 1)
	c.Set(0, 0, 0) // top left dot of cell 0: ⠁
	c.Set(3, 3, 1) // bottom right dot of cell 1: ⢀
	c.Set(9, 9, 2) // outside: ignored
	if got, want := c.Lines(), []string{"⠁⢀"}; !slices.Equal(got, want) {
		t.Fatalf("Lines() = %q, want %q", got, want)
	}
	full := NewCanvas(1, 1)
	for x := range 2 {
		for y := range 4 {
			full.Set(x, y, 0)
		}
	}
	if r, s := full.Cell(0, 0); r != '⣿' || s != 0 {
		t.Fatalf("all dots: %q series %d, want ⣿ 0", r, s)
	}
	if r, s := NewCanvas(1, 1).Cell(0, 0); r != ' ' || s != -1 {
		t.Fatalf("empty cell: %q %d", r, s)
	}
}

func TestPlotLines(t *testing.T) {
	nan := math.NaN()
	lin := func(lo, hi float64) Scale { return Scale{Lo: lo, Hi: hi} }
	tests := []struct {
		name   string
		w, h   int
		series [][]float64
		sc     Scale
		span   int
		want   []string
	}{
		{"flat at the bottom", 2, 1, [][]float64{{0, 0, 0, 0}}, lin(0, 1), 4, []string{"⣀⣀"}},
		{"flat at the top", 2, 1, [][]float64{{1, 1, 1, 1}}, lin(0, 1), 4, []string{"⠉⠉"}},
		{"rising diagonal", 2, 1, [][]float64{{0, 1, 2, 3}}, lin(0, 3), 4, []string{"⡠⠊"}},
		{"steep rise joins the points", 1, 2, [][]float64{{0, 7}}, lin(0, 7), 2, []string{"⢸", "⡇"}},
		{"two points spread over the span", 4, 1, [][]float64{{0, 0}}, lin(0, 1), 2, []string{"⣀⣀⣀⣀"}},
		{"the planned span leaves room on the right", 4, 1, [][]float64{{0, 0}}, lin(0, 1), 8, []string{"⣀   "}},
		{"NaN leaves a gap", 3, 1, [][]float64{{0, nan, nan, nan, 0, 0}}, lin(0, 1), 6, []string{"⡀ ⣀"}},
		{"more points than dots show their range", 1, 1, [][]float64{{0, 3, 0, 3, 0, 3, 0, 3, 0, 3}}, lin(0, 3), 10, []string{"⡟"}},
		{"values clamp to the scale", 1, 1, [][]float64{{-5, 50}}, lin(0, 3), 2, []string{"⡜"}},
		{"log scale", 1, 1, [][]float64{{1, 1000}}, Scale{Lo: 1, Hi: 1000, Log: true}, 2, []string{"⡜"}},
		{"zero on a log scale is a gap", 2, 1, [][]float64{{0, 0, 10, 10}}, Scale{Lo: 1, Hi: 10, Log: true}, 4, []string{" ⠉"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCanvas(tc.w, tc.h)
			PlotLines(c, tc.series, tc.sc, tc.span)
			if got := c.Lines(); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPlotLinesOwner: a later series takes the colour of a shared cell;
// cells only one series touches keep its colour.
func TestPlotLinesOwner(t *testing.T) {
	c := NewCanvas(3, 1)
	PlotLines(c, [][]float64{{1, 1, 1}, {0, nan(), 1}}, Scale{Lo: 0, Hi: 1}, 3)
	// Dot columns 0, 2, 5 for the points; series 1 touches cells 0 and 2.
	owners := make([]int, 3)
	for col := range 3 {
		_, owners[col] = c.Cell(col, 0)
	}
	if want := []int{1, 0, 1}; !slices.Equal(owners, want) {
		t.Fatalf("owners %v, want %v (lines %q)", owners, want, c.Lines())
	}
}

func nan() float64 { return math.NaN() }

func TestBars(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		w, h   int
		hi     float64
		span   int
		want   []string
	}{
		{"eighths", []float64{0, 4, 8}, 3, 1, 8, 3, []string{" ▄█"}},
		{"two rows", []float64{8, 16}, 2, 2, 16, 2, []string{" █", "██"}},
		{"a tiny value still shows", []float64{0.001}, 1, 1, 100, 1, []string{"▁"}},
		{"over the top clamps", []float64{30}, 1, 2, 10, 1, []string{"█", "█"}},
		{"a value gets several columns", []float64{8}, 4, 1, 8, 2, []string{"██  "}},
		{"a column shows its largest value", []float64{1, 8, 2, 3}, 2, 1, 8, 4, []string{"█▃"}},
		{"nothing to show", nil, 3, 1, 8, 3, []string{"   "}},
		{"zero scale draws nothing", []float64{0, 0}, 2, 1, 0, 2, []string{"  "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Bars(tc.values, tc.w, tc.h, tc.hi, tc.span); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestScaleFrac(t *testing.T) {
	tests := []struct {
		sc     Scale
		v      float64
		want   float64
		wantOK bool
	}{
		{Scale{Lo: 0, Hi: 10}, 5, 0.5, true},
		{Scale{Lo: 0, Hi: 10}, -1, 0, true},
		{Scale{Lo: 0, Hi: 10}, 11, 1, true},
		{Scale{Lo: 1, Hi: 100, Log: true}, 10, 0.5, true},
		{Scale{Lo: 1, Hi: 100, Log: true}, 0, 0, false},
		{Scale{Lo: 0, Hi: 10}, math.NaN(), 0, false},
	}
	for _, tc := range tests {
		got, ok := tc.sc.Frac(tc.v)
		if ok != tc.wantOK || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%+v.Frac(%g) = %g, %v; want %g, %v", tc.sc, tc.v, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestNiceCeilAndDecades(t *testing.T) {
	for v, want := range map[float64]float64{0: 0, 1: 1, 1.5: 2, 3: 5, 7: 10, 2000: 2000, 2001: 5000, 0.03: 0.05} {
		if got := niceCeil(v); math.Abs(got-want) > 1e-12 {
			t.Errorf("niceCeil(%g) = %g, want %g", v, got, want)
		}
	}
	tests := []struct {
		vals   []float64
		lo, hi float64
		ok     bool
	}{
		{[]float64{0.5, 1234}, 0.1, 10000, true},
		{[]float64{1000}, 1000, 10000, true},
		{[]float64{120, 180}, 100, 1000, true},
		{[]float64{0, math.NaN()}, 0, 0, false},
	}
	for _, tc := range tests {
		lo, hi, ok := decades(tc.vals)
		if ok != tc.ok || math.Abs(lo-tc.lo) > 1e-9 || math.Abs(hi-tc.hi) > 1e-9 {
			t.Errorf("decades(%v) = %g, %g, %v; want %g, %g, %v", tc.vals, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}
