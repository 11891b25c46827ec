package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Bounds of the timeout of /self.
const (
	defaultSelfTimeout = 2 * time.Second
	maxSelfTimeout     = 30 * time.Second
)

// serveSelf serves GET /self?timeout=2s: while serving the request, it
// makes a request to its own server (GET /healthz) and waits at most the
// timeout for the answer, as a web app that fetches its own URLs does.
//
// On a concurrent backend the inner request is served alongside and /self
// answers 200. On a single-threaded backend it cannot be: the server is busy
// with the very connection that waits for it, so the inner request sits in
// the listen backlog until its timeout fires. That is a deadlock, broken
// only by the timeout; /self answers 504 with an explanation and counts it
// in Stats.SelfDeadlocks. A concurrent backend whose workers are all busy,
// one of them with this request, deadlocks the same way. A timeout while a
// worker is free is no deadlock, only slowness: 504, not counted.
//
// (The classic case: a bookmark server on Python's http.server without
// ThreadingMixIn, deployed, that checked a new bookmark by fetching it from
// itself.)
func (s *Server) serveSelf(w http.ResponseWriter, r *http.Request) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodResponse.write(w, r)
		return methodResponse.status
	}
	timeout := defaultSelfTimeout
	if v := r.URL.Query().Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxSelfTimeout {
			http.Error(w, fmt.Sprintf("bad parameter timeout=%q: want a duration from 1ms to %v, such as 2s", v, maxSelfTimeout), http.StatusBadRequest)
			return http.StatusBadRequest
		}
		timeout = d
	}

	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	target := s.URL() + "/healthz"
	began := time.Now()
	status, err := s.fetchSelf(ctx, target)
	took := time.Since(began).Round(time.Millisecond)

	switch {
	case err == nil:
		msg := fmt.Sprintf("self request: GET %s answered %d in %v\n", target, status, took)
		return writeText(w, http.StatusOK, msg)
	case r.Context().Err() != nil:
		return writeText(w, http.StatusServiceUnavailable, "self request interrupted: "+r.Context().Err().Error()+"\n")
	case errors.Is(err, context.DeadlineExceeded) && s.saturated():
		s.stats.selfDeadlocks.Add(1)
		return writeText(w, http.StatusGatewayTimeout, s.deadlockMessage(target, took))
	case errors.Is(err, context.DeadlineExceeded):
		return writeText(w, http.StatusGatewayTimeout, fmt.Sprintf(
			"504 self request timed out: GET %s got no answer in %v, though a worker was free: not a deadlock, the server is slow or overloaded\n", target, took))
	default:
		return writeText(w, http.StatusBadGateway, fmt.Sprintf("self request: GET %s failed after %v: %v\n", target, took, err))
	}
}

// fetchSelf does GET url and reads the whole answer.
func (s *Server) fetchSelf(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	res, err := s.self.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// saturated reports whether every worker is busy, so that a request to the
// server itself cannot be served until one frees up: always true on a
// single-threaded server while it serves /self.
func (s *Server) saturated() bool {
	p := s.pool.stats()
	return p.size > 0 && p.busy >= p.size
}

func (s *Server) deadlockMessage(target string, took time.Duration) string {
	why := fmt.Sprintf("all %d workers are busy, one of them with this very request, so the request to itself waits in the queue", s.pool.stats().size)
	if s.kind == SingleThreaded {
		why = "a single-threaded server serves one connection at a time, and it is busy with this very request, so the request to itself waits in the listen backlog"
	}
	return fmt.Sprintf("504 self-request deadlock: backend %s requested its own URL %s while serving this request and got no answer in %v: %s until the timeout breaks the deadlock. "+
		"Serve requests concurrently (a threading server, more workers), or do not call yourself while serving.\n", s.id, target, took, why)
}

// writeText answers a plain-text message and returns its status.
func writeText(w http.ResponseWriter, status int, msg string) int {
	w.Header()["Content-Type"] = hdrTextPlain
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
	return status
}
