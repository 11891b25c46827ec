package lb

import (
	"net"
	"net/http"
	"strings"
)

// Names of the policies.
const (
	PolicyRoundRobin = "round-robin"
	PolicyWeighted   = "weighted"
	PolicyIPHash     = "ip-hash"
	PolicyLeastConn  = "least-conn"
	PolicyLeastTime  = "least-time"
	PolicyRandom     = "random"
	PolicyP2C        = "p2c"
)

// Selector picks the backend of one request (L7) or connection (L4).
//
// pool holds only the backends that may take traffic now, in configuration
// order, and is never empty; it is shared and must not be modified or
// retained. Select returns one of its elements. Implementations must be safe
// for concurrent use, and cheap: Select runs on every request.
type Selector interface {
	Select(pool []*Target, r *Request) *Target
}

// Request is what a Selector may know of the request or connection it
// places.
type Request struct {
	// HTTP is the request being proxied; nil in L4 mode.
	HTTP *http.Request
	// RemoteAddr is the client's TCP address, "ip:port".
	RemoteAddr string
	// clientIPHeader is the canonical name of the header that overrides
	// the client address, or "".
	clientIPHeader string
}

// ClientIP is the client's address for ip-hash: the first comma-separated
// value of the configured client IP header if the request has it, else the
// IP of the TCP peer.
func (r *Request) ClientIP() string {
	if r.clientIPHeader != "" && r.HTTP != nil {
		if v := r.HTTP.Header[r.clientIPHeader]; len(v) > 0 {
			if ip := firstListValue(v[0]); ip != "" {
				return ip
			}
		}
	}
	return hostOf(r.RemoteAddr)
}

// firstListValue returns the first element of a comma-separated header
// value, such as the original client of "X-Forwarded-For: a, b, c", trimmed
// of spaces and tabs.
func firstListValue(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(v, " \t")
}

// hostOf returns the host of "host:port", or addr itself when it has no
// port.
func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// Policies returns the names of the policies, in a fixed order.
func Policies() []string {
	return []string{
		PolicyRoundRobin, PolicyWeighted, PolicyIPHash, PolicyLeastConn,
		PolicyLeastTime, PolicyRandom, PolicyP2C,
	}
}

// knownPolicy reports whether name is one of Policies().
func knownPolicy(name string) bool {
	return NewSelector(name) != nil
}

// NewSelector returns a new selector for the policy name ("" means
// round-robin), or nil if there is no such policy. Each pool needs its own:
// selectors keep state.
func NewSelector(name string) Selector {
	switch name {
	case PolicyRoundRobin, "":
		return new(RoundRobin)
	case PolicyWeighted:
		return new(Weighted)
	case PolicyIPHash:
		return IPHash{}
	case PolicyLeastConn:
		return new(LeastConn)
	case PolicyLeastTime:
		return new(LeastTime)
	case PolicyRandom:
		return Random{}
	case PolicyP2C:
		return P2C{}
	}
	return nil
}
