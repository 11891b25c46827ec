package dashboards

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/stampede-lab/stampede/engine"
)

// panel is one of the detail views that tab cycles through.
type panel int

const (
	panelOverview panel = iota
	panelLatency
	panelThroughput
	panelCounts
	panelSteps
	panelThresholds
	panelBackends
	numPanels
)

var panelNames = [numPanels]string{"overview", "latency", "throughput", "status & errors", "steps", "thresholds", "backends"}

// latencySeries are the latency lines, in legend order.
var latencySeries = []struct {
	name  string
	color tcell.Color
	get   func(Latency) int64
}{
	{"p50", tcell.ColorGreen, func(l Latency) int64 { return l.P50 }},
	{"p90", tcell.ColorAqua, func(l Latency) int64 { return l.P90 }},
	{"p99", tcell.ColorYellow, func(l Latency) int64 { return l.P99 }},
	{"p99.9", tcell.ColorOrange, func(l Latency) int64 { return l.P999 }},
	{"max", tcell.ColorRed, func(l Latency) int64 { return l.Max }},
}

// Sizes of the fixed parts of the layout.
const (
	headerRows = 2
	sideCols   = 26 // the legend and the counts panels
	gutterCols = 7  // y-axis labels left of a chart
	// From roomyCols×roomyRows on, the overview shows the steps,
	// thresholds and backends panels in a column of their own, between
	// minExtraCols and maxExtraCols wide; below, they are tab views.
	roomyCols, roomyRows       = 130, 32
	minExtraCols, maxExtraCols = 56, 76
)

// view draws a Model with tview primitives. All its methods run on the
// goroutine that draws (tview's event loop, or a test).
type view struct {
	model *Model
	ctl   Controller // nil in a replay

	v         View // what is being drawn, refreshed by refresh
	panel     panel
	laid      layoutKey // what the body was last laid out for
	help      bool
	stopAsked bool        // q was pressed; the engine has not said so yet
	playing   func() bool // replay: whether it plays

	pages                                         *tview.Pages
	body                                          *tview.Flex
	header, latency, legend, tput, counts, footer *tview.Box
	steps, thresholds, backends                   *tview.Box
}

// layoutKey is what the arrangement of the panels depends on: the detail
// view, and in a roomy overview the rows of the extra column's panels
// (steps, thresholds, backends; 0 for one not shown), the last of which
// takes the rest of the column.
type layoutKey struct {
	panel panel
	extra [3]int
	cols  int // the extra column's width
	flex  int // index in extra of the panel that takes the rest
}

func newView(m *Model, ctl Controller) *view {
	u := &view{model: m, ctl: ctl, playing: func() bool { return false }}
	u.v.Info = m.Info() // the help's size depends on it
	box := func(title string, draw func(tcell.Screen, int, int, int, int)) *tview.Box {
		b := tview.NewBox()
		if title != "" {
			b.SetBorder(true).SetTitle(title).SetTitleAlign(tview.AlignLeft)
		}
		b.SetDrawFunc(func(s tcell.Screen, x, y, w, h int) (int, int, int, int) {
			if title != "" {
				x, y, w, h = x+1, y+1, w-2, h-2
			}
			if w > 0 && h > 0 {
				draw(s, x, y, w, h)
			}
			return x, y, max(w, 0), max(h, 0)
		})
		return b
	}
	u.header = box("", u.drawHeader)
	u.latency = box(" latency (log scale) ", u.drawLatency)
	u.legend = box(" now / run ", u.drawLegend)
	u.tput = box(" throughput ", u.drawThroughput)
	u.counts = box(" status & errors ", u.drawCounts)
	u.steps = box(" steps ", u.drawSteps)
	u.thresholds = box(" thresholds ", u.drawThresholds)
	u.backends = box(" backends ", u.drawBackends)
	u.footer = box("", u.drawFooter)
	u.body = tview.NewFlex().SetDirection(tview.FlexRow)
	u.laid.panel = -1
	u.arrange(80, 24)

	helpBox := box(" keys ", u.drawHelp)
	helpW, helpH := 56, len(u.helpLines())+2
	help := tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).
			AddItem(helpBox, helpH, 0, false).
			AddItem(nil, 0, 1, false), helpW, 0, false).
		AddItem(nil, 0, 1, false)
	u.pages = tview.NewPages().
		AddPage("main", u.body, true, true).
		AddPage("help", help, true, false)
	return u
}

// arrange lays the panels out for a screen of w×h, if what the layout
// depends on changed since the last time: the detail view, and in the
// overview of a roomy terminal the extra panels and their contents.
func (u *view) arrange(w, h int) {
	if !u.available(u.panel) {
		u.panel = panelOverview
	}
	k := layoutKey{panel: u.panel}
	if u.panel == panelOverview && w >= roomyCols && h >= roomyRows {
		k.cols = min(max(w*2/5, minExtraCols), maxExtraCols)
		k.extra, k.flex = u.extraRows(h-headerRows-1, k.cols-2)
	}
	if k != u.laid {
		u.laid = k
		u.layout(k)
	}
}

// extraRows shares out rows of the extra column between the panels that
// have something to show, by the lines they need (cols wide); the last
// shown one takes what is left. All zero when none has anything.
func (u *view) extraRows(rows, cols int) (sizes [3]int, flex int) {
	want := [3]int{}
	total := 0
	for i, p := range []panel{panelSteps, panelThresholds, panelBackends} {
		if u.available(p) {
			want[i] = u.linesOf(p, cols) + 2
			total += want[i]
			flex = i
		}
	}
	for i, n := range want {
		switch {
		case n == 0:
		case total <= rows:
			sizes[i] = n
		default: // not enough room: in proportion, at least one line each
			sizes[i] = max(3, n*rows/total)
		}
	}
	return sizes, flex
}

// layout arranges the panels as k says. Flex shares out the rows and
// columns, so a bigger terminal gets bigger charts.
func (u *view) layout(k layoutKey) {
	row := func(items ...tview.Primitive) *tview.Flex {
		f := tview.NewFlex()
		for i, p := range items {
			if i == len(items)-1 && len(items) > 1 {
				f.AddItem(p, sideCols, 0, false)
			} else {
				f.AddItem(p, 0, 1, false)
			}
		}
		return f
	}
	u.body.Clear()
	u.body.AddItem(u.header, headerRows, 0, false)
	switch k.panel {
	case panelOverview:
		charts := tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(row(u.latency, u.legend), 0, 3, false).
			AddItem(row(u.tput, u.counts), 0, 2, false)
		if k.extra == [3]int{} {
			u.body.AddItem(charts, 0, 1, false)
			break
		}
		col := tview.NewFlex().SetDirection(tview.FlexRow)
		for i, b := range []*tview.Box{u.steps, u.thresholds, u.backends} {
			switch {
			case k.extra[i] == 0:
			case i == k.flex:
				col.AddItem(b, 0, 1, false)
			default:
				col.AddItem(b, k.extra[i], 0, false)
			}
		}
		u.body.AddItem(tview.NewFlex().AddItem(charts, 0, 1, false).AddItem(col, k.cols, 0, false), 0, 1, false)
	case panelLatency:
		u.body.AddItem(row(u.latency, u.legend), 0, 1, false)
	case panelThroughput:
		u.body.AddItem(row(u.tput, u.counts), 0, 1, false)
	case panelCounts:
		u.body.AddItem(u.counts, 0, 1, false)
	case panelSteps:
		u.body.AddItem(u.steps, 0, 1, false)
	case panelThresholds:
		u.body.AddItem(u.thresholds, 0, 1, false)
	case panelBackends:
		u.body.AddItem(u.backends, 0, 1, false)
	}
	u.body.AddItem(u.footer, 1, 0, false)
}

// available reports whether detail view p has something to show: the
// steps of a plan with flows, thresholds, a balancer's backends.
func (u *view) available(p panel) bool {
	switch p {
	case panelSteps:
		cur, _ := u.v.Current()
		return len(cur.Steps) > 0
	case panelThresholds:
		return len(u.thresholdList()) > 0
	case panelBackends:
		return len(u.v.Backends) > 0
	}
	return true
}

// cycle moves to the next (d = 1) or previous (d = -1) detail view that
// has something to show.
func (u *view) cycle(d int) {
	p := u.panel
	for range numPanels {
		p = panel((int(p) + d + int(numPanels)) % int(numPanels))
		if u.available(p) {
			break
		}
	}
	u.panel = p
	u.laid.panel = -1 // lay out again at the next drawing
}

func (u *view) toggleHelp() {
	u.help = !u.help
	if u.help {
		u.pages.ShowPage("help")
	} else {
		u.pages.HidePage("help")
	}
}

// refresh copies the model for the next drawing on a screen of w×h, and
// lays the panels out again if that changed what they show.
func (u *view) refresh(w, h int) {
	u.v = u.model.View()
	u.arrange(w, h)
	cur, _ := u.v.Current()
	title := " throughput "
	if len(u.v.Frames) > 0 {
		title = fmt.Sprintf(" throughput %s/s · errors %s/s ", fmtCount(uint64(math.Round(cur.RPS))), fmtCount(uint64(math.Round(errorRate(cur)))))
	}
	u.tput.SetTitle(title)
	u.steps.SetTitle(" steps " + u.soFar() + " ")
	u.thresholds.SetTitle(" thresholds " + u.soFar() + " ")
}

// draw renders the whole dashboard on screen at its full size; tests use
// it to draw without an event loop.
func (u *view) draw(screen tcell.Screen) {
	w, h := screen.Size()
	u.refresh(w, h)
	u.pages.SetRect(0, 0, w, h)
	screen.Clear()
	u.pages.Draw(screen)
	screen.Show()
}

// state returns the run's state as the header shows it: the control's
// state for pause and factor when there is one (it reacts at once to a
// key), the engine's otherwise.
func (u *view) state(cur Frame) (paused bool, factor float64) {
	paused, factor = cur.Paused, cur.Factor
	if u.ctl != nil {
		paused, factor = u.ctl.Paused(), u.ctl.Factor()
	}
	if factor == 0 {
		factor = 1
	}
	return paused, factor
}

// Styles.
var (
	styleText  = tcell.StyleDefault.Background(tcell.ColorBlack).Foreground(tcell.ColorWhite)
	styleDim   = styleText.Foreground(tcell.ColorGray)
	styleBold  = styleText.Bold(true)
	styleKey   = styleText.Foreground(tcell.ColorYellow).Bold(true)
	styleError = styleText.Foreground(tcell.ColorRed)
	styleBar   = styleText.Foreground(tcell.ColorGreen)
)

func badge(bg tcell.Color) tcell.Style {
	return tcell.StyleDefault.Background(bg).Foreground(tcell.ColorBlack).Bold(true)
}

// seg is a run of text in one style.
type seg struct {
	text  string
	style tcell.Style
}

// width is the number of cells of segs (all our runes are one cell wide).
func width(segs []seg) int {
	n := 0
	for _, s := range segs {
		n += len([]rune(s.text))
	}
	return n
}

// put writes segs from (x, y), clipped at x+w, and returns the next x.
func put(screen tcell.Screen, x, y, w int, segs ...seg) int {
	end := x + w
	for _, s := range segs {
		for _, r := range s.text {
			if x >= end {
				return x
			}
			screen.SetContent(x, y, r, nil, s.style)
			x++
		}
	}
	return x
}

// putRight writes segs right-aligned in [x, x+w).
func putRight(screen tcell.Screen, x, y, w int, segs ...seg) {
	put(screen, x+max(w-width(segs), 0), y, w, segs...)
}

func (u *view) drawHeader(screen tcell.Screen, x, y, w, _ int) {
	cur, have := u.v.Current()
	info := u.v.Info
	paused, factor := u.state(cur)

	// Line 1: what runs against what, and its state.
	var state seg
	switch {
	case info.Replay:
		state = seg{" REPLAY ", badge(tcell.ColorTeal)}
	case cur.Stopping || u.stopAsked:
		state = seg{" STOPPING ", badge(tcell.ColorRed)}
	case paused:
		state = seg{" PAUSED ", badge(tcell.ColorYellow)}
	case !have:
		state = seg{" STARTING ", badge(tcell.ColorGray)}
	default:
		state = seg{" RUNNING ", badge(tcell.ColorGreen)}
	}
	title := []seg{{" stampede ", styleBold}, {info.Scenario, styleText}, {" · ", styleDim}, {info.Protocol, styleText}, {" · ", styleDim}, {info.Target, styleText}}
	badges := []seg{state}
	if b, ok := u.thresholdBadge(w - width(title) - width(badges) - 2); ok {
		badges = []seg{b, {" ", styleText}, state}
	}
	put(screen, x, y, w-width(badges)-1, title...)
	putRight(screen, x, y, w, badges...)

	// Line 2: progress, VUs, rates, factor; the bar takes what is left,
	// and the gaps shrink when it would get short.
	planned := cur.Planned
	if planned == 0 {
		planned = info.Planned
	}
	frac := 0.0
	if planned > 0 {
		frac = min(float64(cur.Elapsed)/float64(planned), 1)
	}
	left := []seg{{fmt.Sprintf(" %s/%s ", fmtClock(cur.Elapsed), fmtClock(planned)), styleText}}
	pct := fmt.Sprintf(" %3.0f%%", 100*frac)
	right := u.gauges(cur, have, factor, "  ")
	barW := w - width(left) - width(right) - len(pct)
	if barW < 10 {
		right = u.gauges(cur, have, factor, " ")
		barW = w - width(left) - width(right) - len(pct)
	}
	if barW < 4 { // too narrow: keep the numbers, drop the bar
		barW, pct = 0, ""
	}
	nx := put(screen, x, y+1, w, left...)
	if barW > 0 {
		nx = put(screen, nx, y+1, barW, progressBar(frac, barW)...)
		nx = put(screen, nx, y+1, len(pct), seg{pct, styleText})
	}
	put(screen, nx, y+1, x+w-nx, right...)
}

// gauges are the header's figures right of the progress bar, separated
// by sep. Numbers are padded so that the bar keeps its width as they
// change.
func (u *view) gauges(cur Frame, have bool, factor float64, sep string) []seg {
	info := u.v.Info
	var right []seg
	if n := len(info.Stages); n > 1 {
		right = append(right, seg{fmt.Sprintf("%sstage %d/%d", sep, stageAt(info.Stages, cur.Elapsed), n), styleText})
	}
	if info.Replay {
		right = append(right, seg{fmt.Sprintf("%sinterval %d/%d", sep, u.v.Pos+1, u.v.Len), styleText})
		if u.playing() {
			right = append(right, seg{" ▶", styleKey})
		}
	}
	if cur.MaxVUs >= 0 {
		mx := strconv.Itoa(cur.MaxVUs)
		right = append(right, seg{fmt.Sprintf("%sVUs %*d/%s", sep, len(mx), cur.ActiveVUs, mx), styleText})
	}
	rate := "-"
	if have {
		rate = fmtCount(uint64(math.Round(cur.RPS)))
	}
	right = append(right, seg{fmt.Sprintf("%srate %4s/s", sep, rate), styleBold})
	if cur.AskedRate > 0 {
		right = append(right, seg{fmt.Sprintf(" (asked %4s/s)", fmtCount(uint64(math.Round(cur.AskedRate)))), styleText})
	}
	if !info.Replay {
		fs := styleText
		if factor != 1 {
			fs = styleKey
		}
		right = append(right, seg{fmt.Sprintf("%s×%.1f", sep, factor), fs})
	}
	return append(right, seg{" ", styleText})
}

// progressBar draws frac of w cells in eighth blocks.
func progressBar(frac float64, w int) []seg {
	eighths := int(math.Round(frac * float64(8*w)))
	full := eighths / 8
	var b strings.Builder
	b.WriteString(strings.Repeat("█", full))
	if full < w {
		if r := eighths % 8; r > 0 {
			b.WriteRune([]rune(" ▏▎▍▌▋▊▉")[r])
			full++
		}
	}
	return []seg{{b.String(), styleBar}, {strings.Repeat("·", w-full), styleDim}}
}

// stageAt returns the 1-based number of the stage running at elapsed.
func stageAt(stages []time.Duration, elapsed time.Duration) int {
	var end time.Duration
	for i, d := range stages {
		end += d
		if elapsed < end {
			return i + 1
		}
	}
	return len(stages)
}

func (u *view) drawLatency(screen tcell.Screen, x, y, w, h int) {
	frames := u.v.Frames
	n := len(latencySeries)
	// Plot max first and p50 last, so p50 wins a shared cell.
	series := make([][]float64, n)
	for i, ls := range latencySeries {
		vals := make([]float64, len(frames))
		for j, f := range frames {
			vals[j] = math.NaN()
			if f.Requests > 0 {
				vals[j] = float64(ls.get(f.Latency))
			}
		}
		series[n-1-i] = vals
	}
	lo, hi, ok := decades(series...)
	if !ok || w <= gutterCols+1 {
		put(screen, x+1, y, w-1, seg{"waiting for the first requests…", styleDim})
		return
	}
	cw := w - gutterCols
	cv := NewCanvas(cw, h)
	PlotLines(cv, series, Scale{Lo: lo, Hi: hi, Log: true}, u.v.Span)
	for row := range h {
		for col := range cw {
			r, s := cv.Cell(col, row)
			st := styleText
			if s >= 0 {
				st = st.Foreground(latencySeries[n-1-s].color)
			}
			screen.SetContent(x+gutterCols+col, y+row, r, nil, st)
		}
	}
	// A label and a tick at every power of ten.
	sc := Scale{Lo: lo, Hi: hi, Log: true}
	used := map[int]bool{}
	for d := lo; d <= hi*1.0001; d *= 10 {
		f, _ := sc.Frac(d)
		row := int(math.Round((1 - f) * float64(h-1)))
		if used[row] {
			continue
		}
		used[row] = true
		putRight(screen, x, y+row, gutterCols-1, seg{fmtDecade(int64(d)), styleDim})
		put(screen, x+gutterCols-1, y+row, 1, seg{"┤", styleDim})
	}
}

func (u *view) drawLegend(screen tcell.Screen, x, y, w, h int) {
	cur, have := u.v.Current()
	lines := [][]seg{{{fmt.Sprintf("%-6s%7s %7s", "", "now", "run"), styleDim}}}
	for _, ls := range latencySeries {
		now, run := "-", "-"
		if have && cur.Requests > 0 {
			now = fmtLatency(ls.get(cur.Latency))
		}
		if have && cur.TotalRequests > 0 {
			run = fmtLatency(ls.get(cur.TotalLatency))
		}
		lines = append(lines, []seg{{fmt.Sprintf("%-6s", ls.name), styleText.Foreground(ls.color)}, {fmt.Sprintf("%7s %7s", now, run), styleText}})
	}
	if have {
		lines = append(lines, nil,
			[]seg{{fmt.Sprintf("%-9s%8s", "requests", fmtCount(cur.TotalRequests)), styleText}},
			[]seg{{fmt.Sprintf("%-9s%8s", "errors", fmtCount(cur.TotalErrors)), errStyle(cur.TotalErrors)}, {fmt.Sprintf(" %s", percent(cur.TotalErrors, cur.TotalRequests)), styleDim}},
			[]seg{{fmt.Sprintf("%-9s%8s", "dropped", fmtCount(cur.TotalDropped)), errStyle(cur.TotalDropped)}})
	}
	for i, l := range lines {
		if i >= h {
			break
		}
		put(screen, x, y+i, w, l...)
	}
}

func errStyle(n uint64) tcell.Style {
	if n > 0 {
		return styleError
	}
	return styleText
}

func percent(n, of uint64) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// errorRate is the errors per second of a frame.
func errorRate(f Frame) float64 {
	if f.Requests == 0 {
		return 0
	}
	return f.RPS * float64(f.Errors) / float64(f.Requests)
}

func (u *view) drawThroughput(screen tcell.Screen, x, y, w, h int) {
	frames := u.v.Frames
	if len(frames) == 0 || w <= gutterCols+1 {
		put(screen, x+1, y, w-1, seg{"waiting for the first interval…", styleDim})
		return
	}
	rps := make([]float64, len(frames))
	errs := make([]float64, len(frames))
	var hiR, hiE float64
	for i, f := range frames {
		rps[i], errs[i] = f.RPS, errorRate(f)
		hiR = max(hiR, f.RPS, f.AskedRate)
		hiE = max(hiE, errs[i])
	}
	hiR, hiE = niceCeil(hiR), niceCeil(hiE)
	errRows := 1
	if h >= 8 {
		errRows = 2
	}
	rpsRows := max(h-errRows, 1)
	cw := w - gutterCols
	for i, line := range Bars(rps, cw, rpsRows, hiR, u.v.Span) {
		put(screen, x+gutterCols, y+i, cw, seg{line, styleBar})
	}
	putRight(screen, x, y, gutterCols-1, seg{fmtCount(uint64(hiR)), styleDim})
	put(screen, x+gutterCols-1, y, 1, seg{"┤", styleDim})
	if rpsRows > 1 {
		putRight(screen, x, y+rpsRows-1, gutterCols-1, seg{"0", styleDim})
		put(screen, x+gutterCols-1, y+rpsRows-1, 1, seg{"┤", styleDim})
	}
	if h > rpsRows {
		for i, line := range Bars(errs, cw, errRows, hiE, u.v.Span) {
			put(screen, x+gutterCols, y+rpsRows+i, cw, seg{line, styleError})
		}
		putRight(screen, x, y+rpsRows, gutterCols-1, seg{"err", styleError})
		put(screen, x+gutterCols-1, y+rpsRows, 1, seg{"┤", styleDim})
	}
}

func (u *view) drawCounts(screen tcell.Screen, x, y, w, h int) {
	cur, have := u.v.Current()
	if !have {
		put(screen, x+1, y, w-1, seg{"waiting…", styleDim})
		return
	}
	var lines [][]seg
	codes := slices.Sorted(maps.Keys(cur.TotalStatus))
	lines = append(lines, []seg{{fmt.Sprintf("%-8s %6s %8s", "status", "now", "total"), styleDim}})
	for _, c := range codes {
		lines = append(lines, []seg{{fmt.Sprintf("%-8d %6s %8s", c, fmtCount(cur.Status[c]), fmtCount(cur.TotalStatus[c])), styleText.Foreground(statusColor(c))}})
	}
	if len(codes) == 0 {
		lines = append(lines, []seg{{"no responses yet", styleDim}})
	}
	classes := slices.Sorted(maps.Keys(cur.TotalErrClasses))
	if len(classes) == 0 {
		lines = append(lines, []seg{{"errors: none", styleDim}})
	} else {
		lines = append(lines, []seg{{fmt.Sprintf("%-8s %6s %8s", "errors", "now", "total"), styleDim}})
		for _, c := range classes {
			lines = append(lines, []seg{{fmt.Sprintf("%-8s %6s %8s", c, fmtCount(cur.ErrClasses[c]), fmtCount(cur.TotalErrClasses[c])), styleError}})
		}
	}
	lines = append(lines, []seg{{fmt.Sprintf("%-8s %6s %8s", "dropped", fmtCount(cur.Dropped), fmtCount(cur.TotalDropped)), errStyle(cur.TotalDropped)}})
	if len(lines) > h && h > 0 {
		lines = append(lines[:h-1], []seg{{fmt.Sprintf("… %d more (tab)", len(lines)-h+1), styleDim}})
	}
	for i, l := range lines {
		if i >= h {
			break
		}
		put(screen, x, y+i, w, l...)
	}
}

func statusColor(code int) tcell.Color {
	switch {
	case code >= 500:
		return tcell.ColorRed
	case code >= 400:
		return tcell.ColorYellow
	case code >= 300:
		return tcell.ColorAqua
	default:
		return tcell.ColorGreen
	}
}

func (u *view) drawFooter(screen tcell.Screen, x, y, w, _ int) {
	k := func(key, what string) []seg { return []seg{{" " + key, styleKey}, {" " + what + " ", styleText}} }
	var segs []seg
	if u.v.Info.Replay {
		segs = slices.Concat(k("q", "quit"), k("←/→", "step"), k("↑/↓", "10"), k("space", "play"), k("tab", "view"), k("?", "keys"))
	} else {
		what := "VUs"
		if u.v.Info.Open {
			what = "rate"
		}
		segs = slices.Concat(k("q", "stop"), k("p", "pause"), k("+/-", what), k("tab", "view"), k("?", "keys"))
	}
	put(screen, x, y, w, segs...)
	name := []seg{{"view: " + panelNames[u.panel] + " ", styleDim}}
	if width(segs)+width(name) < w {
		putRight(screen, x, y, w, name...)
	}
}

func (u *view) helpLines() []string {
	if u.v.Info.Replay {
		return []string{
			"q, Ctrl-C     quit",
			"← →           one interval back, forward",
			"↑ ↓, PgUp/Dn  ten intervals",
			"Home, End     start, end of the run",
			"space         play / stop playing",
			"tab, S-tab    next / previous view",
			"?             this help (any key closes it)",
		}
	}
	what := "the VUs"
	if u.v.Info.Open {
		what = "the arrival rate"
	}
	return []string{
		"q, Ctrl-C     stop gracefully: requests in flight",
		"              finish, summary and results are",
		"              written; again: cut them off",
		"p             pause / resume the load",
		"+ -           raise / lower " + what,
		fmt.Sprintf("              by %.0f%% of the plan's", 100*engine.FactorStep),
		"tab, S-tab    next / previous view: overview,",
		"              latency, throughput, status, and",
		"              when the run has them: steps,",
		"              thresholds, per-backend shares",
		"?             this help (any key closes it)",
	}
}

func (u *view) drawHelp(screen tcell.Screen, x, y, w, h int) {
	for i, l := range u.helpLines() {
		if i >= h {
			break
		}
		put(screen, x+1, y+i, w-1, seg{l, styleText})
	}
}

// fmtClock formats a duration as seconds with one decimal, or m:ss from a
// minute on.
func fmtClock(d time.Duration) string {
	if d < time.Minute {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	s := int(d.Round(time.Second).Seconds())
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// fmtLatency formats microseconds in at most 6 characters: 850µs, 1.23ms,
// 12.3ms, 123ms, 1.23s, 12.3s.
func fmtLatency(us int64) string {
	v := float64(us)
	switch {
	case us < 1000:
		return strconv.FormatInt(us, 10) + "µs"
	case us < 10_000:
		return strconv.FormatFloat(v/1e3, 'f', 2, 64) + "ms"
	case us < 100_000:
		return strconv.FormatFloat(v/1e3, 'f', 1, 64) + "ms"
	case us < 1_000_000:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "ms"
	case us < 10_000_000:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "s"
	case us < 100_000_000:
		return strconv.FormatFloat(v/1e6, 'f', 1, 64) + "s"
	default:
		return strconv.FormatFloat(v/1e6, 'f', 0, 64) + "s"
	}
}

// fmtDecade formats a power of ten of microseconds: 1µs, 10µs, 100µs,
// 1ms, 10ms, 100ms, 1s, 10s, 100s.
func fmtDecade(us int64) string {
	switch {
	case us < 1000:
		return strconv.FormatInt(us, 10) + "µs"
	case us < 1_000_000:
		return strconv.FormatInt(us/1000, 10) + "ms"
	default:
		return strconv.FormatInt(us/1_000_000, 10) + "s"
	}
}

// fmtCount formats a count in at most 6 characters: 999999, 1.23M, 123M, 1.2G.
func fmtCount(n uint64) string {
	switch {
	case n < 1_000_000:
		return strconv.FormatUint(n, 10)
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + "M"
	case n < 1_000_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 0, 64) + "M"
	default:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 1, 64) + "G"
	}
}
