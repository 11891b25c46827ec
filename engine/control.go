package engine

import (
	"fmt"
	"sync"
	"time"
)

// Factor bounds and step of Control.Step.
const (
	FactorStep = 0.1
	MinFactor  = 0.1
	MaxFactor  = 10
)

// Event is something that happened to a run besides requests: a pause, a
// rate change by hand, a stop. Results keep them, so a report shows when
// the load was changed and by whom.
type Event struct {
	// At is the time since the start of the run.
	At     time.Duration `json:"at"`
	Kind   string        `json:"kind"`
	Detail string        `json:"detail,omitempty"`
}

// Control steers a running load from outside (the dashboard's keys): it
// pauses and resumes it, and scales the arrival rate (open model) or the
// number of VUs (closed model) by a factor. Its methods are safe for
// concurrent use and never wait on the engine.
type Control struct {
	mu      sync.Mutex
	start   time.Time // zero until the run starts
	paused  bool
	factor  float64
	events  []Event
	changed chan struct{} // closed and replaced on every change
	// onChange is set by the running executor to re-plan the schedule.
	onChange func(now time.Time, paused bool, factor float64)
}

// NewControl returns a control for one run, not paused, at factor 1.
func NewControl() *Control {
	return &Control{factor: 1, changed: make(chan struct{})}
}

// Pause stops starting new requests until Resume; requests in flight go on.
func (c *Control) Pause() { c.set(true, 0, "pause", "") }

// Resume undoes Pause.
func (c *Control) Resume() { c.set(false, 0, "resume", "") }

// TogglePause pauses a running load or resumes a paused one, and reports
// whether it is now paused.
func (c *Control) TogglePause() bool {
	c.mu.Lock()
	p := c.paused
	c.mu.Unlock()
	if p {
		c.Resume()
	} else {
		c.Pause()
	}
	return !p
}

// Step raises (n > 0) or lowers (n < 0) the load by n steps of FactorStep
// times the plan's rate or VUs, within [MinFactor, MaxFactor].
func (c *Control) Step(n int) { c.set(false, n, "", "") }

// Note records an event that the control did not cause itself (a stop
// asked from the dashboard, say).
func (c *Control) Note(kind, detail string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, Event{At: c.elapsedLocked(time.Now()), Kind: kind, Detail: detail})
}

// Paused reports whether the load is paused.
func (c *Control) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Factor is the current multiplier of the plan's rate or VUs.
func (c *Control) Factor() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.factor
}

// Events returns a copy of the events so far.
func (c *Control) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

func (c *Control) elapsedLocked(now time.Time) time.Duration {
	if c.start.IsZero() {
		return 0
	}
	return now.Sub(c.start)
}

// set applies a pause state (when kind is pause or resume) or a step.
func (c *Control) set(pause bool, steps int, kind, detail string) {
	c.mu.Lock()
	now := time.Now()
	switch kind {
	case "pause", "resume":
		if c.paused == pause {
			c.mu.Unlock()
			return
		}
		c.paused = pause
	default:
		f := c.factor + float64(steps)*FactorStep
		f = min(max(f, MinFactor), MaxFactor)
		f = float64(int(f*10+0.5)) / 10 // keep it a round multiple of the step
		if f == c.factor {
			c.mu.Unlock()
			return
		}
		kind, detail = "scale", fmt.Sprintf("×%.1f", f)
		c.factor = f
	}
	c.events = append(c.events, Event{At: c.elapsedLocked(now), Kind: kind, Detail: detail})
	paused, factor, hook := c.paused, c.factor, c.onChange
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	if hook != nil {
		hook(now, paused, factor)
	}
}

// attach binds the control to a starting run.
func (c *Control) attach(start time.Time, hook func(time.Time, bool, float64)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = start
	c.onChange = hook
}
