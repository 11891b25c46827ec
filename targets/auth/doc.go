// Package auth is stampede's login target. It makes one fact of web
// infrastructure measurable: stateful sessions behind a round-robin load
// balancer lose the login, while IP-hash stickiness, a shared session store
// or a stateless token (JWT) keep it.
//
// A Server runs in one of two modes:
//
//   - session: POST /login stores a session under a random 128-bit id and
//     sets it in the cookie "sid". By default each instance keeps its own
//     MemoryStore, so a session made on backend A is unknown on backend B;
//     give several instances one Store (a shared MemoryStore in one process,
//     or an HTTPStore talking to a StoreServer across processes, the way
//     Redis is used for sessions) and any of them knows it.
//   - jwt: POST /login returns an HS256 token signed with a secret that every
//     instance shares, so any of them accepts it without a store.
//
// Every 401 names its reason (X-Auth-Error header and JSON body), and the
// stats count 401s by reason, so a lab can tell "unknown session" (the load
// balancer sent the user elsewhere) from "session expired" or "bad
// signature".
//
// Package auth imports nothing else of stampede and reads no process state.
package auth
