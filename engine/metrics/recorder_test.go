package metrics

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func sampleWith(latency, service time.Duration, status int, err ErrClass) *Sample {
	t0 := time.Unix(1000, 0)
	return &Sample{
		Intended: t0,
		Sent:     t0.Add(latency - service),
		Done:     t0.Add(latency),
		Status:   status,
		Err:      err,
		BytesIn:  100,
		BytesOut: 10,
	}
}

// TestMergeIsExact records the same values once through two shards written
// by concurrent goroutines and once straight into one hdrhistogram, and
// asserts the merged result is identical bucket for bucket.
func TestMergeIsExact(t *testing.T) {
	tests := []struct {
		name   string
		shards int
		n      int
		maxUS  int64
	}{
		{"two shards, small values", 2, 20000, 5000},
		{"two shards, wide range", 2, 20000, HighestMicros},
		{"eight shards", 8, 50000, 10_000_000},
		{"one shard", 1, 1000, 100_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.n), 7))
			values := make([]int64, tc.n)
			want := NewHistogram()
			for i := range values {
				values[i] = r.Int64N(tc.maxUS)
				if err := want.RecordValue(values[i]); err != nil {
					t.Fatal(err)
				}
			}
			rec := NewRecorder(tc.shards)
			var wg sync.WaitGroup
			workers := 4 * tc.shards
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(values); i += workers {
						d := time.Duration(values[i]) * time.Microsecond
						rec.Shard(w).Record(sampleWith(d, d, 200, ErrNone))
					}
				})
			}
			wg.Wait()
			var acc Counts
			rec.Collect(&acc)
			iv := acc.Interval(time.Unix(0, 0), time.Unix(1, 0))
			got := iv.Hists[Latency]
			if !got.Equals(want) {
				t.Fatalf("merged shards differ from direct recording: total %d vs %d, p99 %d vs %d",
					got.TotalCount(), want.TotalCount(), got.ValueAtQuantile(99), want.ValueAtQuantile(99))
			}
			if iv.Requests != uint64(tc.n) || iv.Status[200] != uint64(tc.n) {
				t.Fatalf("requests %d status200 %d, want %d", iv.Requests, iv.Status[200], tc.n)
			}
		})
	}
}

// TestCollectWhileRecording checks that no sample is lost or counted twice
// when intervals are cut while VUs are recording.
func TestCollectWhileRecording(t *testing.T) {
	rec := NewRecorder(3)
	const writers, each = 6, 20000
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				d := time.Duration(i%1000) * time.Microsecond
				rec.Shard(w).Record(sampleWith(d, d, 200+i%3, ErrClass(i%3)))
			}
		})
	}
	var acc Counts
	total := NewInterval(time.Unix(0, 0))
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for stop := false; !stop; {
		select {
		case <-done:
			stop = true
		default:
		}
		rec.Collect(&acc)
		total.Merge(acc.Interval(time.Unix(0, 0), time.Unix(1, 0)))
	}
	if total.Requests != writers*each {
		t.Fatalf("requests = %d, want %d", total.Requests, writers*each)
	}
	if got := total.Hists[Latency].TotalCount(); got != writers*each {
		t.Fatalf("latency count = %d, want %d", got, writers*each)
	}
	var errs uint64
	for _, n := range total.ErrClasses {
		errs += n
	}
	if errs != total.Errors || total.Errors == 0 {
		t.Fatalf("error classes sum %d, errors %d", errs, total.Errors)
	}
	if total.Status[200]+total.Status[201]+total.Status[202] != writers*each {
		t.Fatalf("status counts %v", total.Status)
	}
}

func TestIntervalMergeCounters(t *testing.T) {
	rec := NewRecorder(2)
	rec.Shard(0).Record(sampleWith(time.Millisecond, time.Millisecond, 503, ErrStatus))
	rec.Shard(1).Dropped(3)
	rec.Shard(1).Record(&Sample{Err: ErrInterrupted})
	var acc Counts
	rec.Collect(&acc)
	a := acc.Interval(time.Unix(10, 0), time.Unix(11, 0))
	rec.Shard(1).Record(sampleWith(2*time.Millisecond, time.Millisecond, 200, ErrNone))
	rec.Collect(&acc)
	b := acc.Interval(time.Unix(11, 0), time.Unix(12, 0))
	tot := NewInterval(time.Unix(10, 0))
	tot.Merge(a)
	tot.Merge(b)
	if tot.Requests != 2 || tot.Errors != 1 || tot.Dropped != 3 || tot.Interrupted != 1 {
		t.Fatalf("totals: %+v", tot)
	}
	if tot.ErrClasses["status"] != 1 || tot.Status[503] != 1 || tot.Status[200] != 1 {
		t.Fatalf("classes %v status %v", tot.ErrClasses, tot.Status)
	}
	if tot.Duration() != 2*time.Second || tot.RPS() != 1 {
		t.Fatalf("duration %v rps %v", tot.Duration(), tot.RPS())
	}
	if b.Hists[Service].TotalCount() != 1 || b.Hists[Latency].Max() < 1999 {
		t.Fatalf("interval b latency max %d", b.Hists[Latency].Max())
	}
}

func BenchmarkRecord(b *testing.B) {
	rec := NewRecorder(DefaultShards())
	s := sampleWith(3*time.Millisecond, 2*time.Millisecond, 200, ErrNone)
	s.FirstByte = s.Sent.Add(time.Millisecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		sh := rec.Shard(rand.IntN(64))
		for pb.Next() {
			sh.Record(s)
		}
	})
}

// TestCompactKeepsIntervalsExact: after Compact an interval's latency and
// service histograms decode to exactly what was recorded, and the full
// histograms are released.
func TestCompactKeepsIntervalsExact(t *testing.T) {
	rec := NewRecorder(2)
	for i := range 5000 {
		d := time.Duration(i*37%100_000) * time.Microsecond
		rec.Shard(i).Record(sampleWith(2*d, d, 200, ErrNone))
	}
	var acc Counts
	rec.Collect(&acc)
	iv := acc.Interval(time.Unix(0, 0), time.Unix(1, 0))
	want := iv.Hists[Latency].Clone()
	wantSvc := iv.Hists[Service].Clone()
	if err := iv.Compact(); err != nil {
		t.Fatal(err)
	}
	for h := range NumHists {
		if iv.Hists[h] != nil {
			t.Fatalf("histogram %v still held after Compact", h)
		}
	}
	if got := iv.Histogram(Latency); got == nil || !got.Equals(want) {
		t.Fatal("latency histogram changed through Compact")
	}
	if got := iv.Histogram(Service); got == nil || !got.Equals(wantSvc) {
		t.Fatal("service histogram changed through Compact")
	}
	if iv.Histogram(TTFB) != nil {
		t.Fatal("TTFB kept after Compact")
	}
	if s, err := iv.Encoded(Latency); err != nil || s == "" {
		t.Fatalf("Encoded: %q %v", s, err)
	}
}
