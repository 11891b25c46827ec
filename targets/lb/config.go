package lb

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// DefaultAddr is where a balancer or router listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Modes of a balancer.
const (
	ModeL7 = "l7" // HTTP reverse proxy; the default
	ModeL4 = "l4" // TCP splicing, one backend per connection
)

// Defaults applied to zero fields of HealthCheck and Passive.
const (
	DefaultHealthPath      = "/"
	DefaultHealthTimeout   = time.Second
	DefaultHealthy         = 2
	DefaultUnhealthy       = 2
	DefaultPassiveFailures = 3
	DefaultPassiveCooldown = 10 * time.Second
)

// MaxWeight bounds Backend.Weight, so that the sums of the weighted policies
// cannot overflow.
const MaxWeight = 1_000_000

// Backend is one server of a pool, as configured.
type Backend struct {
	// ID names the backend in stats and in Drain and friends; it must be
	// unique in its pool. Empty means the host:port of URL.
	ID string `json:"id"`
	// URL is the backend's base URL, such as http://127.0.0.1:9001. In L7
	// mode its path, if any, is prepended to every request's path. In L4
	// mode only its host:port matters, and a bare host:port or tcp://
	// URL is accepted too.
	URL string `json:"url"`
	// Weight is the backend's share relative to the others, used by
	// weighted, random, ip-hash, least-conn, least-time and p2c; zero
	// means 1. Must be in [0, MaxWeight].
	Weight int `json:"weight"`
}

// HealthCheck configures active health checks. A zero Interval turns them
// off: every backend then counts as healthy, and only passive ejection
// takes it out.
type HealthCheck struct {
	// Interval between two checks of one backend; each backend has its
	// own ticker, and the first check runs at start.
	Interval time.Duration `json:"interval"`
	// Timeout of one check; zero means the smaller of DefaultHealthTimeout
	// and Interval.
	Timeout time.Duration `json:"timeout"`
	// Path is requested with GET; a 2xx or 3xx answer is a pass. Empty
	// means DefaultHealthPath in L7 mode, and a bare TCP connect in L4
	// mode.
	Path string `json:"path"`
	// Healthy and Unhealthy are how many consecutive passes put a backend
	// back and how many consecutive failures take it out; zero means
	// DefaultHealthy and DefaultUnhealthy.
	Healthy   int `json:"healthy"`
	Unhealthy int `json:"unhealthy"`
}

// Passive configures passive ejection: Failures consecutive transport
// errors (refused or reset connections, not HTTP statuses) take a backend
// out for Cooldown. Zero fields take DefaultPassiveFailures and
// DefaultPassiveCooldown; a negative Failures turns ejection off.
type Passive struct {
	Failures int           `json:"failures"`
	Cooldown time.Duration `json:"cooldown"`
}

// Config of a Balancer. Every field but Backends has a usable zero value.
type Config struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port,
	// and an empty host means 127.0.0.1.
	Addr string
	// Mode is ModeL7 (default) or ModeL4.
	Mode string
	// Policy is one of Policies(); default round-robin.
	Policy   string
	Backends []Backend
	Health   HealthCheck
	Passive  Passive
	// ClientIPHeader, when set, names a request header (such as
	// X-Forwarded-For or X-Client-IP) whose first comma-separated value is
	// the client address that ip-hash hashes, so that a test on one machine
	// can play many clients. It is trusted blindly: set it only in front of
	// clients you control. Without it, or without the header in a request,
	// the TCP peer's IP is used. Ignored in L4 mode.
	ClientIPHeader string
	// StatsAddr, when set, serves the stats JSON on this address too. L7
	// serves them on Addr anyway (StatsPath); in L4 mode, where Addr only
	// splices bytes, this is the only way to read them over HTTP.
	StatsAddr string
	// ErrorLog receives net/http's server errors and health transitions;
	// nil discards them. Requests are never logged.
	ErrorLog *log.Logger
}

// Validate reports every problem of c at once, each naming its field. It
// has no side effects.
func (c Config) Validate() []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if err := checkAddr(c.Addr); err != nil {
		add("addr", "%v", err)
	}
	if c.StatsAddr != "" {
		if err := checkAddr(c.StatsAddr); err != nil {
			add("stats_addr", "%v", err)
		}
	}
	switch c.Mode {
	case "", ModeL7, ModeL4:
	default:
		add("mode", "%q is not a mode: want %q or %q", c.Mode, ModeL7, ModeL4)
	}
	if c.ClientIPHeader != "" && !validHeaderName(c.ClientIPHeader) {
		add("client_ip_header", "%q is not a valid header name", c.ClientIPHeader)
	}
	errs = append(errs, validatePool("", c.Mode, c.Policy, c.Backends)...)
	errs = append(errs, c.Health.validate("health")...)
	return errs
}

// validatePool checks a policy and a list of backends; prefix is put in
// front of every field name.
func validatePool(prefix, mode, policy string, backends []Backend) []error {
	var errs []error
	if policy != "" && !knownPolicy(policy) {
		errs = append(errs, fmt.Errorf("%spolicy: %q is not a policy: want one of %s",
			prefix, policy, strings.Join(Policies(), ", ")))
	}
	if len(backends) == 0 {
		errs = append(errs, fmt.Errorf("%sbackends: none given: want at least one", prefix))
	}
	seen := make(map[string]int, len(backends))
	for i, b := range backends {
		field := fmt.Sprintf("%sbackends[%d]", prefix, i)
		if err := b.validate(mode); err != nil {
			errs = append(errs, fmt.Errorf("%s.%w", field, err))
			continue
		}
		id := b.id(mode)
		if j, dup := seen[id]; dup {
			errs = append(errs, fmt.Errorf("%s.id: %q is already the ID of backends[%d]: IDs must be unique", field, id, j))
		}
		seen[id] = i
	}
	return errs
}

// validate checks one backend; the error starts with the field's name.
func (b Backend) validate(mode string) error {
	if b.Weight < 0 || b.Weight > MaxWeight {
		return fmt.Errorf("weight: %d is out of range: want 0 (meaning 1) to %d", b.Weight, MaxWeight)
	}
	if strings.TrimSpace(b.ID) != b.ID || strings.ContainsAny(b.ID, "\x00\r\n") {
		return fmt.Errorf("id: %q has surrounding spaces or control characters", b.ID)
	}
	if _, err := parseBackendURL(mode, b.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	return nil
}

// id is the backend's ID, defaulted from its URL. Call it on a validated
// backend only.
func (b Backend) id(mode string) string {
	if b.ID != "" {
		return b.ID
	}
	u, err := parseBackendURL(mode, b.URL)
	if err != nil {
		return b.URL
	}
	return u.Host
}

// weight is the backend's weight with the default applied.
func (b Backend) weight() int {
	if b.Weight == 0 {
		return 1
	}
	return b.Weight
}

// parseBackendURL parses a backend's URL. L7 wants http://host:port[/path];
// L4 also takes tcp://host:port and a bare host:port. The result always has
// an explicit port, and Scheme "http" or "tcp".
func parseBackendURL(mode, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty: want a base URL such as http://127.0.0.1:9001")
	}
	if mode == ModeL4 && !strings.Contains(raw, "://") {
		raw = "tcp://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse: want a base URL such as http://127.0.0.1:9001", raw)
	}
	switch {
	case u.Scheme == "http":
	case u.Scheme == "tcp" && mode == ModeL4:
	default:
		want := "http"
		if mode == ModeL4 {
			want = "http, tcp or none"
		}
		return nil, fmt.Errorf("%q: scheme %q is not supported: want %s", raw, u.Scheme, want)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q: a base URL has no user, query or fragment", raw)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return nil, fmt.Errorf("%q: want an explicit host:port, such as 127.0.0.1:9001", raw)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("%q: port %q is not in 1-65535", raw, port)
	}
	return u, nil
}

// validate checks a health check; prefix names the field.
func (h HealthCheck) validate(prefix string) []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", prefix, field, fmt.Sprintf(format, args...)))
	}
	if h.Interval < 0 {
		add("interval", "%v is negative: want 0 (off) or more", h.Interval)
	}
	if h.Timeout < 0 {
		add("timeout", "%v is negative: want 0 (default) or more", h.Timeout)
	}
	if h.Interval > 0 && h.Timeout > h.Interval {
		add("timeout", "%v is longer than the interval %v", h.Timeout, h.Interval)
	}
	if h.Path != "" {
		if u, err := url.Parse(h.Path); err != nil || !strings.HasPrefix(h.Path, "/") || u.Host != "" {
			add("path", "%q is not a path: want one such as /healthz", h.Path)
		}
	}
	if h.Healthy < 0 {
		add("healthy", "%d is negative: want 0 (default %d) or more", h.Healthy, DefaultHealthy)
	}
	if h.Unhealthy < 0 {
		add("unhealthy", "%d is negative: want 0 (default %d) or more", h.Unhealthy, DefaultUnhealthy)
	}
	return errs
}

// withDefaults returns h with zero fields defaulted for mode.
func (h HealthCheck) withDefaults(mode string) HealthCheck {
	if h.Timeout == 0 {
		h.Timeout = DefaultHealthTimeout
		if h.Interval > 0 && h.Interval < h.Timeout {
			h.Timeout = h.Interval
		}
	}
	if h.Path == "" && mode != ModeL4 {
		h.Path = DefaultHealthPath
	}
	if h.Healthy == 0 {
		h.Healthy = DefaultHealthy
	}
	if h.Unhealthy == 0 {
		h.Unhealthy = DefaultUnhealthy
	}
	return h
}

// withDefaults returns p with zero fields defaulted.
func (p Passive) withDefaults() Passive {
	if p.Failures == 0 {
		p.Failures = DefaultPassiveFailures
	}
	if p.Cooldown <= 0 {
		p.Cooldown = DefaultPassiveCooldown
	}
	return p
}

// checkAddr checks a listen address; empty means DefaultAddr.
func checkAddr(addr string) error {
	_, err := listenAddr(addr)
	return err
}

// listenAddr applies the defaults to a configured listen address.
func listenAddr(addr string) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q: want host:port, such as %s or 127.0.0.1:0", addr, DefaultAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not in 0-65535", addr, port)
	}
	return httpserve.ListenAddr(addr, DefaultAddr), nil
}

// validHeaderName reports whether s is an HTTP token, as a header name must
// be (RFC 9110, section 5.1).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
