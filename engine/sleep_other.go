//go:build !linux

package engine

import "time"

// preciseSleeper falls back to Go's timers where there is no timerfd.
type preciseSleeper struct{}

func newPreciseSleeper() (*preciseSleeper, error) { return &preciseSleeper{}, nil }

func (*preciseSleeper) sleep(d time.Duration) { time.Sleep(d) }
func (*preciseSleeper) close()                {}
