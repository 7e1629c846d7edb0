// Command pulumi-resource-awsx is a TEST DOUBLE of the Pulumi awsx provider plugin, for engine tests
// only (see internal/testprovider). It makes no AWS calls.
package main

import (
	"fmt"
	"os"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/testprovider"
)

func main() {
	if err := testprovider.Main("awsx"); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-awsx (test double): %v\n", err)
		os.Exit(1)
	}
}
