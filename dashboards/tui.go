package dashboards

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/stampede-lab/stampede/engine"
)

// Controller steers the running load from the dashboard's keys.
// *engine.Control is one; it records every change as an event itself.
type Controller interface {
	// TogglePause pauses or resumes the load and reports whether it is
	// now paused.
	TogglePause() bool
	// Step raises (n > 0) or lowers (n < 0) the rate or VUs by n steps.
	Step(n int)
	Paused() bool
	Factor() float64
}

var _ Controller = (*engine.Control)(nil)

// TUI is the live terminal dashboard (tview). The engine feeds it through
// OnInterval, which never waits on the terminal: it stores the frame in
// the Model and asks for a redraw, and a redraw that the terminal is too
// slow to take is dropped (the next one shows the same data and more).
//
// Keys: q and Ctrl-C call the stop function (a graceful stop, as the first
// SIGINT; the caller decides what a second one does), p pauses and
// resumes, + and - step the load, tab and shift-tab cycle the detail
// views, ? shows the keys. In a replay (NewReplay) q quits, the arrows
// scrub and space plays.
type TUI struct {
	app    *tview.Application
	screen tcell.Screen
	model  *Model
	view   *view
	ctl    Controller
	onStop func(key string)
	judge  func(*engine.Snapshot) []ThresholdStatus
	replay bool

	mu      sync.Mutex
	running bool // the event loop has drawn once, so app.Stop works
	stopped bool // Stop was called

	playing atomic.Bool   // replay: advancing on its own
	done    chan struct{} // closed when Run returns
}

// Option configures a TUI.
type Option func(*TUI)

// WithControl lets the keys p, + and - steer the load through c, and shows
// c's pause state and factor at once, before the engine's next snapshot.
func WithControl(c Controller) Option { return func(t *TUI) { t.ctl = c } }

// WithStop sets what q and Ctrl-C do in a live run: stop is called with
// the key ("q" or "ctrl-c") on every press, from the drawing goroutine; it
// must not block. Without it, the keys close the dashboard.
func WithStop(stop func(key string)) Option { return func(t *TUI) { t.onStop = stop } }

// WithThresholds judges the plan's thresholds on every snapshot, for the
// thresholds panel. judge runs on the engine's collector goroutine inside
// OnInterval, so it must be quick, and it must copy what it keeps.
func WithThresholds(judge func(*engine.Snapshot) []ThresholdStatus) Option {
	return func(t *TUI) { t.judge = judge }
}

// refreshKey is posted to the screen to make the event loop redraw: unlike
// Application.QueueUpdateDraw, posting never blocks (a full queue drops
// the redraw), and no terminal sends F64.
const refreshKey = tcell.KeyF64

// replayStep is how often a playing replay moves on by one interval.
const replayStep = 100 * time.Millisecond

// NewTUI returns a dashboard of model drawn on screen, which it
// initialises (and finalises when it stops). Call Run to show it.
func NewTUI(screen tcell.Screen, model *Model, opts ...Option) (*TUI, error) {
	t := &TUI{screen: screen, model: model, replay: model.Info().Replay, done: make(chan struct{})}
	for _, o := range opts {
		o(t)
	}
	if err := screen.Init(); err != nil {
		return nil, err
	}
	t.view = newView(model, t.ctl)
	t.view.playing = t.playing.Load
	t.app = tview.NewApplication().
		SetScreen(initialised{screen}).
		SetRoot(t.view.pages, true).
		SetInputCapture(t.key).
		SetBeforeDrawFunc(func(s tcell.Screen) bool { t.view.refresh(s.Size()); return false }).
		SetAfterDrawFunc(t.afterDraw)
	return t, nil
}

// NewReplay returns a dashboard that replays frames of a finished run.
func NewReplay(screen tcell.Screen, info Info, frames []Frame) (*TUI, error) {
	return NewTUI(screen, NewReplayModel(info, frames))
}

// initialised is a screen that NewTUI has already initialised, so that
// tview's SetScreen, which initialises it again and drops the error, does
// not.
type initialised struct{ tcell.Screen }

func (initialised) Init() error { return nil }

// OnInterval takes one snapshot from the engine: it copies what it needs,
// and returns without waiting for the terminal. Its signature fits
// engine.Options.OnInterval.
func (t *TUI) OnInterval(s *engine.Snapshot) {
	f := FrameOf(s)
	if t.judge != nil {
		f.Thresholds = t.judge(s)
	}
	t.model.Add(f)
	t.Refresh()
}

// SetBackends shows a new reading of the load balancer's stats (see
// Model.SetBackends). It may be called from any goroutine and does not
// wait for the terminal.
func (t *TUI) SetBackends(b Backends) {
	t.model.SetBackends(b)
	t.Refresh()
}

// Refresh asks for a redraw without waiting; it is dropped when the
// terminal has not kept up with the previous ones.
func (t *TUI) Refresh() {
	_ = t.screen.PostEvent(tcell.NewEventKey(refreshKey, 0, tcell.ModNone))
}

// Run shows the dashboard until Stop (or, without WithStop, q) and
// returns an error only if the terminal failed. The screen is finalised
// when it returns.
func (t *TUI) Run() error {
	defer close(t.done)
	t.mu.Lock()
	stopped := t.stopped
	t.mu.Unlock()
	if stopped {
		t.screen.Fini()
		return nil
	}
	if t.replay {
		go t.play()
	}
	return t.app.Run()
}

// Stop closes the dashboard and gives the terminal back; Run returns. It
// may be called from any goroutine, before Run, and more than once.
func (t *TUI) Stop() {
	t.mu.Lock()
	t.stopped = true
	running := t.running
	t.mu.Unlock()
	if running {
		t.app.Stop()
	}
}

// afterDraw notes that the event loop runs, so that Stop may end it; a
// Stop that came earlier is carried out now.
func (t *TUI) afterDraw(tcell.Screen) {
	t.mu.Lock()
	first := !t.running
	t.running = true
	stopped := t.stopped
	t.mu.Unlock()
	if first && stopped {
		go t.app.Stop() // not here: draw holds the application's lock
	}
}

// play moves a playing replay on, one interval per replayStep.
func (t *TUI) play() {
	tick := time.NewTicker(replayStep)
	defer tick.Stop()
	for {
		select {
		case <-t.done:
			return
		case <-tick.C:
			if !t.playing.Load() {
				continue
			}
			if pos, n := t.model.Position(); pos >= n-1 {
				t.playing.Store(false)
			} else {
				t.model.Seek(1)
			}
			t.Refresh()
		}
	}
}

// key handles a key on the event loop; a nil result means handled (tview
// then redraws).
func (t *TUI) key(ev *tcell.EventKey) *tcell.EventKey {
	u := t.view
	replay := t.replay
	if ev.Key() == refreshKey {
		return nil
	}
	if u.help && ev.Key() != tcell.KeyCtrlC && (ev.Key() != tcell.KeyRune || (ev.Rune() != 'q' && ev.Rune() != 'Q')) {
		u.toggleHelp() // any key but a stop closes the help
		return nil
	}
	switch ev.Key() {
	case tcell.KeyCtrlC:
		t.quit("ctrl-c", replay)
		return nil
	case tcell.KeyTab:
		u.cycle(1)
		return nil
	case tcell.KeyBacktab:
		u.cycle(-1)
		return nil
	}
	if replay {
		if t.scrub(ev) {
			return nil
		}
	}
	if ev.Key() != tcell.KeyRune {
		return nil
	}
	switch ev.Rune() {
	case 'q', 'Q':
		t.quit("q", replay)
	case '?', 'h':
		u.toggleHelp()
	case 'p', 'P':
		if t.ctl != nil {
			t.ctl.TogglePause()
		}
	case '+', '=':
		if t.ctl != nil {
			t.ctl.Step(1)
		}
	case '-', '_':
		if t.ctl != nil {
			t.ctl.Step(-1)
		}
	}
	return nil
}

// scrub handles the replay keys and reports whether ev was one.
func (t *TUI) scrub(ev *tcell.EventKey) bool {
	m := t.model
	switch ev.Key() {
	case tcell.KeyLeft:
		m.Seek(-1)
	case tcell.KeyRight:
		m.Seek(1)
	case tcell.KeyUp, tcell.KeyPgUp:
		m.Seek(-10)
	case tcell.KeyDown, tcell.KeyPgDn:
		m.Seek(10)
	case tcell.KeyHome:
		m.SeekTo(0)
	case tcell.KeyEnd:
		m.SeekTo(-1)
	case tcell.KeyRune:
		if ev.Rune() != ' ' {
			return false
		}
		if !t.playing.Load() {
			if pos, n := m.Position(); pos >= n-1 {
				m.SeekTo(0) // at the end: play from the start
			}
		}
		t.playing.Store(!t.playing.Load())
		return true
	default:
		return false
	}
	t.playing.Store(false)
	return true
}

// quit handles q and Ctrl-C: in a live run the stop function decides,
// otherwise the dashboard closes.
func (t *TUI) quit(key string, replay bool) {
	if t.onStop == nil || replay {
		t.Stop()
		return
	}
	t.view.stopAsked = true
	t.onStop(key)
}
