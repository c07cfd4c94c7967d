// Command tranche is the command-line interface of Tranche, a commitment and
// rate optimization engine for cloud FinOps.
//
// The command is thin: it turns signals into a context, runs the chosen
// subcommand and maps its error to an exit code that scripts can trust
// (see exitCode).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt cancels the work, which stops at its next check
	// (the LP solver checks between chunks of iterations); a second one
	// ends the process at once.
	context.AfterFunc(ctx, stop)
	stopProfile := startProfile(os.Getenv("TRANCHE_CPUPROFILE"))
	err := newRootCmd().ExecuteContext(ctx)
	stopProfile()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tranche:", err)
	}
	os.Exit(exitCode(err))
}

// startProfile writes a CPU profile of the whole run to path when it is
// set (TRANCHE_CPUPROFILE, docs/benchmarks.md) and returns what stops it.
func startProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tranche: TRANCHE_CPUPROFILE:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// Exit codes. Scripts may branch on them.
const (
	exitOK       = 0 // success
	exitFailure  = 1 // any other failure
	exitUsage    = 2 // bad flags or arguments
	exitInput    = 3 // the input data is invalid (file, row and column are in the message)
	exitSolver   = 4 // the problem is infeasible, unbounded or the solver failed
	exitCanceled = 130
)

// usageError marks errors caused by the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// inputError marks errors caused by invalid input data.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// solverError marks errors from the optimizer.
type solverError struct{ err error }

func (e solverError) Error() string { return e.err.Error() }
func (e solverError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var (
		ue usageError
		ie inputError
		se solverError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitCanceled
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ie):
		return exitInput
	case errors.As(err, &se):
		return exitSolver
	default:
		return exitFailure
	}
}
