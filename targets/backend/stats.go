package backend

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// statusNone is the status recorded for a request that got no answer: its
// connection was dropped on purpose, or it hung until its client left.
const statusNone = 0

// counters are a server's request statistics, recorded on every request.
// Counters are atomic; each histogram has its own mutex, held for one
// RecordValue: a target may afford that, a load generator would not.
type counters struct {
	requests       atomic.Uint64
	inFlight       atomic.Int64
	errorsInjected atomic.Uint64
	closesInjected atomic.Uint64
	selfDeadlocks  atomic.Uint64
	status         [maxStatus + 1]atomic.Uint64 // by code; statusNone for no answer

	service, queue histogram
}

func newCounters() *counters {
	return &counters{service: newHistogram(), queue: newHistogram()}
}

// finish counts a request that left the server, answered with status.
func (c *counters) finish(status int) {
	if status < 0 || status > maxStatus {
		status = statusNone
	}
	c.status[status].Add(1)
	c.requests.Add(1)
}

// histogram is an HdrHistogram of durations in microseconds, from 1 µs to
// an hour at 3 significant digits, safe for concurrent use.
type histogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

const histMax = int64(time.Hour / time.Microsecond)

func newHistogram() histogram {
	return histogram{h: hdrhistogram.New(1, histMax, 3)}
}

func (h *histogram) record(d time.Duration) {
	us := min(max(d.Microseconds(), 0), histMax)
	h.mu.Lock()
	_ = h.h.RecordValue(us) // in range by construction
	h.mu.Unlock()
}

// Latency summarises a histogram of durations, in milliseconds.
type Latency struct {
	Count  int64   `json:"count"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	P999MS float64 `json:"p999_ms"`
	MaxMS  float64 `json:"max_ms"`
}

func (h *histogram) latency() Latency {
	h.mu.Lock()
	defer h.mu.Unlock()
	at := func(q float64) float64 { return float64(h.h.ValueAtQuantile(q)) / 1e3 }
	return Latency{
		Count:  h.h.TotalCount(),
		MeanMS: h.h.Mean() / 1e3,
		P50MS:  at(50),
		P90MS:  at(90),
		P99MS:  at(99),
		P999MS: at(99.9),
		MaxMS:  float64(h.h.Max()) / 1e3,
	}
}

// Stats is a snapshot of a server's statistics since Start, as served by
// GET /__stampede/stats. Requests to the admin endpoints are not counted.
type Stats struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	Addr string `json:"addr"`
	Seed uint64 `json:"seed"` // to replay the run's draws
	// Workers is the worker limit: 0 means none.
	Workers int `json:"workers"`
	// Requests counts requests that have left the server, whatever their
	// outcome.
	Requests uint64 `json:"requests"`
	// InFlight counts requests in the server now: hung, queued or in
	// service.
	InFlight int64 `json:"in_flight"`
	// InService and MaxInService count requests holding a worker, now and
	// at most.
	InService    int `json:"in_service"`
	MaxInService int `json:"max_in_service"`
	// Connections counts connections accepted.
	Connections uint64 `json:"connections"`
	// ErrorsInjected counts injected faults: statuses and dropped
	// connections, from the work models and from SetErrorRate.
	ErrorsInjected uint64 `json:"errors_injected"`
	// ClosesInjected counts connections closed after a response by a work
	// model's close probability.
	ClosesInjected uint64 `json:"closes_injected"`
	// SelfDeadlocks counts /self requests whose request to the server
	// itself timed out.
	SelfDeadlocks uint64 `json:"self_deadlocks"`
	// Status counts responses by status code; "none" counts requests that
	// got no answer.
	Status map[string]uint64 `json:"status"`
	Queue  QueueStats        `json:"queue"`
	// ServiceTime is the time from getting a worker to the response
	// written: CPU, wait, and writing.
	ServiceTime Latency    `json:"service_time"`
	Faults      FaultState `json:"faults"`
}

// QueueStats is the queue for workers: requests waiting now and at most,
// and how long they waited (0 for those that found a worker free).
type QueueStats struct {
	Waiting    int     `json:"waiting"`
	MaxWaiting int     `json:"max_waiting"`
	Wait       Latency `json:"wait"`
}

// Stats returns a snapshot of the server's statistics. It is safe to call
// at any time, also after Shutdown.
func (s *Server) Stats() Stats {
	c := s.stats
	p := s.pool.stats()
	st := Stats{
		ID:             s.id,
		Kind:           s.kind,
		Addr:           s.addr,
		Seed:           s.rand.seed,
		Workers:        p.size,
		Requests:       c.requests.Load(),
		InFlight:       c.inFlight.Load(),
		InService:      p.busy,
		MaxInService:   p.maxBusy,
		Connections:    s.ln.accepted.Load(),
		ErrorsInjected: c.errorsInjected.Load(),
		ClosesInjected: c.closesInjected.Load(),
		SelfDeadlocks:  c.selfDeadlocks.Load(),
		Status:         make(map[string]uint64),
		Queue:          QueueStats{Waiting: p.waiting, MaxWaiting: p.maxWaiting, Wait: c.queue.latency()},
		ServiceTime:    c.service.latency(),
		Faults:         s.faultState(),
	}
	for code := range c.status {
		if n := c.status[code].Load(); n > 0 {
			key := strconv.Itoa(code)
			if code == statusNone {
				key = "none"
			}
			st.Status[key] = n
		}
	}
	return st
}

// ms converts d to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
