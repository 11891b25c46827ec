package metrics

import "time"

// ErrClass classifies a failed request. The zero value means success.
type ErrClass uint8

// The error classes a request can end in. Status means the server answered
// with a status of 400 or more; the others mean no complete answer came.
const (
	ErrNone ErrClass = iota
	ErrRefused
	ErrTimeout
	ErrReset
	ErrTLS
	ErrProtocol
	ErrStatus
	ErrDNS
	ErrOther
	numErrClasses
)

// ErrInterrupted marks a request cut off by the end of the run (the hard
// stop after the grace period, or a second Ctrl-C). It is not a failure of
// the target: Record counts it apart and keeps no latency for it.
const ErrInterrupted ErrClass = 255

var errClassNames = [numErrClasses]string{"", "refused", "timeout", "reset", "tls", "protocol", "status", "dns", "other"}

// String is the class's name as it appears in summaries and results.
func (c ErrClass) String() string {
	if c < numErrClasses {
		return errClassNames[c]
	}
	return "unknown"
}

// ErrClasses lists every failure class, in a fixed order for reports.
func ErrClasses() []ErrClass {
	out := make([]ErrClass, 0, numErrClasses-1)
	for c := ErrRefused; c < numErrClasses; c++ {
		out = append(out, c)
	}
	return out
}

// Hist names one of the latency histograms kept per interval.
type Hist uint8

// Histograms recorded for every run, all in microseconds.
//   - Latency runs from the intended start (the schedule, in the open model)
//     to the last byte: what a user would have seen.
//   - Service runs from the actual send to the last byte.
//   - TTFB runs from the actual send to the first byte of the response.
//   - Lag is how late the generator itself started a request that a free VU
//     was waiting to send (timer and scheduler lateness), open model only.
//   - DNS, Connect and TLS time the phases of each new connection.
const (
	Latency Hist = iota
	Service
	TTFB
	Lag
	DNS
	Connect
	TLS
	NumHists
)

var histNames = [NumHists]string{"latency", "service", "ttfb", "scheduler_lag", "dns", "connect", "tls"}

// String is the histogram's name in results files.
func (h Hist) String() string { return histNames[h] }

// Sample is what the engine knows of one finished request. Times are taken
// from the monotonic clock; the zero Time means "did not happen".
type Sample struct {
	// Intended is when the request should have started: its slot in the
	// arrival schedule (open model) or its actual start (closed model).
	Intended  time.Time
	Sent      time.Time
	FirstByte time.Time
	Done      time.Time
	// Lag is set when a free VU woke up late for its slot.
	Lag    time.Duration
	HasLag bool

	Status   int
	BytesIn  int64
	BytesOut int64
	Err      ErrClass

	// Phases of the connection this request opened; zero when it reused one.
	Dialed              bool
	DNS, Connect, TLSHS time.Duration
}

// Reset clears s for reuse, so the hot path does not allocate.
func (s *Sample) Reset() { *s = Sample{} }
