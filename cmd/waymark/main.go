// Command waymark is the one binary of the project; the work is done in
// the packages, wired together by internal/cli.
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo

	"github.com/waymark-data/waymark/internal/cli"
)

// memoryLimit is the Go heap's soft limit unless GOMEMLIMIT sets one: the
// collector works harder near it, so an ingest of a sheet of a million rows
// stays under 300 MB instead of growing with the collector's headroom.
// DuckDB's memory is its own and is not counted.
const memoryLimit = 256 << 20

func main() {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(memoryLimit)
	}
	// A file outgrowing the size limit (ulimit -f) is an error to report,
	// not a kill: Go ignores SIGXFSZ on its own threads, but DuckDB's
	// threads writing a warehouse version would get the default action.
	signal.Ignore(syscall.SIGXFSZ)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Execute(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "waymark:", err)
	}
	os.Exit(cli.ExitCode(err))
}
