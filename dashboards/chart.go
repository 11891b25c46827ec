package dashboards

import (
	"math"
	"strings"
)

// Canvas is a grid of W×H braille cells: 2W dots across and 4H dots down,
// dot (0, 0) top left. Each cell remembers which series set its last dot,
// so a view can colour it. The zero Canvas is empty; use NewCanvas.
type Canvas struct {
	W, H  int
	dots  []uint8
	owner []int8
}

// brailleBit is the bit of a dot in a braille cell (U+2800 + bits), by dot
// column (0, 1) and dot row (0 top .. 3 bottom).
var brailleBit = [2][4]uint8{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// NewCanvas returns an empty canvas of w×h cells.
func NewCanvas(w, h int) *Canvas {
	w, h = max(w, 0), max(h, 0)
	c := &Canvas{W: w, H: h, dots: make([]uint8, w*h), owner: make([]int8, w*h)}
	for i := range c.owner {
		c.owner[i] = -1
	}
	return c
}

// Set turns on dot (x, y) for series s; dots outside the canvas are ignored.
func (c *Canvas) Set(x, y, s int) {
	if x < 0 || y < 0 || x >= 2*c.W || y >= 4*c.H {
		return
	}
	i := (y/4)*c.W + x/2
	c.dots[i] |= brailleBit[x%2][y%4]
	c.owner[i] = int8(s)
}

// Cell returns the rune of cell (col, row), a space when no dot is set,
// and the series that set its last dot (-1 for none).
func (c *Canvas) Cell(col, row int) (rune, int) {
	i := row*c.W + col
	if c.dots[i] == 0 {
		return ' ', -1
	}
	return rune(0x2800 + int(c.dots[i])), int(c.owner[i])
}

// Lines returns the canvas as H strings of W runes, top first.
func (c *Canvas) Lines() []string {
	out := make([]string, c.H)
	var b strings.Builder
	for row := range c.H {
		b.Reset()
		for col := range c.W {
			r, _ := c.Cell(col, row)
			b.WriteRune(r)
		}
		out[row] = b.String()
	}
	return out
}

// line draws a straight line of dots from (x0, y0) to (x1, y1).
func (c *Canvas) line(x0, y0, x1, y1, s int) {
	steps := max(abs(x1-x0), abs(y1-y0))
	if steps == 0 {
		c.Set(x0, y0, s)
		return
	}
	for i := 0; i <= steps; i++ {
		x := x0 + int(math.Round(float64((x1-x0)*i)/float64(steps)))
		y := y0 + int(math.Round(float64((y1-y0)*i)/float64(steps)))
		c.Set(x, y, s)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Scale maps values to the height of a chart: linearly from Lo (bottom)
// to Hi (top), or logarithmically when Log is set (then Lo must be > 0).
type Scale struct {
	Lo, Hi float64
	Log    bool
}

// Frac returns where v sits between Lo and Hi, from 0 to 1 (clamped), and
// false for a value the scale cannot show (NaN, or <= 0 on a log scale).
func (s Scale) Frac(v float64) (float64, bool) {
	if math.IsNaN(v) || (s.Log && v <= 0) {
		return 0, false
	}
	lo, hi := s.Lo, s.Hi
	if s.Log {
		v, lo, hi = math.Log10(v), math.Log10(lo), math.Log10(hi)
	}
	if hi <= lo {
		return 0, true
	}
	return min(max((v-lo)/(hi-lo), 0), 1), true
}

// row returns the dot row (0 top) of v on a canvas n dots high.
func (s Scale) row(v float64, n int) (int, bool) {
	f, ok := s.Frac(v)
	if !ok {
		return 0, false
	}
	return n - 1 - int(math.Round(f*float64(n-1))), true
}

// xOf places point i of a series on a chart with dots dot columns whose x
// axis holds span points: point 0 at the left edge, point span-1 at the
// right. With fewer points than columns the points spread out; with more,
// several share a column and the line through them shows their range.
func xOf(i, span, dots int) int {
	if span <= 1 {
		return 0
	}
	return i * (dots - 1) / (span - 1)
}

// PlotLines draws each series as a line on c, series 0 first (a later
// series wins the colour of a shared cell). Point i of a series sits at
// xOf(i, span, 2W); a series longer than span keeps its last span points.
// NaN values, and values <= 0 on a log scale, leave a gap.
func PlotLines(c *Canvas, series [][]float64, sc Scale, span int) {
	if c.W == 0 || c.H == 0 || span < 1 {
		return
	}
	dotsX, dotsY := 2*c.W, 4*c.H
	for s, vals := range series {
		if len(vals) > span {
			vals = vals[len(vals)-span:]
		}
		px, py, have := 0, 0, false
		for i, v := range vals {
			y, ok := sc.row(v, dotsY)
			if !ok {
				have = false
				continue
			}
			x := xOf(i, span, dotsX)
			if have {
				c.line(px, py, x, y, s)
			} else {
				c.Set(x, y, s)
			}
			px, py, have = x, y, true
		}
	}
}

// barBlocks are the eighth blocks, from empty to full.
var barBlocks = []rune(" ▁▂▃▄▅▆▇█")

// Bars renders values as vertical bars of eighth blocks, w cells wide and
// h rows high (top row first), scaled so that hi fills the height. The x
// axis holds span values: with fewer values than columns a value gets
// several columns, with more a column shows the largest of its values. A
// value above zero always shows at least one eighth, so that a single
// error is visible next to thousands of requests.
func Bars(values []float64, w, h int, hi float64, span int) []string {
	w, h = max(w, 0), max(h, 0)
	span = max(span, len(values), 1)
	cols := make([]float64, w)
	has := make([]bool, w)
	for i, v := range values {
		// Value i covers columns [i*w/span, (i+1)*w/span), at least one.
		from := i * w / span
		to := max((i+1)*w/span, from+1)
		for c := from; c < to && c < w; c++ {
			if !has[c] || v > cols[c] {
				cols[c], has[c] = v, true
			}
		}
	}
	rows := make([][]rune, h)
	for r := range rows {
		rows[r] = []rune(strings.Repeat(" ", w))
	}
	for c, v := range cols {
		if !has[c] || !(v > 0) || !(hi > 0) {
			continue
		}
		eighths := max(int(math.Round(min(v/hi, 1)*float64(8*h))), 1)
		for r := range h { // r counts rows from the bottom
			n := min(max(eighths-8*r, 0), 8)
			rows[h-1-r][c] = barBlocks[n]
		}
	}
	out := make([]string, h)
	for r := range rows {
		out[r] = string(rows[r])
	}
	return out
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (0 stays 0).
func niceCeil(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// decades returns the powers of ten around the positive values in vals:
// lo <= the smallest, hi >= the largest, at least one decade apart; false
// when there is no positive value.
func decades(vals ...[]float64) (lo, hi float64, ok bool) {
	mn, mx := math.Inf(1), 0.0
	for _, vs := range vals {
		for _, v := range vs {
			if v > 0 {
				mn, mx = min(mn, v), max(mx, v)
			}
		}
	}
	if mx == 0 {
		return 0, 0, false
	}
	// The epsilon absorbs Log10's rounding (Log10(1000) < 3).
	lo = math.Pow(10, math.Floor(math.Log10(mn)+1e-9))
	hi = math.Pow(10, math.Ceil(math.Log10(mx)-1e-9))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi, true
}
