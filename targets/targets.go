package targets

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/stampede-lab/stampede/targets/backend"
)

// DefaultAddr is where the concurrent target listens unless told otherwise.
const DefaultAddr = backend.DefaultAddr

// Limits of simulated work, for WorkSpec and for the /work query.
const (
	// MaxSleep is the longest service time a request may ask for.
	MaxSleep = backend.MaxSleep
	// MaxSize is the largest response body a request may ask for.
	MaxSize = backend.MaxSize
)

// WorkSpec is the simulated work of one request to /work: wait Sleep, then
// answer Status with a body of Size bytes. It lives in package backend,
// where the query ?sleep=&size=&status= is parsed into it.
type WorkSpec = backend.WorkSpec

// Server is a running target; see backend.Server.
type Server = backend.Server

// Config of the concurrent target: the few settings of `stampede serve
// concurrent`. For work models, workers, faults or a single-threaded
// server, use backend.Config.
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

// Start starts the concurrent target: a backend.Server of kind
// backend.Concurrent, ID backend.DefaultID, no worker limit, whose /work
// does cfg.Work. It returns once the listener is bound; ctx bounds the
// server's life as for backend.Start, and Shutdown stops it.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.Work.Validate(); err != nil {
		return nil, fmt.Errorf("targets: concurrent target: %w", err)
	}
	return backend.Start(ctx, backend.Config{
		Kind:     backend.Concurrent,
		Addr:     cfg.Addr,
		Default:  cfg.Work.Model(),
		ErrorLog: cfg.ErrorLog,
	})
}

// NewWorkHandler returns the handler of /work on its own, to be mounted in
// other servers; see backend.NewWorkHandler.
func NewWorkHandler(def WorkSpec) http.Handler { return backend.NewWorkHandler(def) }
