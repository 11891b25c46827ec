package lb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// startChecker starts t's active health checker, if checks are on. It runs
// until the pool's context is done or t is retired. Called with p.mu held,
// so that close cannot miss it.
func (p *Pool) startChecker(t *Target) {
	if p.health.Interval <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	t.hmu.Lock()
	t.stopCheck = func() { cancel(); <-done }
	t.hmu.Unlock()
	p.checkers.Add(1)
	go func() {
		defer p.checkers.Done()
		defer close(done)
		defer cancel()
		p.runChecker(ctx, t)
	}()
}

// runChecker probes t at once and then on every tick, until ctx is done.
// Each backend has its own ticker, so a backend that hangs until the
// timeout delays no other's checks.
func (p *Pool) runChecker(ctx context.Context, t *Target) {
	tick := time.NewTicker(p.health.Interval)
	defer tick.Stop()
	for {
		err := p.probe(ctx, t)
		if ctx.Err() != nil {
			return // a probe cut short by shutdown says nothing of t
		}
		p.record(t, err)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// record applies one check's result: Unhealthy failures in a row take t
// out, Healthy passes in a row put it back.
func (p *Pool) record(t *Target, err error) {
	t.hmu.Lock()
	changed := false
	if err == nil {
		t.fails = 0
		t.passes++
		if !t.healthy.Load() && t.passes >= p.health.Healthy {
			t.healthy.Store(true)
			changed = true
		}
	} else {
		t.passes = 0
		t.fails++
		if t.healthy.Load() && t.fails >= p.health.Unhealthy {
			t.healthy.Store(false)
			changed = true
		}
	}
	t.hmu.Unlock()
	if !changed {
		return
	}
	if err == nil {
		p.log.Printf("lb: backend %s is healthy again", t.id)
	} else {
		p.log.Printf("lb: backend %s is unhealthy: %v", t.id, err)
	}
	p.rebuild()
}

// markHealthy declares t healthy and not ejected, after checks done outside
// the checker (RollingRestart).
func (p *Pool) markHealthy(t *Target) {
	t.hmu.Lock()
	t.passes, t.fails = 0, 0
	t.healthy.Store(true)
	if t.ejectTimer != nil {
		t.ejectTimer.Stop()
	}
	t.ejected.Store(false)
	t.failRun.Store(0)
	t.hmu.Unlock()
	p.rebuild()
}

// probe checks t once: a GET of the health path if there is one (any 2xx
// or 3xx passes), else a TCP connect.
func (p *Pool) probe(ctx context.Context, t *Target) error {
	ctx, cancel := context.WithTimeout(ctx, p.health.Timeout)
	defer cancel()
	if p.health.Path == "" {
		c, err := p.dialer.DialContext(ctx, "tcp", t.addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
	path, err := url.Parse(p.health.Path)
	if err != nil {
		return err // not reached: validated
	}
	u := joinURL(t.url, path, "").String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := p.probes.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: status %s", u, resp.Status)
	}
	return nil
}

// newProbeClient returns the client of HTTP health checks. Each check
// opens a new connection, as haproxy's do, so that a check proves the
// backend still accepts connections, and none is left open between checks.
// Redirects are not followed: a 3xx passes.
func newProbeClient() *http.Client {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	return &http.Client{
		Transport: &http.Transport{
			DisableKeepAlives:  true,
			DisableCompression: true,
			Protocols:          &protocols,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
