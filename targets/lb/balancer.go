package lb

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Balancer is a running load balancer: one Pool behind one address, as an
// HTTP reverse proxy (L7) or a TCP splicer (L4). The Pool's methods (Drain,
// Undrain, AddBackend, RemoveBackend, ReplaceBackend, RollingRestart,
// Stats) manage it at run time. Its methods are safe for concurrent use.
type Balancer struct {
	*Pool
	addr  string
	l7    *httpserve.Server // L7 mode
	l4    *tcpProxy         // L4 mode
	stats *httpserve.Server // Config.StatsAddr, or nil
}

// Start validates cfg, starts health checks and listens; it returns once
// the listener is bound, so Addr is valid.
//
// ctx bounds the life of the balancer: when it is done, the balancer closes
// at once. To stop gracefully, call Shutdown; either way, call Shutdown to
// wait until every goroutine of the balancer has exited.
func Start(ctx context.Context, cfg Config) (*Balancer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lb: %w", err)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("lb: invalid config:\n%w", errors.Join(errs...))
	}
	mode := cfg.Mode
	if mode == "" {
		mode = ModeL7
	}
	header := ""
	if cfg.ClientIPHeader != "" {
		header = http.CanonicalHeaderKey(cfg.ClientIPHeader)
	}
	pool, err := newPool(ctx, poolConfig{
		mode:           mode,
		policy:         cfg.Policy,
		backends:       cfg.Backends,
		health:         cfg.Health.withDefaults(mode),
		passive:        cfg.Passive.withDefaults(),
		clientIPHeader: header,
		errorLog:       cfg.ErrorLog,
	})
	if err != nil {
		return nil, err
	}
	b := &Balancer{Pool: pool}
	if err := b.listen(ctx, cfg, mode); err != nil {
		_ = b.Shutdown(context.Background()) // nothing is in flight yet
		return nil, err
	}
	return b, nil
}

// listen starts the balancer's servers.
func (b *Balancer) listen(ctx context.Context, cfg Config, mode string) error {
	stats := statsHandler(func() any { return b.Stats() })
	if mode == ModeL4 {
		l4, err := startTCP(ctx, cfg.Addr, b.Pool)
		if err != nil {
			return err
		}
		b.l4, b.addr = l4, l4.ln.Addr().String()
	} else {
		h := &statsOr{stats: stats, next: newProxy(b.Pool, "")}
		l7, err := startHTTP(ctx, "balancer", cfg.Addr, h, cfg.ErrorLog)
		if err != nil {
			return err
		}
		b.l7, b.addr = l7, l7.Addr()
	}
	if cfg.StatsAddr != "" {
		s, err := startHTTP(ctx, "stats", cfg.StatsAddr, stats, cfg.ErrorLog)
		if err != nil {
			return err
		}
		b.stats = s
	}
	return nil
}

// Addr returns the address the balancer listens on, such as
// "127.0.0.1:41234".
func (b *Balancer) Addr() string { return b.addr }

// URL returns "http://" + Addr(); in L4 mode it is meaningful only when the
// backends speak HTTP.
func (b *Balancer) URL() string { return "http://" + b.addr }

// Mode returns ModeL7 or ModeL4.
func (b *Balancer) Mode() string { return b.mode }

// StatsURL returns where the stats JSON is served: StatsPath on Addr in L7
// mode, on Config.StatsAddr if set, or "" in L4 mode without it.
func (b *Balancer) StatsURL() string {
	switch {
	case b.stats != nil:
		return "http://" + b.stats.Addr() + StatsPath
	case b.l7 != nil:
		return b.URL() + StatsPath
	}
	return ""
}

// Shutdown stops accepting, waits for requests (L7) or connections (L4) in
// flight until ctx is done, then cuts off the rest, stops the health
// checks and closes idle backend connections. It returns once every
// goroutine of the balancer has exited; the error wraps ctx.Err() when
// traffic had to be cut off. It may be called more than once.
func (b *Balancer) Shutdown(ctx context.Context) error {
	var errs []error
	if b.l7 != nil {
		errs = append(errs, b.l7.Shutdown(ctx))
	}
	if b.l4 != nil {
		errs = append(errs, b.l4.shutdown(ctx))
	}
	if b.stats != nil {
		errs = append(errs, b.stats.Shutdown(ctx))
	}
	b.Pool.close()
	return errors.Join(errs...)
}

// statsOr serves StatsPath itself and hands every other request to next.
type statsOr struct {
	stats http.Handler
	next  http.Handler
}

func (h *statsOr) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StatsPath {
		h.stats.ServeHTTP(w, r)
		return
	}
	h.next.ServeHTTP(w, r)
}

var _ http.Handler = (*statsOr)(nil)
