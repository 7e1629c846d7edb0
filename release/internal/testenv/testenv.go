// Package testenv wires the release to the CodeDeploy/ECS TEST DOUBLE (internal/awsdouble)
// through the real aws-sdk-go-v2 clients, with a fake clock, for the scenario tests of release
// and release/cli. Nothing here talks to AWS.
package testenv

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/internal/fakeclock"
)

// Names of the simulated stack.
const (
	Region    = "eu-west-1"
	Account   = "123456789012"
	App       = "web-app"
	Group     = "web-dg"
	Cluster   = "web-cluster"
	Service   = "web-svc"
	Container = "web"
	Port      = 8080
	BlueTG    = "web-tg-a"
	GreenTG   = "web-tg-b"
	Stack     = "dev"
)

// TD is the ARN of revision n of the "web" task definition family.
func TD(n int) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/web:%d", Region, Account, n)
}

// Start is the fake clock's start.
var Start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Options shape the simulated deployment group and stack.
type Options struct {
	// DeploymentConfig of the group. Default CodeDeployDefault.ECSAllAtOnce.
	DeploymentConfig string
	// Configs are custom deployment configs to register.
	Configs []awsdouble.DeploymentConfig
	// ReadyAction (default CONTINUE_DEPLOYMENT) and ReadyWaitMinutes of the group.
	ReadyAction      string
	ReadyWaitMinutes int32
	// TerminationWaitMinutes of the group. Default 5; -1 for 0.
	TerminationWaitMinutes int32
	// Hooks is the lifecycleHooks output.
	Hooks map[string]string
	// Smoke is the smokeCheck output. Default: disabled.
	Smoke map[string]any
	// TestURL is the testUrl output. Default http://127.0.0.1:1 (loopback, nothing listens).
	TestURL string
	// GroupTargetGroups overrides the group's target groups (default BlueTG, GreenTG).
	GroupTargetGroups [2]string
	// Serving is the revision the service runs at the start (default 1); the stack wants 2.
	Serving int
	// NoAutoRollback disables the group's auto-rollback (default: on failure, alarm and request).
	NoAutoRollback bool
	// StepDuration of the double. Default 30s.
	StepDuration time.Duration
}

// Env is a simulated stack: the double, the clients pointed at it, the stack outputs.
type Env struct {
	Clock      *fakeclock.Clock
	Server     *awsdouble.Server
	CodeDeploy *codedeploy.Client
	ECS        *ecs.Client
	Outputs    auto.OutputMap

	mu     sync.Mutex
	events []release.Event
}

// New starts the double (closed at the end of the test) and registers the stack's resources:
// task definitions web:1..3, the service running web:1 behind BlueTG, the deployment group.
func New(tb testing.TB, o Options) *Env {
	tb.Helper()
	if o.DeploymentConfig == "" {
		o.DeploymentConfig = "CodeDeployDefault.ECSAllAtOnce"
	}
	if o.ReadyAction == "" {
		o.ReadyAction = awsdouble.ReadyContinue
	}
	switch o.TerminationWaitMinutes {
	case 0:
		o.TerminationWaitMinutes = 5
	case -1:
		o.TerminationWaitMinutes = 0
	}
	if o.TestURL == "" {
		o.TestURL = "http://127.0.0.1:1"
	}
	if o.GroupTargetGroups == [2]string{} {
		o.GroupTargetGroups = [2]string{BlueTG, GreenTG}
	}
	if o.Serving == 0 {
		o.Serving = 1
	}
	if o.StepDuration == 0 {
		o.StepDuration = 30 * time.Second
	}
	clock := fakeclock.New(Start)
	srv := awsdouble.New(awsdouble.Options{Now: clock.Now, Region: Region, AccountID: Account, StepDuration: o.StepDuration})
	tb.Cleanup(srv.Close)
	for _, c := range o.Configs {
		srv.PutDeploymentConfig(c)
	}
	for n := 1; n <= 3; n++ {
		srv.PutTaskDefinition(awsdouble.TaskDefinition{Arn: TD(n), ContainerName: Container, ContainerPort: Port, Image: fmt.Sprintf("web:v%d", n)})
	}
	rollbackEvents := []string{awsdouble.RollbackOnFailure, awsdouble.RollbackOnAlarm, awsdouble.RollbackOnRequest}
	if o.NoAutoRollback {
		rollbackEvents = nil
	}
	srv.PutApplication(App)
	srv.PutDeploymentGroup(awsdouble.DeploymentGroup{
		Application: App, Name: Group, DeploymentConfigName: o.DeploymentConfig,
		ServiceRoleArn: "arn:aws:iam::" + Account + ":role/codedeploy",
		Cluster:        Cluster, Service: Service, TargetGroups: o.GroupTargetGroups,
		ProdListenerArn:  "arn:aws:elasticloadbalancing:" + Region + ":" + Account + ":listener/app/web/1/prod",
		TestListenerArn:  "arn:aws:elasticloadbalancing:" + Region + ":" + Account + ":listener/app/web/1/test",
		ReadyAction:      o.ReadyAction,
		ReadyWaitMinutes: o.ReadyWaitMinutes, TerminationWaitMinutes: o.TerminationWaitMinutes,
		AutoRollbackEvents: rollbackEvents,
		AlarmNames:         []string{"web-5xx"},
	})
	srv.PutService(awsdouble.Service{Cluster: Cluster, Name: Service, TaskDefinitionArn: TD(o.Serving), ContainerName: Container, ContainerPort: Port, DesiredCount: 2})

	noDelay := func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	}
	creds := credentials.NewStaticCredentialsProvider("AKIDTESTDOUBLE", "secret", "")
	e := &Env{
		Clock:  clock,
		Server: srv,
		CodeDeploy: codedeploy.New(codedeploy.Options{Region: Region, BaseEndpoint: aws.String(srv.URL()), Credentials: creds,
			Retryer: release.NewRetryer(noDelay)}),
		ECS: ecs.New(ecs.Options{Region: Region, BaseEndpoint: aws.String(srv.URL()), Credentials: creds,
			Retryer: release.NewRetryer(noDelay)}),
	}
	smoke := o.Smoke
	if smoke == nil {
		smoke = map[string]any{"enabled": false, "path": "/health", "expectedStatus": []any{200.0},
			"consecutiveSuccesses": 3.0, "intervalSeconds": 5.0, "requestTimeoutSeconds": 2.0, "totalTimeoutSeconds": 120.0}
	}
	hooks := map[string]any{}
	for k, v := range o.Hooks {
		hooks[k] = v
	}
	out := map[string]any{
		release.OutAlbDNSName:            "web-123.eu-west-1.elb.amazonaws.com",
		release.OutProdURL:               "http://web-123.eu-west-1.elb.amazonaws.com",
		release.OutTestURL:               o.TestURL,
		release.OutClusterName:           Cluster,
		release.OutServiceName:           Service,
		release.OutTaskDefinitionArn:     TD(2),
		release.OutContainerName:         Container,
		release.OutContainerPort:         float64(Port),
		release.OutCodeDeployApplication: App,
		release.OutCodeDeployGroup:       Group,
		release.OutProdListenerArn:       "arn:aws:elasticloadbalancing:" + Region + ":" + Account + ":listener/app/web/1/prod",
		release.OutTestListenerArn:       "arn:aws:elasticloadbalancing:" + Region + ":" + Account + ":listener/app/web/1/test",
		release.OutBlueTargetGroupName:   BlueTG,
		release.OutGreenTargetGroupName:  GreenTG,
		release.OutSubnetIDs:             []any{"subnet-b", "subnet-a"},
		release.OutTaskSecurityGroupIDs:  []any{"sg-1"},
		release.OutRegion:                Region,
		release.OutAssignPublicIP:        false,
		release.OutPlatformVersion:       "LATEST",
		release.OutLifecycleHooks:        hooks,
		release.OutSmokeCheck:            smoke,
	}
	e.Outputs = auto.OutputMap{}
	for k, v := range out {
		e.Outputs[k] = auto.OutputValue{Value: v}
	}
	return e
}

// Target is the release target of the outputs.
func (e *Env) Target(tb testing.TB) release.Target {
	tb.Helper()
	t, err := release.TargetFromOutputs(Stack, e.Outputs)
	if err != nil {
		tb.Fatalf("TargetFromOutputs: %v", err)
	}
	return t
}

// Client is a release client on the double and the fake clock that records its events.
func (e *Env) Client() *release.Client {
	return &release.Client{CodeDeploy: e.CodeDeploy, ECS: e.ECS, Clock: e.Clock, Events: e.Record}
}

// Record stores an event (the Events function of Client).
func (e *Env) Record(ev release.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
}

// Events returns the recorded events.
func (e *Env) Events() []release.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]release.Event(nil), e.events...)
}

// NewAWS returns the clients on the double (for cli.Deps.NewAWS).
func (e *Env) NewAWS(_ context.Context, region string) (release.CodeDeployAPI, release.ECSAPI, error) {
	if region != Region {
		return nil, nil, fmt.Errorf("test env: region %q, want %q", region, Region)
	}
	return e.CodeDeploy, e.ECS, nil
}

// CallsOf returns the double's calls of op, in order.
func (e *Env) CallsOf(op string) []awsdouble.Call {
	var out []awsdouble.Call
	for _, c := range e.Server.Calls() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// DeploymentIDs returns the IDs of the deployments created by release events, in order.
func (e *Env) CreatedIDs() []string {
	var ids []string
	for _, ev := range e.Events() {
		if ev.Kind == release.EventCreated {
			ids = append(ids, ev.DeploymentID)
		}
	}
	return ids
}
