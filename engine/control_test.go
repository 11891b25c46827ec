package engine

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stampede-lab/stampede/scenarios"
)

// TestControlOpenModel: a pause stops arrivals and lengthens the run by
// its length; scaling changes the rate from the moment it is asked; each
// action is an event.
func TestControlOpenModel(t *testing.T) {
	tests := []struct {
		name      string
		act       func(c *Control)
		wantTotal uint64
		wantLen   time.Duration
		perSec    []uint64
		events    []string
	}{
		{
			name:      "pause for a second",
			act:       func(c *Control) { c.Pause(); time.Sleep(time.Second); c.Resume() },
			wantTotal: 400, wantLen: 5 * time.Second,
			perSec: []uint64{100, 0, 100, 100, 100},
			events: []string{"pause", "resume"},
		},
		{
			name:      "double the rate",
			act:       func(c *Control) { c.Step(10) },
			wantTotal: 700, wantLen: 4 * time.Second,
			perSec: []uint64{100, 200, 200, 200},
			events: []string{"scale ×2.0"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantArrivalRate, Rate: 100, Duration: 4 * time.Second,
					VUs: 5, MaxVUs: 50, MaxBacklog: time.Second, Grace: time.Second})
				c := NewControl()
				time.AfterFunc(time.Second, func() { tc.act(c) })
				start := time.Now()
				var paused []bool
				res, err := Run(context.Background(), p, newFake(constant(time.Millisecond)), Options{CoarseTimers: true, Control: c,
					OnInterval: func(s *Snapshot) { paused = append(paused, s.Paused) }})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total.Requests != tc.wantTotal || res.Total.Dropped != 0 {
					t.Fatalf("requests %d dropped %d, want %d, 0", res.Total.Requests, res.Total.Dropped, tc.wantTotal)
				}
				if took := time.Since(start); took < tc.wantLen-50*time.Millisecond || took > tc.wantLen+50*time.Millisecond {
					t.Fatalf("run took %v, want %v", took, tc.wantLen)
				}
				for i, want := range tc.perSec {
					if got := res.Intervals[i].Requests; got+1 < want || got > want+1 {
						t.Errorf("second %d: %d requests, want %d", i, got, want)
					}
				}
				if len(res.Events) != len(tc.events) {
					t.Fatalf("events %+v", res.Events)
				}
				for i, ev := range res.Events {
					got := ev.Kind
					if ev.Detail != "" {
						got += " " + ev.Detail
					}
					if got != tc.events[i] || ev.At != time.Second+time.Duration(i)*time.Second*time.Duration(len(tc.events)-1) {
						t.Errorf("event %d = %q at %v, want %q", i, got, ev.At, tc.events[i])
					}
				}
			})
		})
	}
}

// TestControlClosedModel: pausing parks every VU; scaling changes how many
// run.
func TestControlClosedModel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := plan("http://fake/", scenarios.Load{Executor: scenarios.ConstantVUs, VUs: 4, Duration: 3 * time.Second})
		c := NewControl()
		time.AfterFunc(time.Second, c.Pause)
		time.AfterFunc(2*time.Second, func() { c.Resume(); c.Step(5) })
		f := newFake(constant(10 * time.Millisecond))
		res, err := Run(context.Background(), p, f, Options{CoarseTimers: true, Control: c})
		if err != nil {
			t.Fatal(err)
		}
		// 4 VUs × 100/s, then nothing, then 6 VUs × 100/s for the last second.
		got := []uint64{res.Intervals[0].Requests, res.Intervals[1].Requests, res.Intervals[2].Requests, res.Intervals[3].Requests}
		want := []uint64{400, 0, 600, 600}
		for i := range want {
			if got[i]+8 < want[i] || got[i] > want[i]+8 {
				t.Fatalf("requests per second %v, want about %v", got, want)
			}
		}
		if f.maxFlight.Load() != 6 {
			t.Fatalf("max in flight %d, want 6", f.maxFlight.Load())
		}
	})
}
