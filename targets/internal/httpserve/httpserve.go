// Package httpserve runs the HTTP servers of the bundled targets: listen,
// serve in the background, close at once when the start context ends, and
// shut down gracefully, returning only once every goroutine of the server
// has exited.
package httpserve

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

// Timeouts of every server. There is no read or write timeout on a whole
// request: a slow client may take long to upload or download, as in real
// life.
const (
	readHeaderTimeout = 5 * time.Second
	// idleTimeout outlasts the 90 s idle timeout of Go's default transport,
	// so that clients close idle connections first and never reuse one the
	// server is closing.
	idleTimeout = 120 * time.Second
)

// Options configure a Server.
type Options struct {
	// Name begins every error, such as "auth" or "lb: router".
	Name string
	// Addr is where Start listens, after ListenAddr(Addr, DefaultAddr).
	// Serve ignores both.
	Addr        string
	DefaultAddr string
	// Handler returns the handler to serve. It is called once, before
	// serving, with the Server whose Addr and Context are already valid,
	// so that a handler can name itself by its address or tie work to the
	// server's life.
	Handler func(s *Server) http.Handler
	// ErrorLog receives net/http's own errors. Nil discards them.
	ErrorLog *log.Logger
	// HTTP1Only serves HTTP/1 alone; otherwise net/http's default
	// protocols apply.
	HTTP1Only bool
}

// Server is a running HTTP server. Its methods are safe for concurrent use.
type Server struct {
	name string
	srv  *http.Server
	addr string

	// conns counts open connections, so that Shutdown can wait for every
	// connection goroutine: ConnState adds one on StateNew, before Serve
	// can return, and removes one on StateClosed or StateHijacked.
	conns    sync.WaitGroup
	served   chan struct{} // closed when Serve has returned
	serveErr error         // read only after served is closed

	base      context.Context    // the context of every request
	cancel    context.CancelFunc // cancels base
	stopWatch func() bool        // stops closing the server when the start ctx is done
}

// Start listens on ListenAddr(o.Addr, o.DefaultAddr) and serves in the
// background, as Serve does. It fails if ctx is already done.
func Start(ctx context.Context, o Options) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", ListenAddr(o.Addr, o.DefaultAddr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Name, err)
	}
	return Serve(ctx, ln, o), nil
}

// Serve serves ln in the background until Shutdown, and owns it from now
// on.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once and the contexts of its requests are cancelled. To stop gracefully,
// call Shutdown; either way, call Shutdown to wait until every goroutine of
// the server has exited.
func Serve(ctx context.Context, ln net.Listener, o Options) *Server {
	errorLog := o.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	s := &Server{name: o.Name, addr: ln.Addr().String(), served: make(chan struct{})}
	s.base, s.cancel = context.WithCancel(ctx)
	s.srv = &http.Server{
		Handler:           o.Handler(s),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ConnState:         s.trackConn,
		ErrorLog:          errorLog,
	}
	if o.HTTP1Only {
		s.srv.Protocols = new(http.Protocols)
		s.srv.Protocols.SetHTTP1(true)
	}
	s.stopWatch = context.AfterFunc(ctx, func() { _ = s.srv.Close() })
	go s.serve(ln)
	return s
}

func (s *Server) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("%s: serve: %w", s.name, err)
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

// Addr returns the address the server listens on, such as "127.0.0.1:41234".
func (s *Server) Addr() string { return s.addr }

// Context returns the context of every request: it ends with the start
// context, when a Shutdown is cut short, and once Shutdown returns.
func (s *Server) Context() context.Context { return s.base }

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight until ctx is done; then it cancels Context and closes
// the remaining connections. It returns once Serve has returned and every
// connection's goroutine has ended. The error wraps ctx.Err() when requests
// were cut off. Shutdown may be called more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("%s: graceful shutdown cut short, requests in flight were interrupted: %w", s.name, err)
		s.cancel()
		_ = s.srv.Close()
	}
	<-s.served
	s.conns.Wait()
	s.stopWatch()
	s.cancel()
	return errors.Join(err, s.serveErr)
}

// ListenAddr applies the defaults to a configured listen address: empty
// means defaultAddr, and an empty host 127.0.0.1, so that nothing listens
// on every interface unless told to (0.0.0.0 or [::]). An address that is
// not host:port is returned as is, for the listener to refuse.
func ListenAddr(addr, defaultAddr string) string {
	if addr == "" {
		return defaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
