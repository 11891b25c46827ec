package cache

import (
	"cmp"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"time"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Defaults of Config.
const (
	// DefaultAddr is where the cache listens unless told otherwise.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultMaxBytes bounds the store when Config.MaxBytes is 0.
	DefaultMaxBytes = 64 << 20
	// DefaultMaxObjectBytes is the largest body stored when
	// Config.MaxObjectBytes is 0 (or MaxBytes, if that is smaller).
	DefaultMaxObjectBytes = 1 << 20
	// DefaultOriginTimeout bounds one exchange with the origin, body
	// included, when Config.OriginTimeout is 0.
	DefaultOriginTimeout = 30 * time.Second
)

// Config of a caching reverse proxy. The zero value of every field but
// Origin is a usable default.
type Config struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port. An
	// empty host means 127.0.0.1.
	Addr string
	// Origin is the base URL of the one server the cache fronts, such as
	// "http://127.0.0.1:9000" or "http://127.0.0.1:9000/api"; a request
	// for /x is forwarded to Origin's path joined with /x.
	Origin string
	// MaxBytes bounds the memory of the store: the sum of every entry's
	// body, header and bookkeeping bytes. Past it, the least recently used
	// entries are evicted. 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxObjectBytes is the largest response body that is stored; larger
	// ones are streamed to the client and not stored. 0 means
	// min(DefaultMaxObjectBytes, MaxBytes).
	MaxObjectBytes int64
	// Coalesce collapses concurrent misses (and revalidations) of one key
	// into one origin request whose response every waiter shares. Off,
	// every miss goes to the origin: a lab can compare the stampede at
	// expiry with and without.
	Coalesce bool
	// ServeStaleOnError serves a stored response, however stale, with
	// X-Cache: STALE when the origin cannot be reached or answers 500, 502,
	// 503 or 504, unless the response forbids it (must-revalidate,
	// proxy-revalidate, s-maxage, no-cache). Without it, only a
	// stale-if-error directive (RFC 5861) allows that, within its window.
	ServeStaleOnError bool
	// DefaultTTL is the freshness lifetime given to responses that carry
	// none (no s-maxage, max-age or Expires), for labs. 0 keeps the
	// default behaviour: such responses are not stored at all (there is no
	// heuristic freshness, RFC 9111 4.2.2).
	DefaultTTL time.Duration
	// OriginTimeout bounds one exchange with the origin for a cacheable
	// request, body included; 0 means DefaultOriginTimeout. Requests that
	// are passed through (POST, ...) are bounded by their client instead.
	OriginTimeout time.Duration
	// ErrorLog receives net/http's own errors; requests are never logged.
	// Nil discards them.
	ErrorLog *log.Logger
}

// Validate reports every problem of the configuration at once; it has no
// side effects.
func (c Config) Validate() []error {
	var errs []error
	if c.Origin == "" {
		errs = append(errs, errors.New("origin: missing; want the base URL of the origin, such as http://127.0.0.1:9000"))
	} else if _, err := parseOrigin(c.Origin); err != nil {
		errs = append(errs, err)
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("addr %q: want host:port, such as %s or 127.0.0.1:0", c.Addr, DefaultAddr))
		}
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("max bytes %d: want >= 0 (0 means %d)", c.MaxBytes, DefaultMaxBytes))
	}
	if c.MaxObjectBytes < 0 {
		errs = append(errs, fmt.Errorf("max object bytes %d: want >= 0 (0 means the default)", c.MaxObjectBytes))
	}
	if maxBytes := cmp.Or(c.MaxBytes, DefaultMaxBytes); c.MaxBytes >= 0 && c.MaxObjectBytes > maxBytes {
		errs = append(errs, fmt.Errorf("max object bytes %d: larger than max bytes %d, so such objects could never be stored", c.MaxObjectBytes, maxBytes))
	}
	if c.DefaultTTL < 0 {
		errs = append(errs, fmt.Errorf("default TTL %v: want >= 0 (0: only explicit freshness)", c.DefaultTTL))
	}
	if c.OriginTimeout < 0 {
		errs = append(errs, fmt.Errorf("origin timeout %v: want >= 0 (0 means %v)", c.OriginTimeout, DefaultOriginTimeout))
	}
	return errs
}

// parseOrigin checks the origin URL: absolute http or https, with a host,
// without query or fragment (a request's own query is what is forwarded).
func parseOrigin(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("origin %q: not a URL: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("origin %q: want an http:// or https:// URL", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("origin %q: missing host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("origin %q: want a base URL without user, query or fragment", s)
	}
	return u, nil
}

// withDefaults fills in the defaults of a valid configuration.
func (c Config) withDefaults() Config {
	c.Addr = httpserve.ListenAddr(c.Addr, DefaultAddr)
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxObjectBytes == 0 {
		c.MaxObjectBytes = min(DefaultMaxObjectBytes, c.MaxBytes)
	}
	if c.OriginTimeout == 0 {
		c.OriginTimeout = DefaultOriginTimeout
	}
	return c
}
