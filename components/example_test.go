package components_test

import (
	"github.com/ecs-bluegreen/ecs-bluegreen/components"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A platform team's own Pulumi program: one blue/green service on an existing network, released
// with a 10% canary for 5 minutes behind a 15-minute smoke/approval gate.
func ExampleNewBlueGreenService() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		svc, err := components.NewBlueGreenService(ctx, "checkout", components.BlueGreenServiceArgs{
			VpcID:                 pulumi.String("vpc-0a1b2c3d4e5f60718"),
			LoadBalancerSubnetIDs: pulumi.ToStringArray([]string{"subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"}),
			TaskSubnetIDs:         pulumi.ToStringArray([]string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}),
			LoadBalancer: components.LoadBalancerArgs{
				HTTPS:            true,
				CertificateArn:   pulumi.String("arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
				TestIngressCIDRs: []string{"10.0.0.0/8"},
			},
			Service: components.FargateServiceArgs{
				Image:         pulumi.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:2.3.1"),
				ContainerPort: 8080,
				CPU:           512,
				MemoryMiB:     1024,
			},
			CodeDeploy: components.CodeDeployArgs{
				Traffic:          components.TrafficShift{Type: components.Canary, Percentage: 10, IntervalMinutes: 5},
				ReadyWaitMinutes: 15,
			},
			Protect: true,
		})
		if err != nil {
			return err
		}
		ctx.Export("prodUrl", svc.ProdURL)
		ctx.Export("codeDeployDeploymentGroup", svc.CodeDeployDeploymentGroup)
		return nil
	})
}
