package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecs-bluegreen/ecs-bluegreen/components"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
)

// servicesProgram registers n blue/green services "svc-<i>" on a fixed, existing network.
func servicesProgram(n int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		for i := range n {
			_, err := components.NewBlueGreenService(ctx, "svc-"+strconv.Itoa(i), components.BlueGreenServiceArgs{
				VpcID:                 pulumi.String("vpc-0a1b2c3d4e5f60718"),
				LoadBalancerSubnetIDs: pulumi.ToStringArray([]string{"subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"}),
				TaskSubnetIDs:         pulumi.ToStringArray([]string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}),
				LoadBalancer:          components.LoadBalancerArgs{TestIngressCIDRs: []string{"10.0.0.0/8"}},
				Service: components.FargateServiceArgs{
					Image:         pulumi.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0"),
					ContainerPort: 8080,
					CPU:           256,
					MemoryMiB:     512,
				},
			})
			if err != nil {
				return fmt.Errorf("service %d: %w", i, err)
			}
		}
		return nil
	}
}

// BenchmarkPreview measures `pulumi preview` from an empty state through the real engine against
// the test-double providers, for 1, 10 and 50 copies of NewBlueGreenService. It reports the
// resources one preview plans (components, custom resources, providers and the stack) and the
// time per planned resource. Each size runs twice: with the engine's defaults, and with
// PULUMI_SKIP_CHECKPOINTS=true, since the engine serialises and verifies the whole snapshot after
// every step (also in a preview), which makes large previews quadratic.
func BenchmarkPreview(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		for _, checkpoints := range []string{"default", "skipped"} {
			b.Run(fmt.Sprintf("services=%d/checkpoints=%s", n, checkpoints), func(b *testing.B) {
				benchmarkPreview(b, n, checkpoints == "skipped")
			})
		}
	}
}

func benchmarkPreview(b *testing.B, services int, skipCheckpoints bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	opts := enginetest.Options{}
	if skipCheckpoints {
		opts.ExtraEnv = map[string]string{"PULUMI_SKIP_CHECKPOINTS": "true"}
	}
	env := enginetest.New(b, opts)
	st := env.Stack(ctx, b, "bench", "", servicesProgram(services))
	resources := 0
	b.ResetTimer()
	for range b.N {
		sum := enginetest.Preview(ctx, b, st)
		resources = len(sum.Steps)
	}
	b.StopTimer()
	if resources == 0 {
		b.Fatal("the preview planned no resources")
	}
	perPreview := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(float64(resources), "resources/op")
	b.ReportMetric(perPreview/float64(resources), "ns/resource")
}
