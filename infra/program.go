// Package infra is the ecs-bluegreen stack program: it reads the stack configuration (the only
// package that does), builds the components and exports the stack outputs. [Program] is the one
// program: main.go runs it for `pulumi up`, and the release CLI runs it in-process through the
// Automation API with the same Pulumi.yaml and Pulumi.<stack>.yaml files.
package infra

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecs-bluegreen/ecs-bluegreen/components"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program is the Pulumi program of every stack.
func Program(ctx *pulumi.Context) error {
	outputs, err := build(ctx)
	if err != nil {
		return err
	}
	for key, value := range outputs {
		ctx.Export(key, value)
	}
	return nil
}

// build registers the stack's resources and returns its outputs by name.
func build(ctx *pulumi.Context) (pulumi.Map, error) {
	// Everything is validated before the first resource (the VPC) is registered.
	cfg, err := Load(contextLookup(ctx), ctx.Stack())
	if err != nil {
		return nil, err
	}
	name := ComponentName(cfg.ServiceName, ctx.Stack())
	args := cfg.ServiceArgs()

	vpcID, err := network(ctx, name, cfg, &args)
	if err != nil {
		return nil, err
	}
	svc, err := components.NewBlueGreenService(ctx, name, args)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", ctx.Stack(), err)
	}

	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{})
	return pulumi.Map{
		OutputAlbDNSName:                svc.AlbDNSName,
		OutputProdURL:                   svc.ProdURL,
		OutputTestURL:                   svc.TestURL,
		OutputClusterName:               svc.ClusterName,
		OutputServiceName:               svc.ServiceName,
		OutputTaskDefinitionArn:         svc.TaskDefinitionArn,
		OutputContainerName:             svc.ContainerName,
		OutputContainerPort:             svc.ContainerPort,
		OutputCodeDeployApplication:     svc.CodeDeployApplication,
		OutputCodeDeployDeploymentGroup: svc.CodeDeployDeploymentGroup,
		OutputProdListenerArn:           svc.ProdListenerArn,
		OutputTestListenerArn:           svc.TestListenerArn,
		OutputBlueTargetGroupName:       svc.BlueTargetGroupName,
		OutputGreenTargetGroupName:      svc.GreenTargetGroupName,
		OutputSubnetIDs:                 svc.SubnetIDs,
		OutputTaskSecurityGroupIDs:      svc.TaskSecurityGroupIDs,
		OutputRegion:                    region.Name(),
		OutputAssignPublicIP:            svc.AssignPublicIP,
		OutputPlatformVersion:           svc.PlatformVersion,
		OutputLifecycleHooks:            svc.LifecycleHooks,
		OutputSmokeCheck:                cfg.smokeCheck(),
		OutputDeploymentConfigName:      svc.DeploymentConfigName,
		OutputRepositoryURL:             svc.RepositoryURL,
		OutputVpcID:                     vpcID,
	}, nil
}

var nonNameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// ComponentName is the name of a stack's composite and the stem of every resource name:
// "<serviceName>-<stack>", so that two stacks in one account never collide.
func ComponentName(serviceName, stack string) string {
	return serviceName + "-" + strings.Trim(nonNameChars.ReplaceAllString(strings.ToLower(stack), "-"), "-")
}

// network fills in the VPC and subnets: a new awsx VPC (dev) or the existing ones from config
// (prod). It returns the VPC ID.
func network(ctx *pulumi.Context, name string, cfg Config, args *components.BlueGreenServiceArgs) (pulumi.StringOutput, error) {
	if !cfg.CreateVpc {
		args.VpcID = pulumi.String(cfg.VpcID)
		args.LoadBalancerSubnetIDs = pulumi.ToStringArray(cfg.PublicSubnetIDs)
		args.TaskSubnetIDs = pulumi.ToStringArray(cfg.PrivateSubnetIDs)
		return pulumi.String(cfg.VpcID).ToStringOutput(), nil
	}
	cidr, azs := cfg.VpcCidr, cfg.VpcAzCount
	vpc, err := awsxec2.NewVpc(ctx, name, &awsxec2.VpcArgs{
		CidrBlock:                 &cidr,
		NumberOfAvailabilityZones: &azs,
		EnableDnsHostnames:        pulumi.Bool(true),
		NatGateways:               &awsxec2.NatGatewayConfigurationArgs{Strategy: awsxec2.NatGatewayStrategySingle},
		Tags:                      pulumi.ToStringMap(cfg.Tags),
	})
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("vpc %q: %w", name, err)
	}
	args.VpcID = vpc.VpcId
	if cfg.Internal {
		args.LoadBalancerSubnetIDs = vpc.PrivateSubnetIds
	} else {
		args.LoadBalancerSubnetIDs = vpc.PublicSubnetIds
	}
	args.TaskSubnetIDs = vpc.PrivateSubnetIds
	return vpc.VpcId, nil
}

// ServiceArgs maps the configuration onto the composite's Args, leaving the network to the
// caller.
func (c Config) ServiceArgs() components.BlueGreenServiceArgs {
	dereg := c.DeregistrationDelaySeconds
	desired := c.DesiredCount
	termination := c.TerminationWaitMinutes
	args := components.BlueGreenServiceArgs{
		LoadBalancer: components.LoadBalancerArgs{
			Internal:         c.Internal,
			DomainName:       c.DomainName,
			HTTPS:            c.CertificateArn != "",
			ProdPort:         c.ProdPort,
			TestPort:         c.TestPort,
			ProdIngressCIDRs: nilIfEmpty(c.ProdIngressCIDRs),
			TestIngressCIDRs: c.TestListenerCIDRs,
			HealthCheck: components.HealthCheck{
				Path:               c.HealthCheckPath,
				Matcher:            c.HealthCheckMatcher,
				IntervalSeconds:    c.HealthCheckIntervalSeconds,
				TimeoutSeconds:     c.HealthCheckTimeoutSeconds,
				HealthyThreshold:   c.HealthyThreshold,
				UnhealthyThreshold: c.UnhealthyThreshold,
			},
			DeregistrationDelaySeconds: &dereg,
			DropInvalidHeaderFields:    c.DropInvalidHeaderFields,
		},
		Service: components.FargateServiceArgs{
			Image:                pulumi.String(c.Image),
			ContainerName:        c.ContainerName,
			ContainerPort:        c.ContainerPort,
			CPU:                  c.CPU,
			MemoryMiB:            c.Memory,
			CPUArchitecture:      c.CPUArchitecture,
			Environment:          c.Environment,
			Secrets:              c.Secrets,
			LogRetentionDays:     c.LogRetentionDays,
			DesiredCount:         &desired,
			PlatformVersion:      c.PlatformVersion,
			EnableExecuteCommand: c.EnableExecuteCommand,
		},
		CodeDeploy: components.CodeDeployArgs{
			Traffic: components.TrafficShift{
				Type:            c.DeploymentStrategy,
				Percentage:      c.TrafficPercentage,
				IntervalMinutes: c.TrafficIntervalMinutes,
			},
			ReadyWaitMinutes:       c.ReadyWaitMinutes,
			TerminationWaitMinutes: &termination,
			Alarms: components.Alarms{
				Disabled:                !c.Alarms,
				Target5xxThreshold:      c.Alarm5xxThreshold,
				LatencyThresholdSeconds: float64(c.AlarmLatencyMs) / 1000,
			},
			AlarmNames:     c.AlarmNames,
			LifecycleHooks: c.LifecycleHooks,
		},
		Protect: c.DeletionProtection,
		Tags:    c.Tags,
	}
	if c.CertificateArn != "" {
		args.LoadBalancer.CertificateArn = pulumi.String(c.CertificateArn)
	}
	if c.UseSpot {
		args.Service.CapacityProviders = []components.CapacityProvider{
			{Name: "FARGATE", Weight: 1, Base: 1},
			{Name: "FARGATE_SPOT", Weight: 3},
		}
	}
	if c.AutoscalingMaxCount > 0 {
		args.Service.Autoscaling = &components.Autoscaling{
			MinCount:         c.AutoscalingMinCount,
			MaxCount:         c.AutoscalingMaxCount,
			TargetCPUPercent: c.AutoscalingCPU,
		}
	}
	if c.NotificationTopicArn != "" {
		args.CodeDeploy.NotificationTopicArn = pulumi.String(c.NotificationTopicArn)
	}
	if c.CreateRegistry {
		args.Registry = &components.ImageRegistryArgs{KeepImages: c.RegistryKeepImages, ForceDelete: !c.DeletionProtection}
	}
	return args
}

// smokeCheck is the release step's smoke-gate configuration, exported with defaults applied.
func (c Config) smokeCheck() pulumi.Map {
	statuses := pulumi.IntArray{}
	for _, s := range c.SmokeExpectedStatus {
		statuses = append(statuses, pulumi.Int(s))
	}
	return pulumi.Map{
		"enabled":               pulumi.Bool(c.SmokeEnabled),
		"path":                  pulumi.String(c.SmokePath),
		"expectedStatus":        statuses,
		"consecutiveSuccesses":  pulumi.Int(c.SmokeSuccesses),
		"intervalSeconds":       pulumi.Int(c.SmokeIntervalSeconds),
		"requestTimeoutSeconds": pulumi.Int(c.SmokeRequestTimeoutSeconds),
		"totalTimeoutSeconds":   pulumi.Int(c.SmokeTimeoutSeconds),
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
