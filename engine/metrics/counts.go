package metrics

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Counts accumulates blocks swapped out of the shards. It is used by one
// goroutine, the collector.
type Counts struct {
	hists [NumHists][]int64

	requests, errors, bytesIn, bytesOut uint64
	dropped, interrupted, connections   uint64
	errClass                            [numErrClasses]uint64
	status                              [maxStatus]uint64
}

func (c *Counts) add(b *block) {
	for h := range b.hists {
		src := &b.hists[h]
		var dst []int64
		for i, n := range src {
			if n == 0 {
				continue
			}
			if dst == nil {
				if c.hists[h] == nil {
					c.hists[h] = make([]int64, countsLen)
				}
				dst = c.hists[h]
			}
			dst[i] += int64(n)
		}
	}
	c.requests += b.requests.Load()
	c.errors += b.errors.Load()
	c.bytesIn += b.bytesIn.Load()
	c.bytesOut += b.bytesOut.Load()
	c.dropped += b.dropped.Load()
	c.interrupted += b.interrupted.Load()
	c.connections += b.connections.Load()
	for i := range b.errClass {
		c.errClass[i] += b.errClass[i].Load()
	}
	for i := range b.status {
		c.status[i] += b.status[i].Load()
	}
}

// Interval turns the accumulated counts into an Interval covering
// [start, end) and clears c for the next one.
func (c *Counts) Interval(start, end time.Time) *Interval {
	iv := &Interval{
		Start:       start,
		End:         end,
		Requests:    c.requests,
		Errors:      c.errors,
		BytesIn:     c.bytesIn,
		BytesOut:    c.bytesOut,
		Dropped:     c.dropped,
		Interrupted: c.interrupted,
		Connections: c.connections,
		ErrClasses:  map[string]uint64{},
		Status:      map[int]uint64{},
	}
	for h := range c.hists {
		if c.hists[h] == nil {
			iv.Hists[h] = NewHistogram()
			continue
		}
		iv.Hists[h] = hdr.Import(&hdr.Snapshot{
			LowestTrackableValue:  LowestMicros,
			HighestTrackableValue: HighestMicros,
			SignificantFigures:    SigFigs,
			Counts:                c.hists[h],
		})
		clear(c.hists[h])
	}
	for i, n := range c.errClass {
		if n > 0 {
			iv.ErrClasses[ErrClass(i).String()] = n
		}
	}
	for code, n := range c.status {
		if n > 0 {
			iv.Status[code] = n
		}
	}
	hists := c.hists
	*c = Counts{hists: hists}
	return iv
}

// Interval is what happened during one reporting interval (or, merged, a
// whole run). Requests counts finished requests, failed ones included;
// Errors is the failed subset.
type Interval struct {
	Start, End  time.Time
	Requests    uint64
	Errors      uint64
	BytesIn     uint64
	BytesOut    uint64
	Dropped     uint64
	Interrupted uint64
	Connections uint64
	ErrClasses  map[string]uint64
	Status      map[int]uint64
	// Hists are the interval's histograms; nil after Compact.
	Hists [NumHists]*hdr.Histogram
	// encoded keeps the latency and service histograms of a compacted
	// interval (HdrHistogram V2 compressed, base64).
	encoded [NumHists][]byte
}

// keptAfterCompact are the histograms a compacted interval still has.
var keptAfterCompact = []Hist{Latency, Service}

// Compact trades the interval's full histograms (about 190 KB each) for
// the compressed encoding of its latency and service histograms (a few
// KB), so that a run keeps one entry per second for hours in bounded
// memory. It must be called once the interval has been merged into the
// totals.
func (iv *Interval) Compact() error {
	for _, h := range keptAfterCompact {
		if iv.Hists[h] == nil {
			continue
		}
		b, err := iv.Hists[h].Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return err
		}
		iv.encoded[h] = b
	}
	iv.Hists = [NumHists]*hdr.Histogram{}
	return nil
}

// Histogram returns one of the interval's histograms, decoding it if the
// interval was compacted, and nil if it was not kept.
func (iv *Interval) Histogram(h Hist) *hdr.Histogram {
	if iv.Hists[h] != nil {
		return iv.Hists[h]
	}
	if iv.encoded[h] == nil {
		return nil
	}
	d, err := hdr.Decode(iv.encoded[h])
	if err != nil {
		return nil
	}
	return d
}

// Encoded returns the compressed encoding of one histogram of the
// interval (base64 text), encoding it now if the interval is not compacted.
func (iv *Interval) Encoded(h Hist) (string, error) {
	if iv.encoded[h] != nil {
		return string(iv.encoded[h]), nil
	}
	if iv.Hists[h] == nil {
		return "", nil
	}
	b, err := iv.Hists[h].Encode(hdr.V2CompressedEncodingCookieBase)
	return string(b), err
}

// NewInterval returns an empty interval starting at start, ready to Merge into.
func NewInterval(start time.Time) *Interval {
	iv := &Interval{Start: start, End: start, ErrClasses: map[string]uint64{}, Status: map[int]uint64{}}
	for h := range iv.Hists {
		iv.Hists[h] = NewHistogram()
	}
	return iv
}

// Merge adds o to iv exactly: counters add, histograms add bucket by bucket,
// and the time span grows to cover both.
func (iv *Interval) Merge(o *Interval) {
	if o.Start.Before(iv.Start) {
		iv.Start = o.Start
	}
	if o.End.After(iv.End) {
		iv.End = o.End
	}
	iv.Requests += o.Requests
	iv.Errors += o.Errors
	iv.BytesIn += o.BytesIn
	iv.BytesOut += o.BytesOut
	iv.Dropped += o.Dropped
	iv.Interrupted += o.Interrupted
	iv.Connections += o.Connections
	for k, n := range o.ErrClasses {
		iv.ErrClasses[k] += n
	}
	for k, n := range o.Status {
		iv.Status[k] += n
	}
	for h := range iv.Hists {
		iv.Hists[h].Merge(o.Hists[h])
	}
}

// Duration is the length of the interval.
func (iv *Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// RPS is finished requests per second over the interval.
func (iv *Interval) RPS() float64 {
	d := iv.Duration().Seconds()
	if d <= 0 {
		return 0
	}
	return float64(iv.Requests) / d
}
