package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts of the cache's own server, as for the concurrent target: the
// idle timeout outlasts the 90 s of Go's default transport, so that clients
// close idle connections before the server does.
const (
	readHeaderTimeout = 5 * time.Second
	idleTimeout       = 120 * time.Second
)

// Server is a running caching reverse proxy: an HTTP/1.1 server on
// loopback (by default) that answers GET StatsPath itself and every other
// request from its store or its origin, as the package doc describes.
//
// Its methods are safe for concurrent use.
type Server struct {
	srv   *http.Server
	addr  string
	proxy *proxy

	conns    sync.WaitGroup // open connections; see trackConn
	served   chan struct{}  // closed when Serve has returned
	serveErr error          // read only after served is closed

	bgMu    sync.Mutex
	closing bool
	bg      sync.WaitGroup // background revalidations

	cancel    context.CancelFunc // ends origin exchanges and requests
	stopWatch func() bool
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
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("targets/cache: %w", err)
	}

	base, cancel := context.WithCancel(ctx)
	s := &Server{addr: ln.Addr().String(), served: make(chan struct{}), cancel: cancel}
	s.proxy = &proxy{
		cfg:       cfg,
		origin:    origin,
		transport: newTransport(),
		store:     newStore(cfg.MaxBytes),
		now:       now,
		base:      base,
		spawn:     s.spawn,
		bgKeys:    make(map[string]bool),
	}
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	s.srv = &http.Server{
		Handler:           s.proxy,
		Protocols:         &protocols,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnState:         s.trackConn,
		ErrorLog:          errorLog,
	}
	s.stopWatch = context.AfterFunc(ctx, func() { _ = s.srv.Close() })
	go s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("targets/cache: serve: %w", err)
	}
}

// trackConn counts open connections: StateNew is reported before Serve
// can return, StateClosed by the connection's goroutine as it ends, so
// Shutdown can wait for every handler to have returned.
func (s *Server) trackConn(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Done()
	}
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
func (s *Server) Addr() string { return s.addr }

// URL returns the base URL of the cache, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.addr }

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
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("targets/cache: graceful shutdown cut short, requests in flight were interrupted: %w", err)
		s.cancel()
		_ = s.srv.Close()
	}
	<-s.served
	s.conns.Wait()
	s.bgMu.Lock()
	s.closing = true
	s.bgMu.Unlock()
	// Background revalidations are not worth waiting for: the store is
	// going away with the server.
	s.cancel()
	s.bg.Wait()
	s.stopWatch()
	s.proxy.transport.CloseIdleConnections()
	return errors.Join(err, s.serveErr)
}
