// Package backend holds the simulated backends that stampede load-tests:
// HTTP/1.1 servers on loopback whose endpoints do configured, random work,
// and whose faults can be switched at run time, so that a lab can show how
// a service behaves under load rather than tell it.
//
// A backend (Start, Config) is one of two kinds:
//
//   - Concurrent: a goroutine per connection (net/http), optionally limited
//     to Workers requests in service at once with a FIFO queue in front, the
//     size of the instance. Queue wait is part of the response time, and is
//     measured.
//   - SingleThreaded: one connection at a time, served to the end before the
//     next is accepted, like Python's http.server.HTTPServer. A keep-alive
//     client holds the whole server; a handler that requests its own server
//     (/self) deadlocks until its timeout.
//
// Each endpoint's work is a WorkModel: a service time drawn from a
// distribution (constant, uniform, exponential, lognormal from p50 and p99),
// optional CPU burn, response size and status, and injected faults (error
// statuses, dropped connections, closes after the response) with their
// probabilities. Draws come from generators seeded from Config.Seed, one per
// connection, so a run can be replayed. The query ?sleep=&size=&status=
// overrides the drawn work per request.
//
// Every response carries X-Backend: ID. The admin endpoints under
// /__stampede/ serve the statistics (Stats) and switch faults (Kill,
// Restart, Hang, Slow, SetErrorRate, SetWorkers), also from a separate
// AdminAddr that stays up while the backend is killed.
//
// Package backend stands alone: it imports nothing else of stampede, and it
// reads no process state (no os, no global logger).
package backend
