package topology

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/targets/auth"
	"github.com/stampede-lab/stampede/targets/backend"
	"github.com/stampede-lab/stampede/targets/cache"
	"github.com/stampede-lab/stampede/targets/lb"
	"github.com/stampede-lab/stampede/targets/static"
)

// Options tune how a topology starts.
type Options struct {
	// Host is where every piece listens; default 127.0.0.1.
	Host string
	// EntryPort is the entry piece's port; 0 picks a free one.
	EntryPort int
	// Seed seeds the backends' random draws; 0 picks one.
	Seed uint64
	// ErrorLog receives the servers' own errors; nil discards them.
	ErrorLog *log.Logger
}

// Instance is one running server of a piece.
type Instance struct {
	Piece string
	Kind  string
	ID    string
	URL   string
	// Admin is where a backend's faults can be set even while it is
	// killed (POST /__stampede/fault?action=...); empty for other kinds.
	Admin string
	// Backend is set for backends, for labs and tests that inject faults.
	Backend    *backend.Server
	authorizer func(*http.Request) bool
	shutdown   func(context.Context) error
}

// defaultHealthInterval is the balancers' health-check interval when the
// file does not set one: a killed backend is out within two of them.
const defaultHealthInterval = time.Second

// healthPath is what balancers and routers check unless told otherwise:
// every bundled piece serves its stats there (static and auth servers
// have no /healthz), so any piece can sit behind any balancer.
const healthPath = "/__stampede/stats"

// System is a running topology.
type System struct {
	Spec      *Spec
	Entry     *Instance
	Instances []*Instance
	byPiece   map[string][]*Instance
}

// Backends returns the running instances of a backend piece.
func (s *System) Backends(piece string) []*backend.Server {
	var out []*backend.Server
	for _, in := range s.byPiece[piece] {
		if in.Backend != nil {
			out = append(out, in.Backend)
		}
	}
	return out
}

// Shutdown stops every piece, entry first, and waits for them.
func (s *System) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(s.Instances) - 1; i >= 0; i-- {
		if err := s.Instances[i].shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Instances[i].ID, err))
		}
	}
	return errors.Join(errs...)
}

// jwtSecret is shared by a topology's auth instances unless the file sets
// one: they must agree for a token from one to be valid on another.
const jwtSecret = "stampede-topology-shared-secret-0123456789"

// Start starts every piece of spec, each piece after the ones it points
// to, and returns when all are listening. On error, what started is
// stopped again.
func Start(ctx context.Context, spec *Spec, opts Options) (sys *System, err error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.ErrorLog == nil {
		opts.ErrorLog = log.New(io.Discard, "", 0)
	}
	sys = &System{Spec: spec, byPiece: map[string][]*Instance{}}
	defer func() {
		if err != nil {
			_ = sys.Shutdown(context.Background())
			sys = nil
		}
	}()
	pieces := map[string]*Piece{}
	for i := range spec.Pieces {
		pieces[spec.Pieces[i].Name] = &spec.Pieces[i]
	}
	started := map[string]bool{}
	for len(started) < len(spec.Pieces) {
		progress := false
		for i := range spec.Pieces {
			p := &spec.Pieces[i]
			if started[p.Name] || !depsReady(p, started) {
				continue
			}
			addr := net.JoinHostPort(opts.Host, "0")
			if p.Name == spec.Entry {
				addr = net.JoinHostPort(opts.Host, strconv.Itoa(opts.EntryPort))
			}
			if err := sys.startPiece(ctx, p, addr, opts); err != nil {
				return nil, fmt.Errorf("starting %s (%s): %w", p.Name, p.Kind, err)
			}
			started[p.Name] = true
			progress = true
		}
		if !progress {
			return nil, errors.New("pieces point at each other in a cycle")
		}
	}
	sys.Entry = sys.byPiece[spec.Entry][0]
	return sys, nil
}

func depsReady(p *Piece, started map[string]bool) bool {
	switch p.Kind {
	case KindLB, KindCache:
		return started[p.To]
	case KindRouter:
		for _, r := range p.Routes {
			if !started[r.To] {
				return false
			}
		}
	}
	return true
}

func (s *System) add(in *Instance) {
	s.Instances = append(s.Instances, in)
	s.byPiece[in.Piece] = append(s.byPiece[in.Piece], in)
}

func (s *System) urls(piece string) []string {
	var out []string
	for _, in := range s.byPiece[piece] {
		out = append(out, in.URL)
	}
	return out
}

func instanceID(p *Piece, i int) string {
	if p.count() == 1 {
		return p.Name
	}
	return fmt.Sprintf("%s-%d", p.Name, i+1)
}

func (s *System) startPiece(ctx context.Context, p *Piece, addr string, opts Options) error {
	switch p.Kind {
	case KindConcurrent, KindSingleThreaded:
		for i := range p.count() {
			id := instanceID(p, i)
			srv, err := backend.Start(ctx, backend.Config{
				ID: id, Kind: backend.Kind(p.Kind), Addr: addr, Workers: p.Workers,
				Default: p.Work, Endpoints: p.Endpoints, Seed: opts.Seed + uint64(i),
				AdminAddr: net.JoinHostPort(opts.Host, "0"), ErrorLog: opts.ErrorLog,
			})
			if err != nil {
				return err
			}
			s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: id, URL: srv.URL(), Admin: srv.AdminURL(), Backend: srv, shutdown: srv.Shutdown})
		}
	case KindLB:
		var backends []lb.Backend
		for i, in := range s.byPiece[p.To] {
			w := 0
			if i < len(p.Weights) {
				w = p.Weights[i]
			}
			backends = append(backends, lb.Backend{ID: in.ID, URL: in.URL, Weight: w})
		}
		health := lb.HealthCheck(p.Health)
		if health.Interval == 0 {
			health.Interval = defaultHealthInterval
		}
		if health.Path == "" {
			health.Path = healthPath
		}
		cfg := lb.Config{Addr: addr, Mode: p.Mode, Policy: p.Policy, Backends: backends, Health: health,
			ClientIPHeader: p.ClientIPHeader, ErrorLog: opts.ErrorLog}
		if p.Mode == lb.ModeL4 {
			cfg.StatsAddr = net.JoinHostPort(opts.Host, "0")
		}
		b, err := lb.Start(ctx, cfg)
		if err != nil {
			return err
		}
		s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: p.Name, URL: b.URL(), Admin: b.StatsURL(), shutdown: b.Shutdown})
	case KindCache:
		coalesce := true
		if p.Cache.Coalesce != nil {
			coalesce = *p.Cache.Coalesce
		}
		c, err := cache.Start(ctx, cache.Config{Addr: addr, Origin: s.urls(p.To)[0], MaxBytes: p.Cache.MaxBytes,
			Coalesce: coalesce, ServeStaleOnError: p.Cache.StaleOnError, DefaultTTL: p.Cache.DefaultTTL, ErrorLog: opts.ErrorLog})
		if err != nil {
			return err
		}
		s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: p.Name, URL: c.URL(), shutdown: c.Shutdown})
	case KindStatic:
		cfg := static.Config{Addr: addr, ID: p.Name, Dir: p.Files.Dir, CacheControl: p.CacheControl, ErrorLog: opts.ErrorLog}
		if cfg.Dir == "" {
			f := p.Files
			if f.Prefix == "" {
				f.Prefix = "/static/"
			}
			if f.Count == 0 {
				f.Count = 20
			}
			if f.Size == 0 {
				f.Size = 16 << 10
			}
			cfg.Generate = static.Series(f.Prefix, f.Ext, f.Count, f.Size)
		}
		if p.Private {
			for _, in := range s.Instances {
				if in.Kind == KindAuth && in.authorizer != nil {
					cfg.Authorizer = in.authorizer
					break
				}
			}
		}
		srv, err := static.Start(ctx, cfg)
		if err != nil {
			return err
		}
		s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: p.Name, URL: srv.URL(), shutdown: srv.Shutdown})
	case KindAuth:
		var shared auth.Store
		if p.Store == "shared" {
			shared = auth.NewMemoryStore()
		}
		secret := p.Secret
		if secret == "" {
			secret = jwtSecret
		}
		for i := range p.count() {
			id := instanceID(p, i)
			srv, err := auth.Start(ctx, auth.Config{Addr: addr, ID: id, Mode: p.Mode, Store: shared, Secret: []byte(secret), TTL: p.TTL, ErrorLog: opts.ErrorLog})
			if err != nil {
				return err
			}
			s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: id, URL: srv.URL(), authorizer: srv.Authorizer(), shutdown: srv.Shutdown})
		}
	case KindExternal:
		for i, u := range p.URLs {
			s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: instanceID(p, i), URL: strings.TrimRight(u, "/"),
				shutdown: func(context.Context) error { return nil }})
		}
	case KindRouter:
		var routes []lb.Route
		for _, r := range p.Routes {
			var backends []lb.Backend
			for _, in := range s.byPiece[r.To] {
				backends = append(backends, lb.Backend{ID: in.ID, URL: in.URL})
			}
			routes = append(routes, lb.Route{Prefix: r.Prefix, Policy: r.Policy, Backends: backends, StripPrefix: r.Strip})
		}
		rt, err := lb.StartRouter(ctx, addr, routes, lb.HealthCheck{Interval: defaultHealthInterval, Path: healthPath})
		if err != nil {
			return err
		}
		s.add(&Instance{Piece: p.Name, Kind: p.Kind, ID: p.Name, URL: rt.URL(), shutdown: rt.Shutdown})
	}
	return nil
}
