// Package dashboards shows a run while it happens: the live terminal
// dashboard (TUI, drawn with tview), or a plain progress line per interval
// when there is no terminal (Plain). Both take the engine's per-interval
// snapshots through an OnInterval method that copies what it needs and
// never waits on the terminal.
//
// The TUI is split into a Model (frames copied from snapshots, in a ring),
// a view drawing it with tview primitives, and pure chart functions
// (PlotLines on a braille Canvas, Bars) that tests check rune by rune.
// Besides the charts it shows the steps of flow scenarios, the plan's
// thresholds judged live (by a function the caller gives, WithThresholds)
// and, for a bundled load balancer, each backend's share of the requests,
// in flight and health (from stats the caller reads and hands over with
// SetBackends: this package does no I/O but the terminal's).
package dashboards

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
)

// Plain writes one progress line per interval. It only formats and writes:
// the engine calls it from its collector, so it must stay cheap.
type Plain struct {
	w io.Writer
}

// NewPlain returns a progress printer writing to w (usually stderr).
func NewPlain(w io.Writer) *Plain { return &Plain{w: w} }

// OnInterval prints the line for one snapshot.
func (p *Plain) OnInterval(s *engine.Snapshot) {
	iv := s.Interval
	lat := iv.Hists[metrics.Latency]
	asked := ""
	if s.AskedRate > 0 {
		asked = fmt.Sprintf(" (asked %.0f/s)", s.AskedRate)
	}
	state := ""
	if s.Stopping {
		state = " stopping"
	}
	fmt.Fprintf(p.w, "[%6s/%s]%s rate %.0f/s%s  p50 %s  p99 %s  max %s  errors %d  dropped %d  VUs %d/%d  total %d\n",
		clock(s.Elapsed), clock(s.Planned), state, iv.RPS(), asked,
		micros(lat.ValueAtQuantile(50)), micros(lat.ValueAtQuantile(99)), micros(lat.Max()),
		iv.Errors, iv.Dropped, s.ActiveVUs, s.MaxVUs, s.Total.Requests)
}

func clock(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
}

func micros(us int64) string {
	switch {
	case us >= 1_000_000:
		return strconv.FormatFloat(float64(us)/1e6, 'f', 2, 64) + "s"
	case us >= 1000:
		return strconv.FormatFloat(float64(us)/1e3, 'f', 2, 64) + "ms"
	default:
		return strconv.FormatInt(us, 10) + "µs"
	}
}
