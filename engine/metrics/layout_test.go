package metrics

import (
	"math/rand/v2"
	"testing"
)

// TestLayoutMatches checks that our bucket arithmetic is hdrhistogram-go's:
// a value recorded through a shard lands where a direct RecordValue puts it.
func TestLayoutMatches(t *testing.T) {
	h := NewHistogram()
	if got := len(h.Export().Counts); got != countsLen {
		t.Fatalf("hdrhistogram counts length %d, ours %d", got, countsLen)
	}
	values := []int64{0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 1_000_000, HighestMicros - 1, HighestMicros}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		values = append(values, r.Int64N(HighestMicros))
		values = append(values, r.Int64N(100_000))
	}
	for _, v := range values {
		h.Reset()
		if err := h.RecordValue(v); err != nil {
			t.Fatalf("RecordValue(%d): %v", v, err)
		}
		counts := h.Export().Counts
		idx := countsIndex(v)
		if counts[idx] != 1 {
			t.Fatalf("value %d: our index %d holds %d in hdrhistogram", v, idx, counts[idx])
		}
		if !h.ValuesAreEquivalent(valueAt(idx), v) {
			t.Fatalf("value %d: valueAt(%d)=%d is not equivalent", v, idx, valueAt(idx))
		}
	}
}
