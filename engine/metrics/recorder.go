package metrics

import (
	"runtime"
	"sync/atomic"
	"time"
)

// maxStatus bounds the status codes counted one by one; others count as 0.
const maxStatus = 600

// block holds one interval's worth of counts of one shard. Every field is
// updated with atomic adds, so VUs sharing a shard never take a lock.
type block struct {
	// writers counts Record calls in progress; the collector waits for it
	// to reach zero after swapping the block out.
	writers atomic.Int64

	hists [NumHists][countsLen]uint32

	requests    atomic.Uint64
	errors      atomic.Uint64
	bytesIn     atomic.Uint64
	bytesOut    atomic.Uint64
	dropped     atomic.Uint64
	interrupted atomic.Uint64
	connections atomic.Uint64
	errClass    [numErrClasses]atomic.Uint64
	status      [maxStatus]atomic.Uint64
}

func (b *block) reset() {
	b.hists = [NumHists][countsLen]uint32{}
	b.requests.Store(0)
	b.errors.Store(0)
	b.bytesIn.Store(0)
	b.bytesOut.Store(0)
	b.dropped.Store(0)
	b.interrupted.Store(0)
	b.connections.Store(0)
	for i := range b.errClass {
		b.errClass[i].Store(0)
	}
	for i := range b.status {
		b.status[i].Store(0)
	}
}

// Shard is where a group of VUs records. It is safe for concurrent use:
// Record only does atomic adds on the active block.
type Shard struct {
	active atomic.Pointer[block]
	spare  *block // owned by the collector
	_      [64]byte
}

// Recorder is the set of shards of one run.
type Recorder struct {
	shards []Shard
}

// NewRecorder makes a recorder with n shards (at least one). A few shards
// per CPU keep the cache lines that atomic adds touch mostly local.
func NewRecorder(n int) *Recorder {
	n = max(n, 1)
	r := &Recorder{shards: make([]Shard, n)}
	for i := range r.shards {
		r.shards[i].active.Store(new(block))
		r.shards[i].spare = new(block)
	}
	return r
}

// DefaultShards is the shard count for this machine.
func DefaultShards() int { return 2 * runtime.GOMAXPROCS(0) }

// Shard returns the shard VU number vu records into.
func (r *Recorder) Shard(vu int) *Shard { return &r.shards[vu%len(r.shards)] }

// enter returns the active block with this writer counted in it. Counting
// first and checking the pointer after means the collector either sees the
// writer (and waits) or the writer sees the swap (and moves to the new one).
func (s *Shard) enter() *block {
	for {
		b := s.active.Load()
		b.writers.Add(1)
		if s.active.Load() == b {
			return b
		}
		b.writers.Add(-1)
	}
}

func micros(d time.Duration) int64 { return clampMicros(d.Microseconds()) }

func (b *block) observe(h Hist, d time.Duration) {
	atomic.AddUint32(&b.hists[h][countsIndex(micros(d))], 1)
}

// Record counts one finished request.
func (s *Shard) Record(x *Sample) {
	b := s.enter()
	if x.Err == ErrInterrupted {
		b.interrupted.Add(1)
		b.writers.Add(-1)
		return
	}
	b.requests.Add(1)
	if x.Err != ErrNone {
		b.errors.Add(1)
		b.errClass[x.Err].Add(1)
	}
	if x.Status > 0 && x.Status < maxStatus {
		b.status[x.Status].Add(1)
	} else if x.Status != 0 {
		b.status[0].Add(1)
	}
	b.bytesIn.Add(uint64(x.BytesIn))
	b.bytesOut.Add(uint64(x.BytesOut))
	b.observe(Latency, x.Done.Sub(x.Intended))
	b.observe(Service, x.Done.Sub(x.Sent))
	if !x.FirstByte.IsZero() {
		b.observe(TTFB, x.FirstByte.Sub(x.Sent))
	}
	if x.HasLag {
		b.observe(Lag, x.Lag)
	}
	if x.Dialed {
		b.connections.Add(1)
		b.observe(DNS, x.DNS)
		b.observe(Connect, x.Connect)
		b.observe(TLS, x.TLSHS)
	}
	b.writers.Add(-1)
}

// Dropped counts n arrivals that never started because they waited for a
// VU longer than the plan allows.
func (s *Shard) Dropped(n uint64) {
	b := s.enter()
	b.dropped.Add(n)
	b.writers.Add(-1)
}

// LagOnly records generator lateness for an arrival that was dropped or
// interrupted before it produced a sample.
func (s *Shard) LagOnly(d time.Duration) {
	b := s.enter()
	b.observe(Lag, d)
	b.writers.Add(-1)
}

// Collect swaps out every shard's block and adds its counts to acc. It must
// not be called concurrently with itself.
func (r *Recorder) Collect(acc *Counts) {
	for i := range r.shards {
		s := &r.shards[i]
		old := s.active.Swap(s.spare)
		for old.writers.Load() != 0 {
			runtime.Gosched()
		}
		acc.add(old)
		old.reset()
		s.spare = old
	}
}
