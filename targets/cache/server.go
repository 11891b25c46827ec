package cache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Server is a running caching reverse proxy: an HTTP/1.1 server on
// loopback (by default) that answers GET StatsPath itself and every other
// request from its store or its origin, as the package doc describes.
//
// Its methods are safe for concurrent use.
type Server struct {
	hs    *httpserve.Server
	proxy *proxy

	bgMu    sync.Mutex
	closing bool
	bg      sync.WaitGroup // background revalidations
}

// Start validates cfg, listens and serves in the background; it returns
// once the listener is bound, so Addr is valid.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once. To stop gracefully, call Shutdown; either way, call Shutdown to
// wait until every goroutine of the server has exited.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	return start(ctx, cfg, time.Now)
}

// start is Start with the cache's clock, which tests replace.
func start(ctx context.Context, cfg Config, now func() time.Time) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("targets/cache: %w", err)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("targets/cache: invalid config: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	origin, _ := parseOrigin(cfg.Origin) // checked by Validate
	s := &Server{}
	hs, err := httpserve.Start(ctx, httpserve.Options{
		Name:      "targets/cache",
		Addr:      cfg.Addr,
		ErrorLog:  cfg.ErrorLog,
		HTTP1Only: true,
		Handler: func(srv *httpserve.Server) http.Handler {
			s.proxy = &proxy{
				cfg:       cfg,
				origin:    origin,
				transport: newTransport(),
				store:     newStore(cfg.MaxBytes),
				now:       now,
				base:      srv.Context(), // ends origin exchanges with the server
				spawn:     s.spawn,
				bgKeys:    make(map[string]bool),
			}
			return s.proxy
		},
	})
	if err != nil {
		return nil, err
	}
	s.hs = hs
	return s, nil
}

// spawn runs fn in a goroutine that Shutdown waits for, unless the server
// is shutting down; it reports whether fn was started.
func (s *Server) spawn(fn func()) bool {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closing {
		return false
	}
	s.bg.Go(fn)
	return true
}

// Addr returns the address the cache listens on, such as "127.0.0.1:41234".
func (s *Server) Addr() string { return s.hs.Addr() }

// URL returns the base URL of the cache, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.hs.Addr() }

// Stats returns the counters so far.
func (s *Server) Stats() Stats { return s.proxy.snapshot() }

// Purge drops every stored response (not counted as evictions). Requests
// in flight may store theirs afterwards.
func (s *Server) Purge() { s.proxy.store.purge() }

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight, until ctx is done; then it closes the remaining
// connections and cancels every origin exchange. It returns once every
// goroutine of the server (connections, background revalidations) is
// gone, and closes the idle connections to the origin. The error wraps
// ctx.Err() when requests had to be cut off. Shutdown may be called more
// than once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.hs.Shutdown(ctx)
	s.bgMu.Lock()
	s.closing = true
	s.bgMu.Unlock()
	// Background revalidations are not worth waiting for, the store going
	// away with the server: hs.Shutdown has cancelled their origin
	// exchanges (the proxy's base context), so only their goroutines are
	// waited for.
	s.bg.Wait()
	s.proxy.transport.CloseIdleConnections()
	return err
}
