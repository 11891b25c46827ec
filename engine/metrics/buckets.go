// Package metrics records request outcomes on the hot path without locks
// and turns them, once per interval, into HdrHistograms and counters.
//
// Each VU records into one of a few shards. A shard's histograms are plain
// arrays of atomic counters laid out exactly as hdrhistogram-go lays out a
// histogram of 1 µs to 1 h at 3 significant digits, so that copying a
// shard into an hdrhistogram.Histogram puts every count in the same bucket
// it would have had if recorded there directly: merging shards is exact.
package metrics

import (
	"math/bits"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The range and precision of every latency histogram, in microseconds.
const (
	LowestMicros  = 1
	HighestMicros = 3_600_000_000 // one hour
	SigFigs       = 3
)

// Bucket layout of hdrhistogram-go for (LowestMicros, HighestMicros,
// SigFigs). Derived the way hdrhistogram-go derives it; TestLayoutMatches
// checks the two agree value by value.
const (
	unitMagnitude               = 0  // floor(log2(LowestMicros))
	subBucketHalfCountMagnitude = 10 // ceil(log2(2·10^SigFigs)) − 1
	subBucketHalfCount          = 1 << subBucketHalfCountMagnitude
	subBucketMask               = (2*subBucketHalfCount - 1) << unitMagnitude
	bucketCount                 = 22 // buckets needed to reach HighestMicros
	countsLen                   = (bucketCount + 1) * subBucketHalfCount
)

// countsIndex maps a value to its bucket, as hdrhistogram-go's countsIndexFor.
func countsIndex(v int64) int {
	bucketIdx := 64 - bits.LeadingZeros64(uint64(v)|subBucketMask) - unitMagnitude - (subBucketHalfCountMagnitude + 1)
	subBucketIdx := int(v >> uint(bucketIdx+unitMagnitude))
	return (bucketIdx+1)<<subBucketHalfCountMagnitude + (subBucketIdx - subBucketHalfCount)
}

// valueAt is the lowest value that maps to bucket idx.
func valueAt(idx int) int64 {
	bucketIdx := (idx >> subBucketHalfCountMagnitude) - 1
	subBucketIdx := (idx & (subBucketHalfCount - 1)) + subBucketHalfCount
	if bucketIdx < 0 {
		subBucketIdx -= subBucketHalfCount
		bucketIdx = 0
	}
	return int64(subBucketIdx) << uint(bucketIdx+unitMagnitude)
}

// NewHistogram returns an empty histogram of the range every stampede
// latency histogram uses.
func NewHistogram() *hdr.Histogram {
	return hdr.New(LowestMicros, HighestMicros, SigFigs)
}

func clampMicros(us int64) int64 {
	if us < 0 {
		return 0
	}
	if us > HighestMicros {
		return HighestMicros
	}
	return us
}
