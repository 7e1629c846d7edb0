// Package e2e runs the real ecs-bluegreen program (infra.Program, with the repository's
// Pulumi.yaml and Pulumi.<stack>.yaml) and the release CLI through the real Pulumi engine, against
// the TEST DOUBLE provider plugins of internal/testprovider and the TEST DOUBLE CodeDeploy/ECS API
// of internal/awsdouble. Nothing here talks to AWS; nothing here was verified on AWS.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
)

// Type tokens the tests count and look up.
const (
	typeLB            = "aws:lb/loadBalancer:LoadBalancer"
	typeTG            = "aws:lb/targetGroup:TargetGroup"
	typeListener      = "aws:lb/listener:Listener"
	typeService       = "aws:ecs/service:Service"
	typeCluster       = "aws:ecs/cluster:Cluster"
	typeTaskDef       = "aws:ecs/taskDefinition:TaskDefinition"
	typeDeployGroup   = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	typeDeployConfig  = "aws:codedeploy/deploymentConfig:DeploymentConfig"
	typeApplication   = "aws:codedeploy/application:Application"
	typeAlarm         = "aws:cloudwatch/metricAlarm:MetricAlarm"
	typeAwsxVpc       = "awsx:ec2:Vpc"
	typeIngressRule   = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeEgressRule    = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeSecurityGroup = "aws:ec2/securityGroup:SecurityGroup"
)

// projectDir is the repository root, which holds Pulumi.yaml and the stack files.
func projectDir(tb testing.TB) string { return enginetest.RepoRoot(tb) }

// str returns m[key] as a string, failing the test when it is not one.
func str(tb testing.TB, m map[string]any, key string) string {
	tb.Helper()
	v, ok := m[key].(string)
	if !ok {
		tb.Fatalf("%s = %#v, want a string", key, m[key])
	}
	return v
}

// jsonEqual compares two JSON-shaped values.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// withoutIgnoreChanges wraps a program with a stack transform that drops every resource's
// ignoreChanges: the program as it would be without them.
func withoutIgnoreChanges(program pulumi.RunFunc) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		err := ctx.RegisterResourceTransform(func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
			if len(args.Opts.IgnoreChanges) == 0 {
				return nil
			}
			opts := args.Opts
			opts.IgnoreChanges = nil
			return &pulumi.ResourceTransformResult{Props: args.Props, Opts: opts}
		})
		if err != nil {
			return fmt.Errorf("registering the transform that drops ignoreChanges: %w", err)
		}
		return program(ctx)
	}
}
