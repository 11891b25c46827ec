package static

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
	"time"
)

// Timeouts of the static target. There is no timeout on a whole request:
// a slow client may take long to download a large file, as in real life.
const (
	readHeaderTimeout = 5 * time.Second
	// idleTimeout outlasts the 90 s idle timeout of Go's default transport,
	// so that clients close idle connections first and never reuse one the
	// server is closing.
	idleTimeout = 120 * time.Second
)

// Server is a running static target. It serves
//
//	GET, HEAD /__stampede/stats   the counters as JSON (see Stats)
//	GET, HEAD any other path      a file, or 400, 401, 404
//
// and 405 to other methods. Every response carries X-Backend: ID. Its
// methods are safe for concurrent use.
type Server struct {
	srv   *http.Server
	addr  string
	h     *handler
	files *files

	// conns counts open connections, so that Shutdown can wait for every
	// connection goroutine: ConnState adds one on StateNew, before Serve
	// can return, and removes one on StateClosed or StateHijacked.
	conns    sync.WaitGroup
	served   chan struct{} // closed when Serve has returned
	serveErr error         // read only after served is closed

	cancel    context.CancelFunc // cancels the context of every request
	stopWatch func() bool        // stops closing the server when Start's ctx is done
}

// Start checks cfg, opens Dir, hashes the generated files, listens and
// serves in the background; it returns once the listener is bound, so Addr
// is valid.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once. To stop gracefully, call Shutdown. Either way, call Shutdown to wait
// until every goroutine of the server has exited and to close Dir.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("static: %w", errors.Join(errs...))
	}
	fset, err := newFiles(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listenAddr(cfg.Addr))
	if err != nil {
		fset.close()
		return nil, fmt.Errorf("static: %w", err)
	}
	base, cancel := context.WithCancel(ctx)
	s := &Server{addr: ln.Addr().String(), files: fset, served: make(chan struct{}), cancel: cancel}
	id := cfg.ID
	if id == "" {
		id = s.addr
	}
	s.h = &handler{id: []string{id}, files: fset, rules: slices.Clone(cfg.CacheControl), authorize: cfg.Authorizer}
	errorLog := cfg.ErrorLog
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	s.srv = &http.Server{
		Handler:           s.h,
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
		s.serveErr = fmt.Errorf("static: serve: %w", err)
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

// URL returns the base URL of the server, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.addr }

// Stats returns the counters so far. A request is counted when its handler
// returns, which may be just after the client has read the whole response.
func (s *Server) Stats() Stats { return s.h.snapshot() }

// Handler returns the server's handler, to mount it elsewhere as well (an
// httptest TLS server, a topology's mux); it shares the files and counters
// of s and stays usable until Shutdown closes Dir.
func (s *Server) Handler() http.Handler { return s.h }

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight until ctx is done; then it closes the remaining
// connections. It returns once every goroutine of the server has exited,
// and closes Dir. The error wraps ctx.Err() when requests were cut off.
// Shutdown may be called more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("static: graceful shutdown cut short, requests in flight were interrupted: %w", err)
		s.cancel()
		_ = s.srv.Close()
	}
	<-s.served
	s.conns.Wait()
	s.stopWatch()
	s.cancel()
	return errors.Join(err, s.serveErr, s.files.close())
}
