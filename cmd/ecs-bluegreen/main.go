// Command ecs-bluegreen releases the stack's ECS service through CodeDeploy blue/green
// deployments. See `ecs-bluegreen --help`; the work is in package release and release/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once (e.g. while waiting for a rollback)
	}()
	err := cli.Run(ctx, cli.Deps{Program: infra.Program, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(release.ExitCode(err))
}
