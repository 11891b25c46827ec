package lb

import (
	"math"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// ewmaTau is the time constant of the latency EWMA of least-time: a sample
// weighs exp(-age/ewmaTau), so the average covers about the last second of
// traffic whatever the request rate, and a backend that gets no traffic
// sees its cost decay towards zero until it is tried again.
const ewmaTau = float64(time.Second)

// Latency histogram range, in microseconds: 1 µs to 1 minute, two
// significant digits. Longer latencies are recorded as one minute.
const (
	histMin    = 1
	histMax    = int64(time.Minute / time.Microsecond)
	histDigits = 2
)

// Target is a backend at run time: its configuration and its live state.
// Its exported methods are what a Selector may read, and are safe for
// concurrent use.
type Target struct {
	id     string
	url    *url.URL // scheme http (L7) or tcp (L4)
	addr   string   // host:port, dialled by L4 and by health checks
	weight int
	idHash uint64 // FNV-1a of id, the target's half of ip-hash's key
	born   time.Time

	// up carries this backend's L7 traffic only, so that Drain can close
	// its idle connections without touching the other backends'.
	up *upstream

	inFlight atomic.Int64
	requests atomic.Uint64 // requests (L7) or connections (L4) placed here
	errors   atomic.Uint64 // transport errors: refused, reset, broken
	bytesIn  atomic.Uint64 // L4: client to backend
	bytesOut atomic.Uint64 // L4: backend to client

	healthy  atomic.Bool // active health checks' verdict
	draining atomic.Bool
	ejected  atomic.Bool // passive ejection
	failRun  atomic.Int32

	// ewmaBits and ewmaAt are the peak EWMA of latency (float64 ns) and
	// when it was last updated (ns since born). Writers hold mu; readers
	// load them without it and may see the pair torn, which only skews
	// one selection a little.
	ewmaBits atomic.Uint64
	ewmaAt   atomic.Int64

	mu   sync.Mutex // guards hist; serializes EWMA writers
	hist *hdrhistogram.Histogram

	// swrr is the current weight of smooth weighted round robin; only a
	// Weighted selector touches it, under its own lock.
	swrr int64

	hmu        sync.Mutex // guards the fields below
	passes     int        // consecutive passed active checks
	fails      int        // consecutive failed active checks
	ejectTimer *time.Timer
	stopCheck  func() // stops this target's health checker; nil if none
}

func newTarget(mode string, b Backend) (*Target, error) {
	u, err := parseBackendURL(mode, b.URL)
	if err != nil {
		return nil, err
	}
	id := b.id(mode)
	t := &Target{
		id:     id,
		url:    u,
		addr:   u.Host,
		weight: b.weight(),
		idHash: fnv64a(id),
		born:   time.Now(),
		hist:   hdrhistogram.New(histMin, histMax, histDigits),
	}
	t.healthy.Store(true)
	return t, nil
}

// ID returns the backend's ID.
func (t *Target) ID() string { return t.id }

// Weight returns the backend's weight, at least 1.
func (t *Target) Weight() int { return t.weight }

// InFlight returns how many requests (L7) or connections (L4) the backend
// holds now.
func (t *Target) InFlight() int64 { return t.inFlight.Load() }

// Latency returns the backend's peak EWMA latency, decayed to now: zero
// until the first response, then the time to response headers (L7) or to
// connect (L4), averaged over about a second, jumping up at once on a slow
// sample.
func (t *Target) Latency() time.Duration {
	return time.Duration(t.latencyAt(int64(time.Since(t.born))))
}

// latencyAt is Latency at now, in ns since born.
func (t *Target) latencyAt(now int64) float64 {
	v := math.Float64frombits(t.ewmaBits.Load())
	if v == 0 {
		return 0
	}
	age := now - t.ewmaAt.Load()
	if age <= 0 {
		return v
	}
	return v * math.Exp(-float64(age)/ewmaTau)
}

// observe records one latency sample: histogram and peak EWMA (Finagle's
// PeakEWMA: a sample above the average replaces it, so a backend that
// slows down is avoided at once, and a faster one pulls it down slowly).
func (t *Target) observe(d time.Duration) {
	now := int64(time.Since(t.born))
	us := min(max(int64(d/time.Microsecond), histMin), histMax)
	sample := float64(d)
	t.mu.Lock()
	_ = t.hist.RecordValue(us) // in range by construction
	old := math.Float64frombits(t.ewmaBits.Load())
	v := sample
	if old != 0 && sample < old {
		w := math.Exp(-float64(now-t.ewmaAt.Load()) / ewmaTau)
		v = old*w + sample*(1-w)
	}
	t.ewmaBits.Store(math.Float64bits(v))
	t.ewmaAt.Store(now)
	t.mu.Unlock()
}

// acquire counts a request or connection in flight on t, unless t is
// draining. Drain stores draining and then loads inFlight; acquire adds to
// inFlight and then loads draining. Go's atomics are sequentially
// consistent, so one of them sees the other: Drain cannot miss a request
// that acquire let through.
func (t *Target) acquire() bool {
	t.inFlight.Add(1)
	if t.draining.Load() {
		t.inFlight.Add(-1)
		return false
	}
	return true
}

// release ends what acquire started.
func (t *Target) release() { t.inFlight.Add(-1) }

// available reports whether t may take new traffic.
func (t *Target) available() bool {
	return t.healthy.Load() && !t.ejected.Load() && !t.draining.Load()
}
