// Command stampede is a load generator and traffic-simulation lab: it
// drives virtual users against a URL or a bundled target and reports
// latency measured without coordinated omission.
package main

import (
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Env is the process state the commands use, built once here so that no
// other code reads os directly and tests can pass their own.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Signals delivers interrupt requests (SIGINT, SIGTERM).
	Signals <-chan os.Signal
	// Exit ends the process at once (a third Ctrl-C).
	Exit func(code int)
}

func main() {
	sig := make(chan os.Signal, 3)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	env := &Env{
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Signals: sig,
		Exit:    os.Exit,
	}
	os.Exit(execute(env, os.Args[1:]))
}
