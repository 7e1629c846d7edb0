// Command pulumi-resource-aws is a TEST DOUBLE of the Pulumi aws provider plugin, for engine tests
// only (see internal/testprovider). It makes no AWS calls.
package main

import (
	"fmt"
	"os"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/testprovider"
)

func main() {
	if err := testprovider.Main("aws"); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-aws (test double): %v\n", err)
		os.Exit(1)
	}
}
