package lb

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// drainPoll is how often Drain looks at a draining backend's in-flight
// count. Polling keeps the hot path free of any drain bookkeeping.
const drainPoll = 2 * time.Millisecond

// rollingProbeEvery bounds the pause between the health probes with which
// RollingRestart waits for a restarted backend.
const rollingProbeEvery = 50 * time.Millisecond

// ErrLastBackend is returned by RollingRestart when draining a backend
// would leave no other to take the traffic.
var ErrLastBackend = errors.New("lb: no other backend available to take the traffic")

// Drain stops sending new requests (L7) or connections (L4) to backend id
// and waits until those in flight have finished, or ctx is done. The
// backend stays draining, whatever the outcome, until Undrain. Once it is
// idle, its idle keep-alive connections are closed, so that it can be
// stopped at once.
//
// In L4 mode a connection is in flight until either side closes it, so
// bound ctx when clients hold connections open.
func (p *Pool) Drain(ctx context.Context, id string) error {
	t := p.find(id)
	if t == nil {
		return fmt.Errorf("%w: %q", ErrUnknownBackend, id)
	}
	t.draining.Store(true) // before reading inFlight: see Target.acquire
	p.rebuild()
	if t.inFlight.Load() > 0 {
		tick := time.NewTicker(drainPoll)
		defer tick.Stop()
		for t.inFlight.Load() > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("lb: drain %s: %d still in flight: %w", id, t.inFlight.Load(), ctx.Err())
			case <-tick.C:
			}
		}
	}
	if t.up != nil {
		t.up.closeIdle(false)
	}
	return nil
}

// Undrain lets backend id take traffic again (if it is healthy and not
// ejected).
func (p *Pool) Undrain(id string) error {
	t := p.find(id)
	if t == nil {
		return fmt.Errorf("%w: %q", ErrUnknownBackend, id)
	}
	t.draining.Store(false)
	p.rebuild()
	return nil
}

// RestartFunc restarts backend id and returns once it has been told to
// start again; RollingRestart then waits for it to pass health checks.
type RestartFunc func(ctx context.Context, id string) error

// RollingRestart restarts every backend in turn, in configuration order,
// without failing a request: for each, Drain, restart, probe until it
// passes HealthCheck.Healthy checks in a row (every Interval, at most
// 50 ms apart, also when active checks are off), then Undrain.
//
// It refuses (ErrLastBackend) to drain a backend when no other is
// available. On any error it stops: a backend whose drain was cut short is
// undrained, one whose restart or checks failed stays drained.
func (p *Pool) RollingRestart(ctx context.Context, restart RestartFunc) error {
	p.mu.Lock()
	ids := make([]string, len(p.targets))
	for i, t := range p.targets {
		ids[i] = t.id
	}
	p.mu.Unlock()
	for _, id := range ids {
		if err := p.restartOne(ctx, id, restart); err != nil {
			return fmt.Errorf("lb: rolling restart stopped at %s: %w", id, err)
		}
	}
	return nil
}

// restartOne is one step of RollingRestart.
func (p *Pool) restartOne(ctx context.Context, id string, restart RestartFunc) error {
	t := p.find(id)
	if t == nil {
		return nil // removed meanwhile: nothing to restart
	}
	others := 0
	for _, o := range *p.avail.Load() {
		if o != t {
			others++
		}
	}
	if others == 0 {
		return ErrLastBackend
	}
	if err := p.Drain(ctx, id); err != nil {
		_ = p.Undrain(id)
		return err
	}
	if err := restart(ctx, id); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if err := p.waitHealthy(ctx, t); err != nil {
		return err
	}
	p.markHealthy(t)
	return p.Undrain(id)
}

// waitHealthy probes t until it passes Healthy probes in a row.
func (p *Pool) waitHealthy(ctx context.Context, t *Target) error {
	every := rollingProbeEvery
	if p.health.Interval > 0 && p.health.Interval < every {
		every = p.health.Interval
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	passes := 0
	var err error
	for passes < p.health.Healthy {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for health (last check: %v): %w", err, ctx.Err())
		case <-timer.C:
		}
		if err = p.probe(ctx, t); err == nil {
			passes++
		} else {
			passes = 0
		}
		timer.Reset(every)
	}
	return nil
}
