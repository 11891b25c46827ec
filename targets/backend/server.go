package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// readHeaderTimeout bounds the reading of a request's headers on a
// concurrent backend. There is no read or write timeout on the whole
// request: a request may upload a large body, sleep up to MaxSleep and then
// download up to MaxSize.
const readHeaderTimeout = 5 * time.Second

// Server is a running backend: an HTTP/1.1 server with keep-alive that
// answers X-Backend: ID on every response and serves
//
//	GET /                  200, a short text naming the backend
//	GET /healthz           200 "ok"
//	/work                  the Default work model, any method
//	each Endpoints path    its work model, any method
//	GET /self?timeout=2s   a request to the server itself, GET /healthz: 200 if
//	                       answered; 504 if not within the timeout, a deadlock
//	                       when all workers are busy (always, single-threaded)
//	GET /__stampede/stats  Stats as JSON
//	POST /__stampede/fault?action=kill|restart|hang|unhang|slow&duration=D|
//	                       error_rate&p=P|workers&n=K|heal
//	                       the fault methods below, over HTTP; also on AdminAddr
//
// and 404 on any other path. GET routes accept HEAD too, and answer other
// methods with 405. Every route but the admin ones goes through the same
// steps: read the request body, wait while hung, queue for a worker, then
// serve; Slow and SetErrorRate apply to / , /healthz and the work models.
//
// Its methods are safe for concurrent use.
type Server struct {
	id    string
	idHdr []string // X-Backend value
	kind  Kind
	addr  string

	ln        *listener
	srv       *http.Server
	admin     *adminServer // nil without AdminAddr
	pool      *pool
	faults    faults
	stats     *counters
	rand      *randSource
	endpoints map[string]*endpoint // by exact path, /work included
	root      *staticResponse
	self      *http.Client // for /self

	// conns counts open connections: ConnState adds one on StateNew, which
	// Serve reports before it can return, and removes one on StateClosed
	// or StateHijacked, which the connection's goroutine reports as it ends.
	// Shutdown waits on it only after Serve has returned, so every Add
	// happens before the Wait.
	conns  sync.WaitGroup
	served chan struct{} // closed when Serve has returned
	// serveErr is what Serve returned, unless ErrServerClosed; read it only
	// after served is closed.
	serveErr error

	cancel    context.CancelFunc // cancels the context of every request
	stopWatch func() bool        // stops closing the server when Start's ctx is done
}

// Start validates cfg, listens and serves in the background; it returns
// once the listeners are bound, so Addr is valid.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once (listeners and connections), and requests in flight see their
// context cancelled. To stop gracefully, call Shutdown. Either way, call
// Shutdown to wait until every goroutine of the server has exited.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	return start(ctx, cfg, nil)
}

// start is Start with wrap, when not nil, around the main handler, so that
// tests can see requests come and go.
func start(ctx context.Context, cfg Config, wrap func(http.Handler) http.Handler) (*Server, error) {
	name := cfg.ID
	if name == "" {
		name = DefaultID
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("backend %s: %w", name, err)
	}
	if errs := cfg.Validate(); errs != nil {
		return nil, fmt.Errorf("backend %s: %w", name, errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	s, err := newServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("backend %s: %w", name, err)
	}
	addr, _ := listenAddr(cfg.Addr) // valid: checked by Validate
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("backend %s: %w", name, err)
	}
	s.ln = newListener(ln, cfg.Kind == SingleThreaded)
	s.addr = s.ln.addr
	if cfg.AdminAddr != "" {
		if s.admin, err = startAdmin(ctx, s, cfg); err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("backend %s: admin %w", name, err)
		}
	}

	base, cancel := context.WithCancel(ctx)
	s.cancel = cancel
	s.srv = s.httpServer(cfg, base)
	if wrap != nil {
		s.srv.Handler = wrap(s.srv.Handler)
	}
	s.stopWatch = context.AfterFunc(ctx, func() { _ = s.srv.Close() })
	go s.serve()
	return s, nil
}

// newServer builds a server's parts from a valid cfg with defaults, before
// anything is bound.
func newServer(cfg Config) (*Server, error) {
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64() | 1
	}
	s := &Server{
		id:        cfg.ID,
		idHdr:     []string{cfg.ID},
		kind:      cfg.Kind,
		pool:      newPool(cfg.Workers),
		stats:     newCounters(),
		rand:      newRandSource(seed),
		endpoints: make(map[string]*endpoint, len(cfg.Endpoints)+1),
		root:      newStaticResponse(http.StatusOK, fmt.Sprintf("stampede backend %s (%s)\n", cfg.ID, cfg.Kind)),
		served:    make(chan struct{}),
		// Keep-alive off: every /self request dials, so on a
		// single-threaded server it queues behind the connection that made
		// it, and no idle connection outlives Shutdown.
		self: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	}
	e := &env{rand: s.rand, faults: &s.faults, stats: s.stats}
	models := map[string]WorkModel{"/work": cfg.Default}
	for p, m := range cfg.Endpoints {
		models[p] = m
	}
	for p, m := range models {
		pl, err := newPlan(m)
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", p, err)
		}
		s.endpoints[p] = &endpoint{plan: pl, env: e}
	}
	return s, nil
}

func (s *Server) httpServer(cfg Config, base context.Context) *http.Server {
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	headerTimeout := readHeaderTimeout
	if cfg.Kind == SingleThreaded {
		// Waiting for a first request holds the whole server, as idling
		// between requests does.
		headerTimeout = cfg.IdleTimeout
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	return &http.Server{
		Handler:           mainHandler{s},
		Protocols:         &protocols,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(s.rand.connContext(ctx), connKey{}, c)
		},
		ConnState: s.trackConn,
		ErrorLog:  errorLog,
	}
}

// connKey is the context key of a request's connection, so that an admin
// kill can spare the connection that asked for it.
type connKey struct{}

func (s *Server) serve() {
	defer close(s.served)
	if err := s.srv.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("backend %s: serve: %w", s.id, err)
	}
}

func (s *Server) trackConn(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Done()
	}
}

// Addr returns the address the server listens on, such as
// "127.0.0.1:41234"; it stays the same across Kill and Restart.
func (s *Server) Addr() string { return s.addr }

// URL returns the base URL of the server, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.addr }

// AdminURL returns the base URL of the admin address, or "" without one.
func (s *Server) AdminURL() string {
	if s.admin == nil {
		return ""
	}
	return "http://" + s.admin.addr
}

// ID returns the server's ID, as in its X-Backend header.
func (s *Server) ID() string { return s.id }

// Kind returns how the server serves connections.
func (s *Server) Kind() Kind { return s.kind }

// Requests returns how many requests have left the server so far, whatever
// their outcome (including 4xx, injected faults and requests whose client
// went away), not counting the admin endpoints. A request is counted when
// its handler returns.
func (s *Server) Requests() uint64 { return s.stats.requests.Load() }

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight to finish, until ctx is done; then it closes the
// remaining connections and cancels their requests' contexts. It returns
// once the listeners and every connection are closed and every handler has
// returned, so the server's goroutines are gone. The error wraps ctx.Err()
// when requests had to be cut off. Shutdown may be called more than once.
//
// A hung server's requests never finish on their own: switch Hang off
// first, or expect them to be cut off.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("backend %s: graceful shutdown cut short, requests in flight were interrupted: %w", s.id, err)
		s.cancel()
		_ = s.srv.Close() // its only error is from closing the listener, which Shutdown closed
	}
	<-s.served
	s.conns.Wait()
	s.stopWatch()
	s.cancel()
	s.self.CloseIdleConnections()
	if s.admin != nil {
		err = errors.Join(err, s.admin.shutdown(ctx))
	}
	return errors.Join(err, s.serveErr)
}
