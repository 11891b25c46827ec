package lb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/stampede-lab/stampede/targets/internal/httpserve"
)

// Route sends the requests whose path starts with Prefix to an L7 pool of
// its own, as an nginx location block with proxy_pass does.
type Route struct {
	// Prefix is matched against the request's (unescaped) path as a plain
	// string prefix, as nginx's prefix locations are: "/api" matches
	// "/api", "/api/x" and "/apix". It must start with "/"; "/" catches
	// everything.
	Prefix string `json:"prefix"`
	// Policy is one of Policies(); default round-robin.
	Policy   string    `json:"policy"`
	Backends []Backend `json:"backends"`
	// StripPrefix takes Prefix off the path before forwarding.
	StripPrefix bool `json:"strip_prefix"`
}

// Router is a running path-prefix router: one address in front of several
// pools, the longest matching prefix winning. Requests that match no route
// get 404. Its methods are safe for concurrent use.
type Router struct {
	srv    *httpserve.Server
	routes []*route // longest prefix first
}

// route is a Route at run time.
type route struct {
	prefix string
	pool   *Pool
	proxy  *proxy
}

// RouteStats is one route's part of RouterStats.
type RouteStats struct {
	Prefix string `json:"prefix"`
	Stats
}

// RouterStats is a snapshot of every route's pool counters, longest prefix
// first.
type RouterStats struct {
	Routes []RouteStats `json:"routes"`
}

// ValidateRoutes reports every problem of a router's configuration at once,
// each naming its field. It has no side effects.
func ValidateRoutes(routes []Route, hc HealthCheck) []error {
	var errs []error
	if len(routes) == 0 {
		errs = append(errs, errors.New("routes: none given: want at least one"))
	}
	seen := make(map[string]int, len(routes))
	for i, r := range routes {
		field := fmt.Sprintf("routes[%d]", i)
		switch j, dup := seen[r.Prefix]; {
		case !strings.HasPrefix(r.Prefix, "/"):
			errs = append(errs, fmt.Errorf("%s.prefix: %q does not start with /", field, r.Prefix))
		case dup:
			errs = append(errs, fmt.Errorf("%s.prefix: %q is already the prefix of routes[%d]", field, r.Prefix, j))
		}
		seen[r.Prefix] = i
		errs = append(errs, validatePool(field+".", ModeL7, r.Policy, r.Backends)...)
	}
	return append(errs, hc.validate("health")...)
}

// StartRouter validates the routes, starts one pool per route with health
// checks hc, and listens on addr (default DefaultAddr; port 0 picks one).
// It returns once the listener is bound. ctx bounds the router's life as
// Start's does for a Balancer; call Shutdown in any case.
func StartRouter(ctx context.Context, addr string, routes []Route, hc HealthCheck) (*Router, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lb: %w", err)
	}
	if errs := ValidateRoutes(routes, hc); len(errs) > 0 {
		return nil, fmt.Errorf("lb: invalid router config:\n%w", errors.Join(errs...))
	}
	rt := &Router{}
	for _, r := range routes {
		pool, err := newPool(ctx, poolConfig{
			mode:     ModeL7,
			policy:   r.Policy,
			backends: r.Backends,
			health:   hc.withDefaults(ModeL7),
			passive:  Passive{}.withDefaults(),
		})
		if err != nil {
			_ = rt.Shutdown(context.Background())
			return nil, err
		}
		strip := ""
		if r.StripPrefix {
			strip = r.Prefix
		}
		rt.routes = append(rt.routes, &route{prefix: r.Prefix, pool: pool, proxy: newProxy(pool, strip)})
	}
	slices.SortStableFunc(rt.routes, func(a, b *route) int { return len(b.prefix) - len(a.prefix) })
	h := &statsOr{stats: statsHandler(func() any { return rt.Stats() }), next: http.HandlerFunc(rt.dispatch)}
	srv, err := startHTTP(ctx, "router", addr, h, nil)
	if err != nil {
		_ = rt.Shutdown(context.Background())
		return nil, err
	}
	rt.srv = srv
	return rt, nil
}

// dispatch hands r to the route with the longest matching prefix.
func (rt *Router) dispatch(w http.ResponseWriter, r *http.Request) {
	if e := rt.match(r.URL.Path); e != nil {
		e.proxy.ServeHTTP(w, r)
		return
	}
	writeError(w, http.StatusNotFound, "no route for "+r.URL.Path)
}

// match returns the route with the longest prefix of path, or nil.
func (rt *Router) match(path string) *route {
	for _, e := range rt.routes {
		if strings.HasPrefix(path, e.prefix) {
			return e
		}
	}
	return nil
}

// Addr returns the address the router listens on.
func (rt *Router) Addr() string { return rt.srv.Addr() }

// URL returns the router's base URL, such as "http://127.0.0.1:41234".
func (rt *Router) URL() string { return "http://" + rt.srv.Addr() }

// Pool returns the pool of the route with exactly this prefix, to drain or
// update its backends, or nil.
func (rt *Router) Pool(prefix string) *Pool {
	for _, e := range rt.routes {
		if e.prefix == prefix {
			return e.pool
		}
	}
	return nil
}

// Stats returns a snapshot of every route's counters.
func (rt *Router) Stats() RouterStats {
	s := RouterStats{Routes: make([]RouteStats, len(rt.routes))}
	for i, e := range rt.routes {
		s.Routes[i] = RouteStats{Prefix: e.prefix, Stats: e.pool.Stats()}
	}
	return s
}

// Shutdown stops the router as Balancer.Shutdown does, and every route's
// pool with it. It may be called more than once.
func (rt *Router) Shutdown(ctx context.Context) error {
	var err error
	if rt.srv != nil {
		err = rt.srv.Shutdown(ctx)
	}
	for _, e := range rt.routes {
		e.pool.close()
	}
	return err
}
