package lb

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

// Timeouts of the balancer's own HTTP server. There is no read or write
// timeout on a whole request: a proxied request may be a long upload or a
// slow backend.
const (
	readHeaderTimeout = 5 * time.Second
	idleTimeout       = 120 * time.Second
)

// httpServer is an HTTP/1.1 server on 127.0.0.1 whose Shutdown returns only
// once all of its goroutines are gone, as the concurrent target's.
type httpServer struct {
	name string
	srv  *http.Server
	addr string

	// conns counts open connections, so shutdown can wait for their
	// goroutines; see targets.Server.
	conns     sync.WaitGroup
	served    chan struct{}
	serveErr  error // read after served is closed
	cancel    context.CancelFunc
	stopWatch func() bool
}

// startHTTP listens on addr and serves h in the background. When ctx is
// done the server closes at once; shutdown still has to be called.
func startHTTP(ctx context.Context, name, addr string, h http.Handler, errorLog *log.Logger) (*httpServer, error) {
	ln, err := listen(ctx, name, addr)
	if err != nil {
		return nil, err
	}
	if errorLog == nil {
		errorLog = log.New(io.Discard, "", 0)
	}
	base, cancel := context.WithCancel(ctx)
	s := &httpServer{
		name:   name,
		addr:   ln.Addr().String(),
		served: make(chan struct{}),
		cancel: cancel,
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	s.srv = &http.Server{
		Handler:           h,
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

// listen binds addr (defaults applied) for a server called name.
func listen(ctx context.Context, name, addr string) (net.Listener, error) {
	addr, err := listenAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("lb: %s: address %w", name, err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("lb: %s: %w", name, err)
	}
	return ln, nil
}

func (s *httpServer) serve(ln net.Listener) {
	defer close(s.served)
	if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.serveErr = fmt.Errorf("lb: %s: serve: %w", s.name, err)
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

// shutdown stops accepting, waits for requests in flight until ctx is
// done, then cuts the rest off; it returns once every connection's
// goroutine has ended. The error wraps ctx.Err() if requests were cut off.
func (s *httpServer) shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = fmt.Errorf("lb: %s: graceful shutdown cut short, requests in flight were interrupted: %w", s.name, err)
		s.cancel()
		_ = s.srv.Close()
	}
	<-s.served
	s.conns.Wait()
	s.stopWatch()
	s.cancel()
	return errors.Join(err, s.serveErr)
}
