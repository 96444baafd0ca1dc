// Command waymark is the one binary of the project; the work is done in
// the packages, wired together by internal/cli.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without zoneinfo

	"github.com/waymark-data/waymark/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Execute(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "waymark:", err)
	}
	os.Exit(cli.ExitCode(err))
}
