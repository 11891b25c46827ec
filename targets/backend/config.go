package backend

import (
	"fmt"
	"log"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Kind is how a backend serves connections.
type Kind string

// The kinds of backend.
const (
	// Concurrent serves every connection on its own goroutine (net/http),
	// with an optional limit of Workers requests in service at once.
	Concurrent Kind = "concurrent"
	// SingleThreaded serves one connection at a time, to the end, before
	// it accepts the next, like Python's http.server.HTTPServer without
	// ThreadingMixIn: a keep-alive client holds the whole server.
	SingleThreaded Kind = "single-threaded"
)

// Defaults of Config.
const (
	DefaultID   = "b1"
	DefaultAddr = "127.0.0.1:8080"
	// DefaultIdleTimeout of a concurrent backend outlasts the 90 s idle
	// timeout of Go's default transport, so that clients close idle
	// connections before the server does and do not race it by reusing a
	// connection being closed.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultSingleIdleTimeout of a single-threaded backend is short: an
	// idle keep-alive connection blocks every other client until it ends.
	DefaultSingleIdleTimeout = 5 * time.Second
)

// Config of a backend. The zero Config is a concurrent backend "b1" on
// DefaultAddr, serving /work with the zero WorkModel.
type Config struct {
	// ID names the backend in the X-Backend header of every response and
	// in Stats; default DefaultID.
	ID string
	// Kind is Concurrent (the default) or SingleThreaded.
	Kind Kind
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port. An
	// empty host means 127.0.0.1: to listen on every interface, say 0.0.0.0
	// or [::].
	Addr string
	// Workers limits a concurrent backend to that many requests in service
	// at once, the rest waiting in order: the size of the instance. 0 means
	// no limit. A single-threaded backend has one worker; leave it 0 or 1.
	Workers int
	// Endpoints maps exact paths to their work models, such as
	// "/api/search". "/" and "/work" may be set; /healthz, /self and
	// /__stampede/... are the server's own.
	Endpoints map[string]WorkModel
	// Default is the work model of /work, unless Endpoints sets /work.
	Default WorkModel
	// Seed seeds every random draw (service times, injected faults); 0
	// picks one at random, shown in Stats so that a run can be replayed.
	Seed uint64
	// IdleTimeout closes a keep-alive connection idle that long; default
	// DefaultIdleTimeout, or DefaultSingleIdleTimeout for a single-threaded
	// backend, where it also bounds the wait for a first request.
	IdleTimeout time.Duration
	// AdminAddr, when set, is a second address serving only the admin
	// endpoints (/__stampede/...). Unlike the main address, it stays up
	// while the backend is killed, so a killed backend can be restarted
	// over HTTP.
	AdminAddr string
	// ErrorLog receives net/http's own errors (accept errors, malformed
	// requests); requests themselves are never logged. Nil discards them.
	ErrorLog *log.Logger
}

// reserved paths are served by the server itself.
var reserved = []string{"/healthz", "/self"}

const adminPrefix = "/__stampede/"

// Validate reports every problem with c, or nil. It does not bind any
// address.
func (c Config) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.ContainsFunc(c.ID, func(r rune) bool { return r < ' ' || r > '~' }) {
		bad("id %q: want printable ASCII, as it goes in a header", c.ID)
	}
	switch c.Kind {
	case "", Concurrent:
		if c.Workers < 0 {
			bad("workers %d: want 0 (no limit) or more", c.Workers)
		}
	case SingleThreaded:
		if c.Workers != 0 && c.Workers != 1 {
			bad("workers %d: a single-threaded backend has one worker; leave workers 0", c.Workers)
		}
	default:
		bad("kind %q: want %s or %s", string(c.Kind), Concurrent, SingleThreaded)
	}
	if _, err := listenAddr(c.Addr); err != nil {
		errs = append(errs, err)
	}
	if c.AdminAddr != "" {
		if _, err := listenAddr(c.AdminAddr); err != nil {
			errs = append(errs, fmt.Errorf("admin %w", err))
		}
	}
	if c.IdleTimeout < 0 {
		bad("idle timeout %v: want 0 (the default) or more", c.IdleTimeout)
	}
	for _, p := range slices.Sorted(maps.Keys(c.Endpoints)) { // errors in a stable order
		switch {
		case !strings.HasPrefix(p, "/"):
			bad("endpoint %q: want a path starting with /", p)
		case strings.HasPrefix(p, adminPrefix) || p == strings.TrimSuffix(adminPrefix, "/"):
			bad("endpoint %q: %s is reserved for the admin endpoints", p, adminPrefix)
		case slices.Contains(reserved, p):
			bad("endpoint %q: reserved; the server serves it itself", p)
		}
		for _, err := range c.Endpoints[p].Validate() {
			bad("endpoint %s: %w", p, err)
		}
	}
	for _, err := range c.Default.Validate() {
		bad("default: %w", err)
	}
	return errs
}

// withDefaults returns c with its defaults filled in.
func (c Config) withDefaults() Config {
	if c.ID == "" {
		c.ID = DefaultID
	}
	if c.Kind == "" {
		c.Kind = Concurrent
	}
	if c.Kind == SingleThreaded {
		c.Workers = 1
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
		if c.Kind == SingleThreaded {
			c.IdleTimeout = DefaultSingleIdleTimeout
		}
	}
	return c
}

// listenAddr applies the defaults to a configured address.
func listenAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", fmt.Errorf("address %q: want host:port, such as %s or 127.0.0.1:0", addr, DefaultAddr)
	}
	return httpserve.ListenAddr(addr, DefaultAddr), nil
}
