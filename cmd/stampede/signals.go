package main

import (
	"context"
	"fmt"
)

// stopOnSignal returns a context cancelled by the first Ctrl-C (saying
// msg), while a second one exits at once; release ends the watch.
func stopOnSignal(env *Env, msg string) (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		select {
		case <-env.Signals:
			fmt.Fprintln(env.Stderr, "\n"+msg)
			cancel()
		case <-done:
			return
		}
		select {
		case <-env.Signals:
			env.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel() }
}
