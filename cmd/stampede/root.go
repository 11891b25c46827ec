package main

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// version is set at build time (-ldflags "-X main.version=...").
var version = ""

func stampedeVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// usageError marks errors in what the user typed: exit code 2, no stack.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code decided by a command (e.g. interrupted).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "stampede",
		Short:         "Load testing with correct latency, and labs that show what architecture does under load",
		Version:       stampedeVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	root.AddCommand(newRunCmd(env), newServeCmd(env), newDemoCmd(env), newWatchCmd(env),
		newReportCmd(env), newCompareCmd(env), newMergeCmd(env), newCheckCmd(env), newScenariosCmd(env),
		newLabCmd(env), newCapacityCmd(env))
	return root
}

// execute runs the command line and maps errors to exit codes.
func execute(env *Env, args []string) int {
	root := newRoot(env)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(env.Stderr, "stampede: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}
