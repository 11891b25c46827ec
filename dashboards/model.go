package dashboards

import (
	"sync"
	"time"
)

// DefaultHistory is how many intervals a live Model keeps: a bit over an
// hour at the default 1 s interval. Older ones scroll out of the charts.
const DefaultHistory = 4096

// Info describes the run a dashboard shows. It does not change during it.
type Info struct {
	Scenario string
	// Protocol is the wire protocol, e.g. "HTTP/1.1".
	Protocol string
	// Target is the URL the load goes to.
	Target string
	// Open is true for the open (arrival-rate) model, where + and - change
	// the rate; in the closed model they change the number of VUs.
	Open bool
	// Planned is the length of the load, shown before the first interval.
	Planned time.Duration
	// Interval is the reporting interval (default 1 s): the charts' x axis
	// spans the planned run in steps of it.
	Interval time.Duration
	// Stages are the lengths of the plan's stages, for "stage i/n".
	Stages []time.Duration
	// Replay is true for a finished run read back from a results file.
	Replay bool
	// Thresholds are the plan's thresholds, shown pending until the first
	// interval judges them.
	Thresholds []ThresholdStatus
}

// Model is the dashboard's state: the run's description and a ring of the
// last frames. It is fed from the engine's collector goroutine (Add) and
// read by the drawing goroutine (View); both hold its lock only to copy.
type Model struct {
	mu     sync.Mutex
	info   Info
	ring   []Frame
	start  int // index in ring of the oldest frame
	n      int // frames held
	cursor int // replay: index of the frame shown; -1 follows the newest
	// backends are the last two readings of the balancer's stats (nil
	// until there is one).
	backends, prevBackends *Backends
}

// NewModel returns an empty live model keeping up to history frames
// (DefaultHistory if history <= 0).
func NewModel(info Info, history int) *Model {
	if history <= 0 {
		history = DefaultHistory
	}
	if info.Interval <= 0 {
		info.Interval = time.Second
	}
	return &Model{info: info, ring: make([]Frame, history), cursor: -1}
}

// NewReplayModel returns a model holding the frames of a finished run,
// with the cursor on the last one.
func NewReplayModel(info Info, frames []Frame) *Model {
	info.Replay = true
	m := NewModel(info, max(len(frames), 1))
	for _, f := range frames {
		m.Add(f)
	}
	m.cursor = m.n - 1
	return m
}

// Add appends a frame, dropping the oldest when the ring is full.
func (m *Model) Add(f Frame) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n < len(m.ring) {
		m.ring[(m.start+m.n)%len(m.ring)] = f
		m.n++
		return
	}
	m.ring[m.start] = f
	m.start = (m.start + 1) % len(m.ring)
	if m.cursor > 0 {
		m.cursor-- // keep pointing at the same frame
	}
}

// SetBackends takes a new reading of the load balancer's stats; the
// previous good one stays, to work out each backend's share since. A
// reading with Err set keeps the last good pools. b must not be changed
// afterwards.
func (m *Model) SetBackends(b Backends) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b.Err != "" {
		if m.backends == nil {
			return // never had a good reading: nothing to show
		}
		stale := *m.backends
		stale.Err = b.Err
		m.backends = &stale
		return
	}
	if m.backends != nil && m.backends.Err == "" {
		m.prevBackends = m.backends
	}
	m.backends = &b
}

// Seek moves the replay cursor by delta frames, within the run; SeekTo
// puts it on frame i (negative: the last). Both do nothing on a live model.
func (m *Model) Seek(delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cursor < 0 {
		return
	}
	m.cursor = min(max(m.cursor+delta, 0), max(m.n-1, 0))
}

// SeekTo puts the replay cursor on frame i, or on the last if i < 0.
func (m *Model) SeekTo(i int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cursor < 0 {
		return
	}
	if i < 0 || i >= m.n {
		i = max(m.n-1, 0)
	}
	m.cursor = i
}

// Info returns the run's description.
func (m *Model) Info() Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.info
}

// Position returns the index of the frame shown (the replay cursor, or
// the newest) and the number of frames held.
func (m *Model) Position() (pos, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cursor >= 0 {
		return m.cursor, m.n
	}
	return m.n - 1, m.n
}

// View is a copy of what one drawing needs.
type View struct {
	Info Info
	// Frames are the frames up to the one shown (the newest, or the replay
	// cursor's), oldest first; empty before the first interval.
	Frames []Frame
	// Span is the number of intervals the charts' x axis covers: the whole
	// planned run (or the whole replayed run), or more once a run goes on
	// longer, at most the model's history.
	Span int
	// Pos and Len are the replay cursor's frame index and the number of
	// frames held.
	Pos, Len int
	// Backends are the balancer's pools with each backend's share; nil
	// when the target is not a bundled balancer. BackendsAt is when they
	// were read, BackendsErr why the last reading failed.
	Backends    []PoolRows
	BackendsAt  time.Time
	BackendsErr string
}

// Current is the frame shown, and false before the first interval.
func (v *View) Current() (Frame, bool) {
	if len(v.Frames) == 0 {
		return Frame{Planned: v.Info.Planned, ActiveVUs: -1, MaxVUs: -1, Factor: 1}, false
	}
	return v.Frames[len(v.Frames)-1], true
}

// View copies the frames up to the cursor.
func (m *Model) View() View {
	m.mu.Lock()
	defer m.mu.Unlock()
	last := m.n - 1
	if m.cursor >= 0 {
		last = m.cursor
	}
	v := View{Info: m.info, Pos: last, Len: m.n}
	if m.backends != nil {
		v.Backends = backendRows(m.prevBackends, m.backends)
		v.BackendsAt, v.BackendsErr = m.backends.At, m.backends.Err
	}
	if m.n > 0 {
		v.Frames = make([]Frame, last+1)
		for i := range v.Frames {
			v.Frames[i] = m.ring[(m.start+i)%len(m.ring)]
		}
	}
	planned := m.info.Planned
	if len(v.Frames) > 0 {
		planned = v.Frames[len(v.Frames)-1].Planned
	}
	span := int((planned + m.info.Interval - 1) / m.info.Interval)
	if m.info.Replay {
		span = m.n
	}
	v.Span = min(max(span, m.n, 1), len(m.ring))
	return v
}
