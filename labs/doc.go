// Package labs runs experiments that answer architecture questions with
// measurements: scale up or scale out, cache or not, sessions or JWT, which
// balancing policy, keep-alive or not. A lab (a YAML file; the library is
// built in) names a question, a scenario and variants; each variant is a
// topology of bundled targets, started in-process on free loopback ports,
// with optional faults or scaling timed into the run. Run starts each
// variant, drives the scenario against it with the engine, reads the
// targets' own counters, stops it, and puts the variants side by side
// with a reading computed from the measured numbers.
//
// Capacity finds the highest open-model arrival rate a target sustains
// within a latency budget, by stepping up and bisecting.
//
// The package exists beside scenarios, engine, reports and targets because
// a lab orchestrates all of them, and none of them may know the others
// (targets stands alone, the engine must not import reports). It reads no
// process state: files and the environment come in through Env, output
// goes to the writers it is given, and every goroutine it starts ends
// before Run or Capacity returns.
package labs
