package dashboards

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
)

func TestPlainLine(t *testing.T) {
	rec := metrics.NewRecorder(1)
	t0 := time.Unix(100, 0)
	for i := range 1000 {
		rec.Shard(0).Record(&metrics.Sample{Intended: t0, Sent: t0, Done: t0.Add(time.Duration(i+1) * 10 * time.Microsecond), Status: 200})
	}
	rec.Shard(0).Dropped(2)
	var acc metrics.Counts
	rec.Collect(&acc)
	iv := acc.Interval(t0, t0.Add(time.Second))
	tests := []struct {
		name string
		snap engine.Snapshot
		want []string
	}{
		{"open", engine.Snapshot{Elapsed: 3 * time.Second, Planned: 10 * time.Second, Interval: iv, Total: iv, ActiveVUs: 3, MaxVUs: 50, AskedRate: 1000},
			[]string{"[  3.0s/10.0s]", "rate 1000/s (asked 1000/s)", "p50 5.00ms", "p99 9.90ms", "max 10.01ms", "dropped 2", "VUs 3/50", "total 1000"}},
		{"closed, stopping", engine.Snapshot{Elapsed: 11 * time.Second, Planned: 10 * time.Second, Interval: iv, Total: iv, ActiveVUs: 8, MaxVUs: 8, Stopping: true},
			[]string{"stopping", "VUs 8/8"}},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		NewPlain(&buf).OnInterval(&tc.snap)
		line := buf.String()
		if strings.Count(line, "\n") != 1 {
			t.Errorf("%s: want one line, got %q", tc.name, line)
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", tc.name, line, w)
			}
		}
		if tc.name == "closed, stopping" && strings.Contains(line, "asked") {
			t.Errorf("closed model line shows an asked rate: %q", line)
		}
	}
}
