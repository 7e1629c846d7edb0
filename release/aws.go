package release

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"
)

// CodeDeployAPI is the part of CodeDeploy the release uses; *codedeploy.Client satisfies it.
type CodeDeployAPI interface {
	CreateDeployment(ctx context.Context, in *codedeploy.CreateDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error)
	GetDeployment(ctx context.Context, in *codedeploy.GetDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	ListDeployments(ctx context.Context, in *codedeploy.ListDeploymentsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error)
	ListDeploymentTargets(ctx context.Context, in *codedeploy.ListDeploymentTargetsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentTargetsOutput, error)
	BatchGetDeploymentTargets(ctx context.Context, in *codedeploy.BatchGetDeploymentTargetsInput, optFns ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentTargetsOutput, error)
	GetDeploymentGroup(ctx context.Context, in *codedeploy.GetDeploymentGroupInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentGroupOutput, error)
	GetDeploymentConfig(ctx context.Context, in *codedeploy.GetDeploymentConfigInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentConfigOutput, error)
	ContinueDeployment(ctx context.Context, in *codedeploy.ContinueDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.ContinueDeploymentOutput, error)
	StopDeployment(ctx context.Context, in *codedeploy.StopDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.StopDeploymentOutput, error)
}

// ECSAPI is the part of ECS the release uses; *ecs.Client satisfies it.
type ECSAPI interface {
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, optFns ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	ListTaskDefinitions(ctx context.Context, in *ecs.ListTaskDefinitionsInput, optFns ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
}

var (
	_ CodeDeployAPI = (*codedeploy.Client)(nil)
	_ ECSAPI        = (*ecs.Client)(nil)
)

// Retry settings of the clients NewAWS builds: the SDK's standard retryer (exponential backoff
// with jitter, retry on throttling and 5xx) with more attempts than its default of 3, since a
// release polls for many minutes and must outlast short bursts of throttling.
const (
	retryMaxAttempts = 8
	retryMaxBackoff  = 20 * time.Second
)

// NewRetryer returns the retryer of the clients NewAWS builds; opts adjust it after the release's
// settings (tests remove the backoff delay).
func NewRetryer(opts ...func(*retry.StandardOptions)) aws.Retryer {
	return retry.NewStandard(append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = retryMaxAttempts
		o.MaxBackoff = retryMaxBackoff
	}}, opts...)...)
}

// NewAWS loads the AWS configuration the usual way (environment, shared config and credentials
// files, profiles, SSO, web identity/OIDC, AWS_ENDPOINT_URL*), with region as the default region
// when non-empty (the stack's region: its resources live there), and returns the CodeDeploy and
// ECS clients.
func NewAWS(ctx context.Context, region string) (*codedeploy.Client, *ecs.Client, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return NewRetryer() }),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, &AWSError{Op: "load configuration", Err: err, Hint: awsHint(err)}
	}
	return codedeploy.NewFromConfig(cfg), ecs.NewFromConfig(cfg), nil
}

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isThrottle reports whether err is AWS throttling that outlasted the SDK's retries.
func isThrottle(err error) bool {
	code := errorCode(err)
	if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
		return true
	}
	var qe *retry.MaxAttemptsError
	if errors.As(err, &qe) {
		_, ok := retry.DefaultThrottleErrorCodes[errorCode(qe.Err)]
		return ok
	}
	return false
}

// ConsoleURL is the AWS console page of a CodeDeploy deployment.
func ConsoleURL(region, deploymentID string) string {
	return fmt.Sprintf("https://%[1]s.console.aws.amazon.com/codesuite/codedeploy/deployments/%[2]s?region=%[1]s", region, deploymentID)
}
