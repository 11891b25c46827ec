package labs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/stampede-lab/stampede/targets/auth"
	"github.com/stampede-lab/stampede/targets/backend"
	"github.com/stampede-lab/stampede/targets/cache"
	"github.com/stampede-lab/stampede/targets/lb"
	"github.com/stampede-lab/stampede/targets/topology"
)

// Defaults the lab gives the entry balancer, as topology gives its own.
const (
	defaultHealthInterval = time.Second
	// healthPath is answered by every bundled piece without taking a
	// worker slot, so that checks of a saturated backend do not queue
	// behind its requests.
	healthPath = "/__stampede/stats"
)

// stopTimeout bounds a variant's shutdown.
const stopTimeout = 5 * time.Second

// system is one variant's running topology. When the entry is a load
// balancer, the lab starts that balancer itself (topology.System does not
// hand out its balancers), so that actions can drain it and add backends.
type system struct {
	spec    *topology.Spec
	topo    *topology.System
	lb      *lb.Balancer    // the entry balancer, or nil
	lbPiece *topology.Piece // its piece
	url     string
	ctx     context.Context // ends with stop
	cancel  context.CancelFunc
	quiet   *log.Logger

	mu      sync.Mutex
	added   []*backend.Server // instances started by scale_out
	stopped sync.Once
}

// startSystem starts variant v's topology on free loopback ports.
func startSystem(parent context.Context, v *Variant) (*system, error) {
	spec, err := v.spec()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(parent)
	s := &system{spec: spec, ctx: ctx, cancel: cancel, quiet: log.New(io.Discard, "", 0)}
	rest := spec
	if p := entryLB(spec); p != nil {
		s.lbPiece = p
		r := *spec
		r.Pieces = nil
		for _, q := range spec.Pieces {
			if q.Name != p.Name {
				r.Pieces = append(r.Pieces, q)
			}
		}
		r.Entry = p.To
		rest = &r
	}
	s.topo, err = topology.Start(ctx, rest, topology.Options{Host: "127.0.0.1", ErrorLog: s.quiet})
	if err != nil {
		cancel()
		return nil, err
	}
	s.url = s.topo.Entry.URL
	if s.lbPiece != nil {
		if s.lb, err = s.startLB(ctx, v.LB); err != nil {
			s.stop()
			return nil, fmt.Errorf("starting %s (lb): %w", s.lbPiece.Name, err)
		}
		s.url = s.lb.URL()
	}
	return s, nil
}

// startLB starts the entry balancer as topology would, with l's settings
// on top.
func (s *system) startLB(ctx context.Context, l LBSpec) (*lb.Balancer, error) {
	p := s.lbPiece
	weights := p.Weights
	if len(l.Weights) > 0 {
		weights = l.Weights
	}
	var backends []lb.Backend
	for _, in := range s.topo.Instances {
		if in.Piece != p.To {
			continue
		}
		b := lb.Backend{ID: in.ID, URL: in.URL}
		if n := len(backends); n < len(weights) {
			b.Weight = weights[n]
		}
		backends = append(backends, b)
	}
	health := lb.HealthCheck(p.Health)
	if l.HealthInterval > 0 {
		health.Interval = l.HealthInterval
	}
	if health.Interval == 0 {
		health.Interval = defaultHealthInterval
	}
	if health.Path == "" {
		health.Path = healthPath
	}
	if l.ActiveChecks != nil && !*l.ActiveChecks {
		health = lb.HealthCheck{}
	}
	var passive lb.Passive
	if l.PassiveFailures != nil {
		passive.Failures = *l.PassiveFailures
		if passive.Failures == 0 {
			passive.Failures = -1
		}
	}
	passive.Cooldown = l.PassiveCooldown
	mode, header := p.Mode, p.ClientIPHeader
	if l.Mode != "" {
		mode = l.Mode
	}
	if l.ClientIPHeader != "" {
		header = l.ClientIPHeader
	}
	return lb.Start(ctx, lb.Config{Addr: "127.0.0.1:0", Mode: mode, Policy: p.Policy, Backends: backends,
		Health: health, Passive: passive, ClientIPHeader: header, ErrorLog: s.quiet})
}

// stop shuts every piece down and waits for them; it may be called more
// than once.
func (s *system) stop() { s.stopped.Do(s.shutdown) }

func (s *system) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if s.lb != nil {
		_ = s.lb.Shutdown(ctx)
	}
	s.mu.Lock()
	added := s.added
	s.added = nil
	s.mu.Unlock()
	for _, b := range added {
		_ = b.Shutdown(ctx)
	}
	if s.topo != nil {
		_ = s.topo.Shutdown(ctx)
	}
	s.cancel()
}

// backends returns the instances of a backend piece, those added by
// scale_out last.
func (s *system) backends(piece string) []*backend.Server {
	out := s.topo.Backends(piece)
	if s.lbPiece != nil && s.lbPiece.To == piece {
		s.mu.Lock()
		out = append(out, s.added...)
		s.mu.Unlock()
	}
	return out
}

// do carries out an action; it returns when the action is done (a drain
// or a rolling restart takes a while, a scale-out its cold start).
func (s *system) do(ctx context.Context, a Action) error {
	all := s.backends(a.Piece)
	targets := all
	if a.Instance > 0 {
		if a.Instance > len(all) {
			return fmt.Errorf("%s: no instance %d", a.Piece, a.Instance)
		}
		targets = all[a.Instance-1 : a.Instance]
	}
	var errs []error
	for _, b := range targets {
		var err error
		switch a.Verb {
		case VerbKill:
			b.Kill()
		case VerbRestart:
			err = b.Restart()
		case VerbHang:
			b.Hang(true)
		case VerbUnhang:
			b.Hang(false)
		case VerbSlow:
			err = b.Slow(a.By)
		case VerbErrorRate:
			err = b.SetErrorRate(a.P)
		case VerbWorkers:
			err = b.SetWorkers(a.N)
		case VerbDrain:
			err = s.lb.Drain(ctx, b.ID())
		case VerbUndrain:
			err = s.lb.Undrain(b.ID())
		}
		errs = append(errs, err)
	}
	switch a.Verb {
	case VerbRollingRestart:
		errs = append(errs, s.lb.RollingRestart(ctx, func(ctx context.Context, id string) error {
			b := find(all, id)
			if b == nil {
				return fmt.Errorf("no backend %q", id)
			}
			b.Kill()
			if err := sleep(ctx, a.Down); err != nil {
				return err
			}
			return b.Restart()
		}))
	case VerbScaleOut:
		errs = append(errs, s.scaleOut(ctx, a))
	}
	return errors.Join(errs...)
}

func find(bs []*backend.Server, id string) *backend.Server {
	for _, b := range bs {
		if b.ID() == id {
			return b
		}
	}
	return nil
}

// scaleOut starts a.N instances like those of a.Piece, waits their cold
// start, and adds them to the entry balancer.
func (s *system) scaleOut(ctx context.Context, a Action) error {
	p := findPiece(s.spec, a.Piece)
	have := len(s.backends(a.Piece))
	var fresh []*backend.Server
	for i := range a.N {
		b, err := backend.Start(s.ctx, backend.Config{
			ID: fmt.Sprintf("%s-%d", p.Name, have+i+1), Kind: backend.Kind(p.Kind), Addr: "127.0.0.1:0",
			Workers: p.Workers, Default: p.Work, Endpoints: p.Endpoints, ErrorLog: s.quiet,
		})
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.added = append(s.added, b)
		s.mu.Unlock()
		fresh = append(fresh, b)
	}
	if err := sleep(ctx, a.ColdStart); err != nil {
		return err
	}
	for _, b := range fresh {
		if err := s.lb.AddBackend(lb.Backend{ID: b.ID(), URL: b.URL()}); err != nil {
			return err
		}
	}
	return nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TargetStats are the targets' own counters at the end of a run, as each
// piece serves them at /__stampede/stats.
type TargetStats struct {
	Backends  []backend.Stats `json:"backends,omitempty"`
	Balancers []lb.Stats      `json:"balancers,omitempty"`
	Caches    []cache.Stats   `json:"caches,omitempty"`
	Auth      []auth.Stats    `json:"auth,omitempty"`
}

// collect reads every piece's counters: in-process for the pieces the lab
// holds (backends, the entry balancer), over HTTP for the others.
func (s *system) collect(ctx context.Context) (TargetStats, error) {
	var st TargetStats
	if s.lb != nil {
		st.Balancers = append(st.Balancers, s.lb.Stats())
	}
	var errs []error
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	for _, p := range s.spec.Pieces {
		switch p.Kind {
		case topology.KindConcurrent, topology.KindSingleThreaded:
			for _, b := range s.backends(p.Name) {
				st.Backends = append(st.Backends, b.Stats())
			}
		}
	}
	for _, in := range s.topo.Instances {
		var err error
		switch in.Kind {
		case topology.KindLB:
			var x lb.Stats
			if err = getJSON(ctx, client, in.Admin, &x); err == nil {
				st.Balancers = append(st.Balancers, x)
			}
		case topology.KindCache:
			var x cache.Stats
			if err = getJSON(ctx, client, in.URL+cache.StatsPath, &x); err == nil {
				st.Caches = append(st.Caches, x)
			}
		case topology.KindAuth:
			var x auth.Stats
			if err = getJSON(ctx, client, in.URL+auth.StatsPath, &x); err == nil {
				st.Auth = append(st.Auth, x)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("stats of %s: %w", in.ID, err))
		}
	}
	return st, errors.Join(errs...)
}

func getJSON(ctx context.Context, c *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(v)
}
