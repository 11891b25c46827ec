package static

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Server is a running static target. It serves
//
//	GET, HEAD /__stampede/stats   the counters as JSON (see Stats)
//	GET, HEAD any other path      a file, or 400, 401, 404
//
// and 405 to other methods. Every response carries X-Backend: ID. Its
// methods are safe for concurrent use.
type Server struct {
	hs    *httpserve.Server
	h     *handler
	files *files
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
	s := &Server{files: fset}
	hs, err := httpserve.Start(ctx, httpserve.Options{
		Name:     "static",
		Addr:     listenAddr(cfg.Addr),
		ErrorLog: cfg.ErrorLog,
		Handler: func(srv *httpserve.Server) http.Handler {
			id := cfg.ID
			if id == "" {
				id = srv.Addr()
			}
			s.h = &handler{id: []string{id}, files: fset, rules: slices.Clone(cfg.CacheControl), authorize: cfg.Authorizer}
			return s.h
		},
	})
	if err != nil {
		fset.close()
		return nil, err
	}
	s.hs = hs
	return s, nil
}

// Addr returns the address the server listens on, such as "127.0.0.1:41234".
func (s *Server) Addr() string { return s.hs.Addr() }

// URL returns the base URL of the server, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.hs.Addr() }

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
	return errors.Join(s.hs.Shutdown(ctx), s.files.close())
}
