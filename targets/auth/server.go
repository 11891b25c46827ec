package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Server is a running auth target. It serves
//
//	GET  /                a line naming the target
//	POST /login           form or JSON {"user", "password"}: 200 LoginResponse, 401
//	GET  /me              200 Identity, or 401
//	any  /api/...         200 Identity with the path, or 401; ?sleep=5ms simulates work
//	POST /logout          204
//	GET  /__stampede/stats  Stats as JSON
//
// Every response carries X-Backend: ID; every 401 says its Reason. Its
// methods are safe for concurrent use.
type Server struct {
	hs *httpserve.Server
	h  *handler
}

// Start checks cfg, listens and serves in the background; it returns once
// the listener is bound, so Addr is valid.
//
// ctx bounds the life of the server: when ctx is done, the server closes at
// once. To stop gracefully, call Shutdown. Either way, call Shutdown to
// wait until every goroutine of the server has exited. Shutdown does not
// close cfg.Store: the caller owns it, as other instances may share it.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, fmt.Errorf("auth: %w", errors.Join(errs...))
	}
	cfg = cfg.withDefaults()
	s := &Server{}
	hs, err := httpserve.Start(ctx, httpserve.Options{
		Name:        "auth",
		Addr:        cfg.Addr,
		DefaultAddr: DefaultAddr,
		ErrorLog:    cfg.ErrorLog,
		Handler: func(srv *httpserve.Server) http.Handler {
			id := cfg.ID
			if id == "" {
				id = srv.Addr()
			}
			s.h = newHandler(cfg, id)
			return s.h
		},
	})
	if err != nil {
		return nil, err
	}
	s.hs = hs
	return s, nil
}

// Addr returns the address the server listens on, such as "127.0.0.1:41234".
func (s *Server) Addr() string { return s.hs.Addr() }

// URL returns the base URL of the server, such as "http://127.0.0.1:41234".
func (s *Server) URL() string { return "http://" + s.hs.Addr() }

// Stats returns the counters so far, asking the store for its live
// sessions (for at most 2 s).
func (s *Server) Stats() Stats { return s.h.snapshot(context.Background()) }

// Handler returns the server's handler, to mount it elsewhere as well (an
// httptest TLS server, a topology's mux); it shares the store, secret and
// counters of s.
func (s *Server) Handler() http.Handler { return s.h }

// Authorizer returns a function that reports whether a request carries a
// login this server would accept: a live session cookie (looked up in its
// store) or a valid bearer token. Give it to another target, such as the
// static target's /private/. It counts nothing in s's stats, and reports
// false when the store fails.
func (s *Server) Authorizer() func(*http.Request) bool {
	return func(r *http.Request) bool {
		user, reason, err := s.h.authenticate(r)
		return err == nil && reason == "" && user != ""
	}
}

// Shutdown stops accepting connections, closes idle ones and waits for
// requests in flight until ctx is done; then it closes the remaining
// connections. It returns once every goroutine of the server has exited.
// The error wraps ctx.Err() when requests were cut off. Shutdown may be
// called more than once.
func (s *Server) Shutdown(ctx context.Context) error { return s.hs.Shutdown(ctx) }
