// Package lb is stampede's bundled load balancer: an HTTP reverse proxy (L7)
// or a TCP splicer (L4) in front of a pool of backends, and a path-prefix
// router over several such pools. Labs put it in front of the bundled
// targets to show what scale-out, health checking and draining do to a run.
//
// # Policies
//
// A pool picks a backend with a one-method Selector plug-in (see Policies):
// round-robin, weighted (nginx's smooth weighted round robin), ip-hash
// (rendezvous hashing of the client address), least-conn, least-time (a
// decaying peak EWMA of latency times in-flight, as Finagle and Linkerd do),
// random and p2c (power of two choices on in-flight). Selectors only ever see
// the backends that may take traffic now: healthy, not ejected, not draining.
//
// # Health
//
// Active checks probe every backend on a ticker bound to the pool's context
// (HTTP GET of a path, or a TCP connect in L4 mode). Passive ejection takes a
// backend out for a cooldown after consecutive transport errors. With no
// backend left, L7 answers 503 at once and L4 closes the connection.
//
// # Failures and retries
//
// An L7 request whose backend fails at the transport level is retried once,
// on another backend, when that cannot repeat a side effect: the request has
// no body and either its method is idempotent (GET, HEAD, OPTIONS, TRACE,
// PUT, DELETE) or the connection to the backend could not be opened at all,
// so nothing was sent. Requests with a body are never retried: replaying
// them would mean buffering every body. A backend killed abruptly thus costs
// nothing to body-less idempotent requests; the rest get a 502.
//
// # Draining
//
// Drain stops new requests (or connections) to a backend and waits for its
// in-flight ones; RollingRestart drains, restarts, re-checks and undrains
// every backend in turn, so that an update under load fails no request.
//
// The package reads no process state and owns no globals: every goroutine
// belongs to a Balancer or Router and ends with its Shutdown or context.
package lb
