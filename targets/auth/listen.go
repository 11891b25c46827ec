package auth

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

// Timeouts of the servers of this package.
const (
	readHeaderTimeout = 5 * time.Second
	// idleTimeout outlasts the 90 s idle timeout of Go's default transport,
	// so that clients close idle connections first and never reuse one the
	// server is closing.
	idleTimeout = 120 * time.Second
)

// httpServer is the listener and goroutine bookkeeping that Server and
// StoreServer share: serve in the background, stop on ctx or Shutdown, and
// wait for every goroutine.
type httpServer struct {
	name string // for errors, such as "auth"
	srv  *http.Server
	addr string

	// conns counts open connections, so that shutdown can wait for every
	// connection goroutine: ConnState adds one on StateNew, before Serve
	// can return, and removes one on StateClosed or StateHijacked.
	conns    sync.WaitGroup
	served   chan struct{} // closed when Serve has returned
	serveErr error         // read only after served is closed

	base      context.Context    // the context of every request
	cancel    context.CancelFunc // cancels base
	stopWatch func() bool        // stops closing the server when Start's ctx is done
}

// listen binds addr and serves the handler that newHandler builds from the
// bound address, in the background.
func listen(ctx context.Context, name, addr string, errorLog *log.Logger, newHandler func(addr string) http.Handler) (*httpServer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	s := &httpServer{name: name, addr: ln.Addr().String(), served: make(chan struct{})}
	s.base, s.cancel = context.WithCancel(ctx)
	s.srv = &http.Server{
		Handler:           newHandler(s.addr),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ConnState:         s.trackConn,
		ErrorLog:          errorLog,
	}
	s.stopWatch = context.AfterFunc(ctx, func() { _ = s.srv.Close() })
	go s.serve(ln)
	return s, nil
}

func (s *httpServer) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("%s: serve: %w", s.name, err)
	}
}

func (s *httpServer) trackConn(_ net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		s.conns.Add(1)
	case http.StateClosed, http.StateHijacked:
		s.conns.Done()
	}
}

// shutdown stops gracefully until ctx is done, then closes what is left,
// and waits for every goroutine.
func (s *httpServer) shutdown(ctx context.Context) error {
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

// listenAddr applies the defaults to a configured address.
func listenAddr(addr string) string {
	if addr == "" {
		return DefaultAddr
	}
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
