// Package targets holds the servers that stampede bundles as load-test
// targets, so that a run, a lab or a test has something real to hit on
// loopback.
//
// The simulated backends (concurrent and single-threaded, with work models,
// workers, faults and statistics) live in package targets/backend. This
// package keeps the short API of `stampede serve concurrent`: Start with a
// Config of an address and a default WorkSpec for /work, and NewWorkHandler
// to mount /work elsewhere.
//
// Package targets stands alone: it imports nothing else of stampede but its
// own sub-packages, and it reads no process state (no os, no global logger).
package targets
