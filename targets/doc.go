// Package targets holds the servers that stampede bundles as load-test
// targets, so that a run, a lab or a test has something real to hit on
// loopback.
//
// The first of them is the concurrent target (Start): a goroutine-per-
// connection HTTP/1.1 server built on net/http whose /work endpoint simulates
// service time, response size and status code, set per server (Config.Work)
// or per request (?sleep=5ms&size=1024&status=503). Its handlers are built to
// be cheap: bodies are sliced from one shared buffer, header values are built
// once, the query is parsed without allocating, timers are pooled and nothing
// is logged per request, so that the target and not the handler is what a lab
// measures.
//
// NewWorkHandler exposes the /work handler on its own, to be mounted in other
// topologies.
//
// Package targets stands alone: it imports nothing else of stampede, and it
// reads no process state (no os, no global logger).
package targets
