package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAddr is where the concurrent target listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Timeouts of the concurrent target. There is no read or write timeout on
// the whole request: a request may upload a large body, sleep up to MaxSleep
// and then download up to MaxSize.
const (
	readHeaderTimeout = 5 * time.Second
	// idleTimeout outlasts the 90 s idle timeout of Go's default transport,
	// so that clients close idle connections before the server does and do
	// not race it by reusing a connection being closed.
	idleTimeout = 120 * time.Second
)

// Config of the concurrent target.
type Config struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port. An
	// empty host means 127.0.0.1: to listen on every interface, say 0.0.0.0
	// or [::].
	Addr string
	// Work is the default simulated work applied to /work when the query
	// does not say otherwise.
	Work WorkSpec
	// ErrorLog receives net/http's own errors (accept errors such as running
	// out of file descriptors, malformed requests); requests themselves are
	// never logged. Nil discards them.
	ErrorLog *log.Logger
}

// Server is a running concurrent target: an HTTP/1.1 server with one
// goroutine per connection and keep-alive on. It serves
//
//	GET /         200, a short text naming the target
//	GET /healthz  200 "ok"
//	/work         simulated work, any method; see NewWorkHandler
//
// and 404 on any other path. GET routes accept HEAD too, and answer other
// methods with 405.
//
// Its methods are safe for concurrent use.
type Server struct {
	srv      *http.Server
	addr     string
	requests atomic.Uint64

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

// Start listens and serves in the background; it returns once the listener
// is bound, so Addr is valid.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once (listener and connections), and requests in flight see their context
// cancelled. To stop gracefully, call Shutdown. Either way, call Shutdown to
// wait until every goroutine of the server has exited.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	return start(ctx, cfg, nil)
}

// start is Start with wrap, when not nil, around the server's handler, so
// that tests can see requests come and go.
func start(ctx context.Context, cfg Config, wrap func(http.Handler) http.Handler) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("targets: concurrent target: %w", err)
	}
	if err := cfg.Work.Validate(); err != nil {
		return nil, fmt.Errorf("targets: concurrent target: %w", err)
	}
	addr, err := listenAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("targets: concurrent target: %w", err)
	}

	base, cancel := context.WithCancel(ctx)
	s := &Server{
		addr:   ln.Addr().String(),
		served: make(chan struct{}),
		cancel: cancel,
	}
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	var handler http.Handler = &router{
		work:     NewWorkHandler(cfg.Work),
		requests: &s.requests,
	}
	if wrap != nil {
		handler = wrap(handler)
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	s.srv = &http.Server{
		Handler:           handler,
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

// listenAddr applies the defaults to a configured address.
func listenAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("targets: concurrent target: address %q: want host:port, such as %s or 127.0.0.1:0", addr, DefaultAddr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func (s *Server) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("targets: concurrent target: serve: %w", err)
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
// "127.0.0.1:41234".
func (s *Server) Addr() string { return s.addr }

// URL returns the base URL of the server, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.addr }

// Requests returns how many requests the server has finished handling so
// far, whatever their outcome (including 4xx and requests whose client went
// away). A request is counted when its handler returns.
func (s *Server) Requests() uint64 { return s.requests.Load() }

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight to finish, until ctx is done; then it closes the
// remaining connections and cancels their requests' contexts. It returns
// once the listener and every connection are closed and every handler has
// returned, so the server's goroutines are gone. The error wraps ctx.Err()
// when requests had to be cut off. Shutdown may be called more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("targets: concurrent target: graceful shutdown cut short, requests in flight were interrupted: %w", err)
		s.cancel()
		_ = s.srv.Close() // its only error is from closing the listener, which Shutdown closed
	}
	<-s.served
	s.conns.Wait()
	s.stopWatch()
	s.cancel()
	return errors.Join(err, s.serveErr)
}

// router dispatches the concurrent target's few paths with a switch, which
// allocates nothing, and counts requests.
type router struct {
	work     http.Handler
	requests *atomic.Uint64
}

var (
	rootResponse     = newStaticResponse(http.StatusOK, "stampede target: concurrent\n")
	healthzResponse  = newStaticResponse(http.StatusOK, "ok")
	notFoundResponse = newStaticResponse(http.StatusNotFound, "404 page not found\n")
	methodResponse   = func() *staticResponse {
		r := newStaticResponse(http.StatusMethodNotAllowed, "405 method not allowed: use GET or HEAD\n")
		r.allow = hdrAllowGetHead
		return r
	}()
)

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/work":
		rt.work.ServeHTTP(w, r)
	case "/":
		serveGet(w, r, rootResponse)
	case "/healthz":
		serveGet(w, r, healthzResponse)
	default:
		notFoundResponse.write(w, r)
	}
	rt.requests.Add(1)
}

// serveGet writes resp to a GET or HEAD request, and 405 to any other.
func serveGet(w http.ResponseWriter, r *http.Request, resp *staticResponse) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		resp = methodResponse
	}
	resp.write(w, r)
}

var _ http.Handler = (*router)(nil)
