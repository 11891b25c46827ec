package auth

import (
	"errors"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Modes of a Server.
const (
	ModeSession = "session"
	ModeJWT     = "jwt"
)

// Defaults and limits of Config.
const (
	// DefaultAddr is where a Server listens unless told otherwise.
	DefaultAddr = "127.0.0.1:8080"
	// DefaultTTL is how long a session or token lasts unless told otherwise.
	DefaultTTL = 30 * time.Minute
	// MinTTL is the shortest TTL: cookies count Max-Age in whole seconds.
	MinTTL = time.Second
	// MaxTTL is the longest TTL.
	MaxTTL = 30 * 24 * time.Hour
	// MinSecretLen is the shortest JWT secret: HS256 wants a key at least
	// as long as its 256-bit hash.
	MinSecretLen = 32
	// DefaultPassword is the password of every default user; see Config.Users.
	DefaultPassword = "pass"
)

// Config of an auth target.
type Config struct {
	// Addr is host:port; default DefaultAddr. Port 0 picks a free port. An
	// empty host means 127.0.0.1.
	Addr string
	// ID names this instance in the X-Backend header of every response and
	// in /me, so a test behind a load balancer sees which backend answered.
	// Default: the address the server listens on.
	ID string
	// Mode is ModeSession (default) or ModeJWT.
	Mode string
	// Store keeps sessions in session mode. Nil gives the server a
	// MemoryStore of its own, unknown to every other instance. Share one
	// Store between instances to share their sessions. Unused in jwt mode.
	Store Store
	// Secret signs and checks tokens in jwt mode: at least MinSecretLen
	// bytes, the same for every instance that should accept the tokens.
	// Unused in session mode.
	Secret []byte
	// TTL is how long a session or token lasts: MinTTL to MaxTTL, default
	// DefaultTTL.
	TTL time.Duration
	// Users maps user names to passwords. Nil accepts the default users:
	// "user" followed by 1 to 9 digits (user1, user42, ...), each with the
	// password DefaultPassword, so that load tests can log in as many
	// distinct users as they have virtual users.
	Users map[string]string
	// ErrorLog receives net/http's own errors (malformed requests, accept
	// errors); requests themselves are never logged. Nil discards them.
	ErrorLog *log.Logger

	// now is the clock, for tests; nil means time.Now.
	now func() time.Time
}

// Validate reports every problem of c at once, or nil.
func (c Config) Validate() []error {
	var errs []error
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("addr %q: want host:port, such as %s or 127.0.0.1:0", c.Addr, DefaultAddr))
		}
	}
	if !validHeaderValue(c.ID) {
		errs = append(errs, fmt.Errorf("id %q: control characters are not allowed in a header value", c.ID))
	}
	switch c.Mode {
	case "", ModeSession:
	case ModeJWT:
		if len(c.Secret) < MinSecretLen {
			errs = append(errs, fmt.Errorf("secret: %d bytes: jwt mode needs at least %d, shared by every instance", len(c.Secret), MinSecretLen))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q: want %q or %q", c.Mode, ModeSession, ModeJWT))
	}
	if c.TTL != 0 && (c.TTL < MinTTL || c.TTL > MaxTTL) {
		errs = append(errs, fmt.Errorf("ttl %v: want %v to %v (or 0 for %v)", c.TTL, MinTTL, MaxTTL, DefaultTTL))
	}
	if c.Users != nil && len(c.Users) == 0 {
		errs = append(errs, errors.New("users: empty, so nobody could log in; leave it nil for the default users (userN / pass)"))
	}
	for u := range c.Users {
		if u == "" || len(u) > maxUserLen {
			errs = append(errs, fmt.Errorf("users: name %q: want 1 to %d bytes", u, maxUserLen))
		}
	}
	return errs
}

// withDefaults returns c with its zero values replaced by defaults.
func (c Config) withDefaults() Config {
	c.Addr = httpserve.ListenAddr(c.Addr, DefaultAddr)
	if c.Mode == "" {
		c.Mode = ModeSession
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// validHeaderValue reports whether v can be sent as a header value: no
// control characters other than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
