package lb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnknownBackend is returned for an ID that is not in the pool.
var ErrUnknownBackend = errors.New("lb: no backend with that ID")

// poolConfig is what a pool is built from, defaults applied.
type poolConfig struct {
	mode           string
	policy         string
	backends       []Backend
	health         HealthCheck
	passive        Passive
	clientIPHeader string // canonical, or ""
	errorLog       *log.Logger
}

// Pool is a set of backends behind one policy: the part of a Balancer, or
// of one Router route, that places traffic, checks health, ejects, drains
// and counts. Its methods are safe for concurrent use.
type Pool struct {
	mode           string
	policy         string
	sel            Selector
	health         HealthCheck
	passive        Passive
	clientIPHeader string
	log            *log.Logger

	ctx      context.Context // bounds health checkers and their probes
	cancel   context.CancelFunc
	checkers sync.WaitGroup
	probes   *http.Client // health checks: no keep-alive, no redirects
	dialer   net.Dialer

	mu      sync.Mutex // guards targets and closed; serializes rebuild
	targets []*Target  // every backend, in configuration order
	closed  bool

	// avail is the backends that may take traffic, rebuilt on every
	// change of health, ejection, draining or membership, so that the hot
	// path reads one pointer instead of filtering.
	avail atomic.Pointer[[]*Target]

	placed    atomic.Uint64 // requests or connections sent to a backend
	noBackend atomic.Uint64 // turned away: no backend available
	retries   atomic.Uint64 // second attempts after a transport error
}

// newPool provisions a pool and starts its health checkers, bound to ctx.
// The config must have passed validation.
func newPool(ctx context.Context, cfg poolConfig) (*Pool, error) {
	sel := NewSelector(cfg.policy)
	if sel == nil {
		return nil, fmt.Errorf("lb: policy %q: not one of %v", cfg.policy, Policies())
	}
	policy := cfg.policy
	if policy == "" {
		policy = PolicyRoundRobin
	}
	logger := cfg.errorLog
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	p := &Pool{
		mode:           cfg.mode,
		policy:         policy,
		sel:            sel,
		health:         cfg.health,
		passive:        cfg.passive,
		clientIPHeader: cfg.clientIPHeader,
		log:            logger,
		probes:         newProbeClient(),
	}
	p.ctx, p.cancel = context.WithCancel(ctx)
	empty := []*Target{}
	p.avail.Store(&empty)
	for _, b := range cfg.backends {
		if err := p.AddBackend(b); err != nil {
			p.close()
			return nil, err
		}
	}
	return p, nil
}

// Policy returns the name of the pool's policy.
func (p *Pool) Policy() string { return p.policy }

// AddBackend adds a backend to the pool; it takes traffic at once, and its
// health checks start.
func (p *Pool) AddBackend(b Backend) error {
	if err := b.validate(p.mode); err != nil {
		return fmt.Errorf("lb: backend %q: %w", b.ID, err)
	}
	t, err := newTarget(p.mode, b)
	if err != nil {
		return fmt.Errorf("lb: backend %q: %w", b.ID, err)
	}
	if p.mode != ModeL4 {
		t.up = newUpstream(t.addr)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("lb: pool is shut down")
	}
	if p.findLocked(t.id) != nil {
		return fmt.Errorf("lb: backend %q: ID already in the pool", t.id)
	}
	p.targets = append(p.targets, t)
	p.startChecker(t)
	p.rebuildLocked()
	return nil
}

// RemoveBackend takes a backend out of the pool at once. Requests already
// sent to it finish; to wait for them first, Drain it.
func (p *Pool) RemoveBackend(id string) error {
	p.mu.Lock()
	t := p.findLocked(id)
	if t == nil {
		p.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrUnknownBackend, id)
	}
	p.targets = slices.DeleteFunc(p.targets, func(x *Target) bool { return x == t })
	p.rebuildLocked()
	p.mu.Unlock()
	p.retire(t) // outside mu: the checker may be waiting for it
	return nil
}

// ReplaceBackend puts b in the place of backend id without failing a
// request: b is added, then id drained and removed.
func (p *Pool) ReplaceBackend(ctx context.Context, id string, b Backend) error {
	if p.find(id) == nil {
		return fmt.Errorf("%w: %q", ErrUnknownBackend, id)
	}
	if err := p.AddBackend(b); err != nil {
		return err
	}
	if err := p.Drain(ctx, id); err != nil {
		return err
	}
	return p.RemoveBackend(id)
}

// retire stops everything a removed target owns.
func (p *Pool) retire(t *Target) {
	t.hmu.Lock()
	stop := t.stopCheck
	t.stopCheck = nil
	if t.ejectTimer != nil {
		t.ejectTimer.Stop()
	}
	t.hmu.Unlock()
	if stop != nil {
		stop()
	}
	if t.up != nil {
		t.up.closeIdle(true)
	}
}

// find returns the backend with that ID, or nil.
func (p *Pool) find(id string) *Target {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.findLocked(id)
}

func (p *Pool) findLocked(id string) *Target {
	for _, t := range p.targets {
		if t.id == id {
			return t
		}
	}
	return nil
}

// rebuild recomputes the available backends after a change of state.
func (p *Pool) rebuild() {
	p.mu.Lock()
	p.rebuildLocked()
	p.mu.Unlock()
}

func (p *Pool) rebuildLocked() {
	avail := make([]*Target, 0, len(p.targets))
	for _, t := range p.targets {
		if t.available() {
			avail = append(avail, t)
		}
	}
	p.avail.Store(&avail)
}

// pickAttempts bounds how often pick tries again when the backend it chose
// started draining in the meantime.
const pickAttempts = 3

// pick chooses a backend for r, other than exclude, and counts it in
// flight; the caller must release it. It returns nil when no backend is
// available, which the caller counts in noBackend if it gives up.
func (p *Pool) pick(r *Request, exclude *Target) *Target {
	for range pickAttempts {
		avail := *p.avail.Load()
		if exclude != nil {
			avail = slices.DeleteFunc(slices.Clone(avail), func(t *Target) bool { return t == exclude })
		}
		if len(avail) == 0 {
			break
		}
		if t := p.sel.Select(avail, r); t != nil && t.acquire() {
			t.requests.Add(1)
			p.placed.Add(1)
			return t
		}
	}
	return nil
}

// request returns the selector's view of an HTTP request.
func (p *Pool) request(r *http.Request) Request {
	return Request{HTTP: r, RemoteAddr: r.RemoteAddr, clientIPHeader: p.clientIPHeader}
}

// failed records a transport error on t, and ejects t after
// passive.Failures of them in a row.
func (p *Pool) failed(t *Target) {
	t.errors.Add(1)
	if p.passive.Failures > 0 && int(t.failRun.Add(1)) == p.passive.Failures {
		p.eject(t)
	}
}

// succeeded ends t's run of failures; it writes only when there was one,
// to keep the cache line shared on the hot path.
func (p *Pool) succeeded(t *Target) {
	if t.failRun.Load() != 0 {
		t.failRun.Store(0)
	}
}

// eject takes t out for the passive cooldown.
func (p *Pool) eject(t *Target) {
	t.hmu.Lock()
	if t.ejected.Load() {
		t.hmu.Unlock()
		return
	}
	t.ejected.Store(true)
	t.ejectTimer = time.AfterFunc(p.passive.Cooldown, func() { p.readmit(t) })
	t.hmu.Unlock()
	p.log.Printf("lb: backend %s ejected for %v after %d transport errors in a row", t.id, p.passive.Cooldown, p.passive.Failures)
	p.rebuild()
}

// readmit ends t's passive ejection.
func (p *Pool) readmit(t *Target) {
	t.hmu.Lock()
	t.ejected.Store(false)
	t.failRun.Store(0)
	t.hmu.Unlock()
	p.rebuild()
}

// close stops the health checkers and ejection timers and closes idle
// backend connections. It works on a partly provisioned pool, and may be
// called more than once.
func (p *Pool) close() {
	p.cancel()
	p.mu.Lock()
	p.closed = true
	targets := slices.Clone(p.targets)
	p.mu.Unlock()
	for _, t := range targets {
		p.retire(t)
	}
	p.checkers.Wait()
	p.probes.CloseIdleConnections()
}
