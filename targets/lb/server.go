package lb

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// startHTTP listens on addr and serves h in the background, HTTP/1.1 only.
// When ctx is done the server closes at once; Shutdown still has to be
// called, and returns only once all of the server's goroutines are gone.
func startHTTP(ctx context.Context, name, addr string, h http.Handler, errorLog *log.Logger) (*httpserve.Server, error) {
	ln, err := listen(ctx, name, addr)
	if err != nil {
		return nil, err
	}
	return httpserve.Serve(ctx, ln, httpserve.Options{
		Name:      "lb: " + name,
		Handler:   func(*httpserve.Server) http.Handler { return h },
		ErrorLog:  errorLog,
		HTTP1Only: true,
	}), nil
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
