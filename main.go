// Command ecs-bluegreen is the Pulumi program of the ecs-bluegreen stacks (`pulumi up`). The
// program itself is infra.Program, which the release CLI (cmd/ecs-bluegreen) runs in-process.
package main

import (
	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(infra.Program)
}
