package dashboards

import (
	"fmt"
	"math"
	"strings"

	"github.com/gdamore/tcell/v2"
)

// The panels of the steps table, the thresholds and the balancer's
// backends. Each draws what fits and says how much more there is.

var (
	stylePass = styleText.Foreground(tcell.ColorGreen)
	styleWarn = styleText.Foreground(tcell.ColorYellow)
)

// linesOf is how many lines panel p needs to show everything, cols wide.
func (u *view) linesOf(p panel, cols int) int {
	switch p {
	case panelSteps:
		cur, _ := u.v.Current()
		return 1 + len(cur.Steps)
	case panelThresholds:
		return len(u.thresholdList())
	case panelBackends:
		return len(u.backendLines(cols))
	}
	return 0
}

// lines draws lines from (x, y), at most h; when there are more, the last
// row says how many more there are (and that tab shows them whole).
func drawLines(screen tcell.Screen, x, y, w, h int, lines [][]seg) {
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1:h-1], []seg{{fmt.Sprintf("… %d more (tab)", len(lines)-h+1), styleDim}})
	}
	for i, l := range lines {
		if i >= h {
			break
		}
		put(screen, x, y+i, w, l...)
	}
}

// clip shortens s to n runes, with an ellipsis when it cuts.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 1 {
		return string(r[:max(n, 0)])
	}
	return string(r[:n-1]) + "…"
}

// stepName is how the table names a step: "flow/step", or just "step"
// when the plan has one flow.
func stepNames(steps []StepStat) []string {
	one := true
	for _, s := range steps {
		one = one && s.Flow == steps[0].Flow
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Step
		if !one {
			names[i] = s.Flow + "/" + s.Step
		}
	}
	return names
}

func (u *view) drawSteps(screen tcell.Screen, x, y, w, h int) {
	cur, _ := u.v.Current()
	if len(cur.Steps) == 0 {
		put(screen, x+1, y, w-1, seg{"no flow steps in this run", styleDim})
		return
	}
	names := stepNames(cur.Steps)
	nameW := 4
	for _, n := range names {
		nameW = max(nameW, len([]rune(n)))
	}
	// requests, p50, p99, errors, checks: 7+7+7+7+10 and the spaces.
	const fixed = 1 + 7 + 1 + 7 + 1 + 7 + 1 + 7 + 1 + 10
	nameW = max(min(nameW, w-fixed), 6)
	row := func(name, req, p50, p99 string) string {
		return fmt.Sprintf("%-*s %7s %7s %7s", nameW, clip(name, nameW), req, p50, p99)
	}
	lines := [][]seg{{{row("step", "reqs", "p50", "p99") + fmt.Sprintf(" %7s %10s", "errors", "checks"), styleDim}}}
	for i, s := range cur.Steps {
		p50, p99 := "-", "-"
		if s.Requests > 0 {
			p50, p99 = fmtLatency(s.P50), fmtLatency(s.P99)
		}
		checks, cs := "-", styleDim
		if s.Checks > 0 {
			checks, cs = fmt.Sprintf("%s/%s", fmtCount(s.ChecksPassed), fmtCount(s.ChecksPassed+s.ChecksFailed)), stylePass
			if s.ChecksFailed > 0 {
				cs = styleError
			}
		}
		lines = append(lines, []seg{
			{row(names[i], fmtCount(s.Requests), p50, p99), styleText},
			{fmt.Sprintf(" %7s", fmtCount(s.Errors)), errStyle(s.Errors)},
			{fmt.Sprintf(" %10s", checks), cs},
		})
	}
	drawLines(screen, x, y, w, h, lines)
}

// soFar qualifies the totals of the steps and thresholds panels.
func (u *view) soFar() string {
	if u.v.Info.Replay {
		return "(end of run)"
	}
	return "(run so far)"
}

// thresholdList is the thresholds as the frame shown judged them, or as
// the plan lists them before the first interval.
func (u *view) thresholdList() []ThresholdStatus {
	if cur, have := u.v.Current(); have && cur.Thresholds != nil {
		return cur.Thresholds
	}
	return u.v.Info.Thresholds
}

// thresholdMark is a threshold's state as one character and its style.
func thresholdMark(s ThresholdState) seg {
	switch s {
	case ThresholdPass:
		return seg{"✓", stylePass.Bold(true)}
	case ThresholdFail:
		return seg{"✗", styleError.Bold(true)}
	case ThresholdAtEnd:
		return seg{"◷", styleDim}
	}
	return seg{"…", styleDim}
}

func (u *view) drawThresholds(screen tcell.Screen, x, y, w, h int) {
	ths := u.thresholdList()
	if len(ths) == 0 {
		put(screen, x+1, y, w-1, seg{"no thresholds", styleDim})
		return
	}
	names := make([]string, len(ths))
	nameW := 0
	for i, t := range ths {
		names[i] = t.Expr
		if t.Step != "" {
			names[i] += " @" + t.Step
		}
		nameW = max(nameW, len([]rune(names[i])))
	}
	nameW = min(nameW, max(w/2, w-34))
	var lines [][]seg
	for i, t := range ths {
		vs := styleText
		switch t.State {
		case ThresholdFail:
			vs = styleError
		case ThresholdPending, ThresholdAtEnd:
			vs = styleDim
		}
		lines = append(lines, []seg{thresholdMark(t.State), {fmt.Sprintf(" %-*s  ", nameW, clip(names[i], nameW)), styleText}, {t.Value, vs}})
	}
	drawLines(screen, x, y, w, h, lines)
}

// thresholdBadge sums up the thresholds for the header: how many pass, or
// how many fail, of how many. It is shorter when room is short, and
// absent when there are no thresholds.
func (u *view) thresholdBadge(room int) (seg, bool) {
	ths := u.thresholdList()
	if len(ths) == 0 {
		return seg{}, false
	}
	pass, fail := 0, 0
	for _, t := range ths {
		switch t.State {
		case ThresholdPass:
			pass++
		case ThresholdFail:
			fail++
		}
	}
	text, style := fmt.Sprintf("✓ %d/%d", pass, len(ths)), stylePass.Bold(true)
	if pass < len(ths) { // some not judged yet, none failed
		style = styleDim
	}
	if fail > 0 {
		text, style = fmt.Sprintf("✗ %d/%d", fail, len(ths)), styleError.Bold(true)
	}
	if long := "thresholds " + text; len([]rune(long)) <= room {
		text = long
	}
	return seg{text, style}, true
}

// backendState is a backend's health in a word, and its style.
func backendState(b Backend) seg {
	switch {
	case !b.Healthy:
		return seg{"down", styleError}
	case b.Ejected:
		return seg{"ejected", styleWarn}
	case b.Draining:
		return seg{"draining", styleWarn}
	case !b.Available:
		return seg{"out", styleWarn}
	}
	return seg{"up", stylePass}
}

// backendLines renders the pools cols wide: a column header, then per
// pool a line naming it and a line per backend: its share of the pool's
// requests (as a bar and in per cent), requests per second, in flight,
// errors, health.
func (u *view) backendLines(cols int) [][]seg {
	pools := u.v.Backends
	if len(pools) == 0 {
		return nil
	}
	nameW := 7
	for _, p := range pools {
		for _, r := range p.Rows {
			nameW = max(nameW, len([]rune(backendName(r.Backend))))
		}
	}
	// share %, req/s, in flight, errors, state: 6+7+6+7+9 and the spaces.
	const fixed = 1 + 6 + 1 + 7 + 1 + 6 + 1 + 7 + 1 + 8
	nameW = min(nameW, max(cols/3, 8))
	barW := cols - nameW - fixed - 1
	if barW < 4 {
		barW = 0
	}
	barW = min(barW, 24)
	head := fmt.Sprintf("%-*s %s%6s %7s %6s %7s %-8s", nameW, "backend", strings.Repeat(" ", barW+min(barW, 1)), "share", "req/s", "in-fl", "errors", "state")
	lines := [][]seg{{{head, styleDim}}}
	if u.v.BackendsErr != "" {
		lines = append(lines, []seg{{"stats: " + u.v.BackendsErr + " (last reading below)", styleWarn}})
	}
	for _, p := range pools {
		title := p.Name
		if p.Mode == "router" {
			title += " · router, by route"
		} else if p.Policy != "" {
			title += " · " + p.Policy
		}
		if p.Rate >= 0 {
			title += fmt.Sprintf(" · %s/s", fmtCount(uint64(math.Round(p.Rate))))
		}
		over := "share of the run"
		if p.Recent {
			over = "share since last reading"
		}
		l := []seg{{title, styleBold}, {" · " + over, styleDim}}
		if p.NoBackend > 0 {
			l = append(l, seg{fmt.Sprintf(" · %s turned away", fmtCount(p.NoBackend)), styleError})
		}
		lines = append(lines, l)
		for _, r := range p.Rows {
			l := []seg{{fmt.Sprintf("%-*s ", nameW, clip(backendName(r.Backend), nameW)), styleText}}
			if barW > 0 {
				l = append(l, shareBar(r.Share, barW)...)
				l = append(l, seg{" ", styleText})
			}
			rate := "-"
			if r.Rate >= 0 {
				rate = fmtCount(uint64(math.Round(r.Rate)))
			}
			l = append(l,
				seg{fmt.Sprintf("%5.1f%% %7s %6d ", 100*r.Share, rate, r.InFlight), styleText},
				seg{fmt.Sprintf("%7s ", fmtCount(r.Errors)), errStyle(r.Errors)},
				backendState(r.Backend))
			lines = append(lines, l)
		}
	}
	return lines
}

// backendName is "ID", or "PREFIX → ID" for a router's route.
func backendName(b Backend) string {
	if b.Route != "" {
		return b.Route + " → " + b.ID
	}
	return b.ID
}

// shareBar draws frac of w cells in eighth blocks, the rest dotted.
func shareBar(frac float64, w int) []seg {
	return progressBar(min(max(frac, 0), 1), w)
}

func (u *view) drawBackends(screen tcell.Screen, x, y, w, h int) {
	lines := u.backendLines(w)
	if len(lines) == 0 {
		put(screen, x+1, y, w-1, seg{"no load balancer stats", styleDim})
		return
	}
	drawLines(screen, x, y, w, h, lines)
}
