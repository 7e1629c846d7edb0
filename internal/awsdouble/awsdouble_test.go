package awsdouble

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"
)

// ---- fixtures ----

var t0 = time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)

const (
	step     = 30 * time.Second
	app      = "shop"
	group    = "shop-dg"
	cluster  = "shop-cluster"
	svcName  = "shop-web"
	tgA      = "shop-tg-a"
	tgB      = "shop-tg-b"
	taskDef1 = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop:1"
	taskDef2 = "arn:aws:ecs:us-east-1:123456789012:task-definition/shop:2"
)

// Offsets from creation (StepDuration 30s) of an AllAtOnce deployment.
const (
	atInProgress   = 1 * step // BeforeInstall starts
	atAllowTraffic = 7 * step // AllowTraffic starts (after Created + 6 events)
	atTermWait     = 9 * step // AfterAllowTraffic done
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type env struct {
	t     *testing.T
	clock *fakeClock
	srv   *Server
	cd    *codedeploy.Client
	ecs   *ecs.Client
}

// noDelay keeps the SDK's standard retry classification but drops the backoff sleep.
func noDelay(maxAttempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func newEnv(t *testing.T, modify func(*DeploymentGroup)) *env {
	t.Helper()
	clock := &fakeClock{t: t0}
	srv := New(Options{Now: clock.Now, StepDuration: step})
	t.Cleanup(srv.Close)
	g := DeploymentGroup{
		Application: app, Name: group, ServiceRoleArn: "arn:aws:iam::123456789012:role/codedeploy",
		Cluster: cluster, Service: svcName, TargetGroups: [2]string{tgA, tgB},
		ProdListenerArn:        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/80",
		TestListenerArn:        "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/8080",
		TerminationWaitMinutes: 5,
	}
	if modify != nil {
		modify(&g)
	}
	srv.PutApplication(app)
	srv.PutDeploymentGroup(g)
	srv.PutService(Service{Cluster: cluster, Name: svcName, TaskDefinitionArn: taskDef1, ContainerName: "web", ContainerPort: 8080, DesiredCount: 2})
	srv.PutTaskDefinition(TaskDefinition{Arn: taskDef1, ContainerName: "web", ContainerPort: 8080, Image: "shop:v1"})
	srv.PutTaskDefinition(TaskDefinition{Arn: taskDef2, ContainerName: "web", ContainerPort: 8080, Image: "shop:v2"})
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:     func() aws.Retryer { return noDelay(3) },
	}
	return &env{
		t: t, clock: clock, srv: srv,
		cd:  codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) { o.BaseEndpoint = aws.String(srv.URL()) }),
		ecs: ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(srv.URL()) }),
	}
}

func specJSON(taskDef string, hooks map[string]string) string {
	var hs []map[string]string
	for _, ev := range lifecycleOrder {
		if fn, ok := hooks[ev]; ok {
			hs = append(hs, map[string]string{ev: fn})
		}
	}
	doc := map[string]any{
		"version": "0.0",
		"Resources": []any{map[string]any{"TargetService": map[string]any{
			"Type": "AWS::ECS::Service",
			"Properties": map[string]any{
				"TaskDefinition":   taskDef,
				"LoadBalancerInfo": map[string]any{"ContainerName": "web", "ContainerPort": 8080},
				"PlatformVersion":  "LATEST",
			},
		}}},
		"Hooks": hs,
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func createInput(content string) *codedeploy.CreateDeploymentInput {
	return &codedeploy.CreateDeploymentInput{
		ApplicationName:     aws.String(app),
		DeploymentGroupName: aws.String(group),
		Description:         aws.String("release shop:2"),
		Revision: &cdtypes.RevisionLocation{
			RevisionType:   cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{Content: aws.String(content), Sha256: aws.String(sha(content))},
		},
	}
}

// create starts a deployment of taskDef2 at t0 through the SDK.
func (e *env) create(hooks map[string]string) string {
	e.t.Helper()
	e.clock.set(t0)
	out, err := e.cd.CreateDeployment(context.Background(), createInput(specJSON(taskDef2, hooks)))
	if err != nil {
		e.t.Fatalf("CreateDeployment: %v", err)
	}
	return aws.ToString(out.DeploymentId)
}

func (e *env) at(offset time.Duration) { e.clock.set(t0.Add(offset)) }

func (e *env) info(id string) *cdtypes.DeploymentInfo {
	e.t.Helper()
	out, err := e.cd.GetDeployment(context.Background(), &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		e.t.Fatalf("GetDeployment %s: %v", id, err)
	}
	return out.DeploymentInfo
}

func (e *env) status(id string) cdtypes.DeploymentStatus { return e.info(id).Status }

func (e *env) target(id string) *cdtypes.ECSTarget {
	e.t.Helper()
	out, err := e.cd.BatchGetDeploymentTargets(context.Background(), &codedeploy.BatchGetDeploymentTargetsInput{
		DeploymentId: aws.String(id), TargetIds: []string{cluster + ":" + svcName},
	})
	if err != nil {
		e.t.Fatalf("BatchGetDeploymentTargets %s: %v", id, err)
	}
	if len(out.DeploymentTargets) != 1 || out.DeploymentTargets[0].EcsTarget == nil {
		e.t.Fatalf("BatchGetDeploymentTargets %s: got %+v", id, out.DeploymentTargets)
	}
	return out.DeploymentTargets[0].EcsTarget
}

// weights returns the production traffic weights (blue, green) of the deployment's target.
func (e *env) weights(id string) (float64, float64) {
	e.t.Helper()
	blue, green := -1.0, -1.0
	for _, ts := range e.target(id).TaskSetsInfo {
		switch ts.TaskSetLabel {
		case cdtypes.TargetLabelBlue:
			blue = ts.TrafficWeight
		case cdtypes.TargetLabelGreen:
			green = ts.TrafficWeight
		}
	}
	return blue, green
}

func (e *env) service() ecstypes.Service {
	e.t.Helper()
	out, err := e.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{svcName}})
	if err != nil {
		e.t.Fatalf("DescribeServices: %v", err)
	}
	if len(out.Services) != 1 {
		e.t.Fatalf("DescribeServices: got %d services, failures %+v", len(out.Services), out.Failures)
	}
	return out.Services[0]
}

func (e *env) continueDeployment(id string, wait cdtypes.DeploymentWaitType) error {
	_, err := e.cd.ContinueDeployment(context.Background(), &codedeploy.ContinueDeploymentInput{DeploymentId: aws.String(id), DeploymentWaitType: wait})
	return err
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func eventStatuses(t *cdtypes.ECSTarget) map[string]cdtypes.LifecycleEventStatus {
	m := map[string]cdtypes.LifecycleEventStatus{}
	for _, ev := range t.LifecycleEvents {
		m[aws.ToString(ev.LifecycleEventName)] = ev.Status
	}
	return m
}

// ---- scenarios ----

func TestAllAtOnceRunsToSucceeded(t *testing.T) {
	e := newEnv(t, nil)
	id := e.create(nil)

	steps := []struct {
		at          time.Duration
		status      cdtypes.DeploymentStatus
		event       string // lifecycle event expected InProgress ("" = none)
		blue, green float64
		termStarted bool
		serviceTD   string
	}{
		{0, cdtypes.DeploymentStatusCreated, "", -1, -1, false, taskDef1},
		{atInProgress, cdtypes.DeploymentStatusInProgress, "BeforeInstall", -1, -1, false, taskDef1},
		{2 * step, cdtypes.DeploymentStatusInProgress, "Install", 100, 0, false, taskDef1},
		{5*step + time.Second, cdtypes.DeploymentStatusInProgress, "AfterAllowTestTraffic", 100, 0, false, taskDef1},
		{atAllowTraffic, cdtypes.DeploymentStatusInProgress, "AllowTraffic", 0, 100, false, taskDef1},
		{8 * step, cdtypes.DeploymentStatusInProgress, "AfterAllowTraffic", 0, 100, false, taskDef1},
		{atTermWait, cdtypes.DeploymentStatusInProgress, "", 0, 100, true, taskDef2},
		{atTermWait + 5*time.Minute - time.Second, cdtypes.DeploymentStatusInProgress, "", 0, 100, true, taskDef2},
		{atTermWait + 5*time.Minute, cdtypes.DeploymentStatusSucceeded, "", 0, 100, true, taskDef2},
	}
	for _, st := range steps {
		e.at(st.at)
		info := e.info(id)
		if info.Status != st.status {
			t.Fatalf("at %v: status %s, want %s", st.at, info.Status, st.status)
		}
		if got := info.InstanceTerminationWaitTimeStarted; got != st.termStarted {
			t.Errorf("at %v: instanceTerminationWaitTimeStarted %v, want %v", st.at, got, st.termStarted)
		}
		tgt := e.target(id)
		var inProgress []string
		for _, ev := range tgt.LifecycleEvents {
			if ev.Status == cdtypes.LifecycleEventStatusInProgress {
				inProgress = append(inProgress, aws.ToString(ev.LifecycleEventName))
			}
		}
		if want := st.event; (want == "" && len(inProgress) != 0) || (want != "" && !slices.Equal(inProgress, []string{want})) {
			t.Errorf("at %v: events in progress %v, want %q", st.at, inProgress, want)
		}
		if blue, green := e.weights(id); blue != st.blue || green != st.green {
			t.Errorf("at %v: weights blue %v green %v, want %v/%v", st.at, blue, green, st.blue, st.green)
		}
		if got := aws.ToString(e.service().TaskDefinition); got != st.serviceTD {
			t.Errorf("at %v: service task definition %s, want %s", st.at, got, st.serviceTD)
		}
	}

	info := e.info(id)
	if info.Creator != cdtypes.DeploymentCreatorUser {
		t.Errorf("creator %q, want user", info.Creator)
	}
	if got, want := aws.ToTime(info.CompleteTime), t0.Add(atTermWait+5*time.Minute); !got.Equal(want) {
		t.Errorf("completeTime %v, want %v", got, want)
	}
	if got, want := aws.ToTime(info.StartTime), t0.Add(atInProgress); !got.Equal(want) {
		t.Errorf("startTime %v, want %v", got, want)
	}
	if got := aws.ToString(info.Revision.AppSpecContent.Content); got != specJSON(taskDef2, nil) {
		t.Errorf("revision content %q", got)
	}
	for name, st := range eventStatuses(e.target(id)) {
		if st != cdtypes.LifecycleEventStatusSucceeded {
			t.Errorf("event %s: %s, want Succeeded", name, st)
		}
	}
	if got := e.srv.LiveTargetGroup(group); got != tgB {
		t.Errorf("live target group %s, want %s", got, tgB)
	}
	if got := e.srv.ServiceTaskDefinition(cluster, svcName); got != taskDef2 {
		t.Errorf("ServiceTaskDefinition %s, want %s", got, taskDef2)
	}
}

func TestTrafficShifting(t *testing.T) {
	type point struct {
		at    time.Duration // after AllowTraffic started
		green float64
	}
	cases := []struct {
		name   string
		config DeploymentConfig
		points []point
		live   []string // LiveTargetGroup at the same points
	}{
		{
			name:   "canary 10% then 100% after 5 minutes",
			config: DeploymentConfig{Name: "CodeDeployDefault.ECSCanary10Percent5Minutes"},
			points: []point{{-time.Second, 0}, {0, 10}, {5*time.Minute - time.Second, 10}, {5 * time.Minute, 100}, {5*time.Minute + step, 100}},
			live:   []string{tgA, tgA, tgA, tgB, tgB},
		},
		{
			name:   "linear 10% every minute",
			config: DeploymentConfig{Name: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"},
			points: []point{{0, 10}, {time.Minute, 20}, {4 * time.Minute, 50}, {5 * time.Minute, 60}, {8*time.Minute + 59*time.Second, 90}, {9 * time.Minute, 100}},
			live:   []string{tgA, tgA, tgA, tgB, tgB, tgB},
		},
		{
			name:   "custom linear 30% every 2 minutes",
			config: DeploymentConfig{Name: "Custom.Linear30Every2", Type: TrafficLinear, Percentage: 30, IntervalMinutes: 2},
			points: []point{{0, 30}, {2 * time.Minute, 60}, {4 * time.Minute, 90}, {6 * time.Minute, 100}},
			live:   []string{tgA, tgB, tgB, tgB},
		},
		{
			name:   "custom canary 25% for 3 minutes",
			config: DeploymentConfig{Name: "Custom.Canary25For3", Type: TrafficCanary, Percentage: 25, IntervalMinutes: 3},
			points: []point{{0, 25}, {3 * time.Minute, 100}},
			live:   []string{tgA, tgB},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(g *DeploymentGroup) { g.DeploymentConfigName = tc.config.Name })
			if tc.config.Type != "" {
				e.srv.PutDeploymentConfig(tc.config)
			}
			id := e.create(nil)
			for i, p := range tc.points {
				e.at(atAllowTraffic + p.at)
				blue, green := e.weights(id)
				if green != p.green || blue != 100-p.green {
					t.Errorf("AllowTraffic+%v: blue %v green %v, want green %v", p.at, blue, green, p.green)
				}
				if got := e.srv.LiveTargetGroup(group); got != tc.live[i] {
					t.Errorf("AllowTraffic+%v: live target group %s, want %s", p.at, got, tc.live[i])
				}
			}
			// AllowTraffic ends one step after the last shift; then the termination wait starts.
			last := tc.points[len(tc.points)-1].at
			e.at(atAllowTraffic + last + 2*step)
			if info := e.info(id); !info.InstanceTerminationWaitTimeStarted || info.Status != cdtypes.DeploymentStatusInProgress {
				t.Errorf("after traffic shift: status %s, termination wait %v", info.Status, info.InstanceTerminationWaitTimeStarted)
			}
		})
	}
}

func TestReadyWaitAndContinue(t *testing.T) {
	e := newEnv(t, func(g *DeploymentGroup) { g.ReadyAction = ReadyStop; g.ReadyWaitMinutes = 30 })
	id := e.create(nil)

	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeReadyWait); errorCode(err) != "DeploymentIsNotInReadyStateException" {
		t.Fatalf("continue while Created: %v, want DeploymentIsNotInReadyStateException", err)
	}
	e.at(6 * step) // AfterAllowTestTraffic done
	if st := e.status(id); st != cdtypes.DeploymentStatusReady {
		t.Fatalf("status %s, want Ready", st)
	}
	if st := e.target(id).Status; st != cdtypes.TargetStatusReady {
		t.Errorf("target status %s, want Ready", st)
	}
	e.at(6*step + 29*time.Minute) // still waiting, traffic untouched
	if blue, green := e.weights(id); blue != 100 || green != 0 {
		t.Errorf("while Ready: blue %v green %v", blue, green)
	}
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeTerminationWait); errorCode(err) != "InvalidDeploymentWaitTypeException" {
		t.Fatalf("TERMINATION_WAIT while Ready: %v, want InvalidDeploymentWaitTypeException", err)
	}
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeReadyWait); err != nil {
		t.Fatalf("ContinueDeployment(READY_WAIT): %v", err)
	}
	if st := e.status(id); st != cdtypes.DeploymentStatusInProgress {
		t.Fatalf("after continue: %s, want InProgress", st)
	}
	resumed := 6*step + 29*time.Minute
	e.at(resumed + step) // BeforeAllowTraffic done, AllowTraffic (all at once) started
	if _, green := e.weights(id); green != 100 {
		t.Errorf("after BeforeAllowTraffic: green %v, want 100", green)
	}
	e.at(resumed + 3*step + 5*time.Minute)
	if st := e.status(id); st != cdtypes.DeploymentStatusSucceeded {
		t.Errorf("final status %s, want Succeeded", st)
	}
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeReadyWait); errorCode(err) != "DeploymentAlreadyCompletedException" {
		t.Errorf("continue after success: %v, want DeploymentAlreadyCompletedException", err)
	}
}

func TestReadyTimeoutStopsAndRollsBack(t *testing.T) {
	e := newEnv(t, func(g *DeploymentGroup) { g.ReadyAction = ReadyStop; g.ReadyWaitMinutes = 10 })
	id := e.create(nil)
	e.at(6*step + 10*time.Minute)
	info := e.info(id)
	if info.Status != cdtypes.DeploymentStatusStopped {
		t.Fatalf("status %s, want Stopped", info.Status)
	}
	if info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeTimeout {
		t.Errorf("errorInformation %+v, want TIMEOUT", info.ErrorInformation)
	}
	rb := aws.ToString(info.RollbackInfo.RollbackDeploymentId)
	if rb == "" {
		t.Fatal("no rollback deployment")
	}
	assertRollback(t, e, id, rb, 6*step+10*time.Minute)
	if st := eventStatuses(e.target(id))["BeforeAllowTraffic"]; st != cdtypes.LifecycleEventStatusSkipped {
		t.Errorf("BeforeAllowTraffic %s, want Skipped", st)
	}
}

// assertRollback checks that rollback deployment rb of orig, created at offset, runs to
// Succeeded after two steps and leaves production on the original task set.
func assertRollback(t *testing.T, e *env, orig, rb string, createdAt time.Duration) {
	t.Helper()
	r := e.info(rb)
	if r.Creator != cdtypes.DeploymentCreatorCodeDeployRollback {
		t.Errorf("rollback creator %q, want %q", r.Creator, cdtypes.DeploymentCreatorCodeDeployRollback)
	}
	if got := aws.ToString(r.RollbackInfo.RollbackTriggeringDeploymentId); got != orig {
		t.Errorf("rollbackTriggeringDeploymentId %q, want %q", got, orig)
	}
	if r.Status != cdtypes.DeploymentStatusCreated {
		t.Errorf("rollback status at creation %s, want Created", r.Status)
	}
	e.at(createdAt + 2*step - time.Second)
	if st := e.status(rb); st != cdtypes.DeploymentStatusInProgress {
		t.Errorf("rollback status before end %s, want InProgress", st)
	}
	e.at(createdAt + 2*step)
	if st := e.status(rb); st != cdtypes.DeploymentStatusSucceeded {
		t.Errorf("rollback status %s, want Succeeded", st)
	}
	if got := e.srv.LiveTargetGroup(group); got != tgA {
		t.Errorf("live target group after rollback %s, want %s", got, tgA)
	}
	svc := e.service()
	if got := aws.ToString(svc.TaskDefinition); got != taskDef1 {
		t.Errorf("service task definition after rollback %s, want %s", got, taskDef1)
	}
	if len(svc.TaskSets) != 1 || aws.ToString(svc.TaskSets[0].Status) != "PRIMARY" {
		t.Errorf("task sets after rollback: %d", len(svc.TaskSets))
	}
	if v, _ := e.srv.Deployment(orig); v.Blue != nil && (v.Blue.Weight != 100 || v.Blue.Status != "PRIMARY" || v.Blue.Removed) {
		t.Errorf("original task set after rollback: %+v, want PRIMARY with 100%%", *v.Blue)
	}
	if blue, green := e.weights(rb); blue != -1 && (blue != 100 || green != 0) {
		t.Errorf("rollback target weights blue %v green %v, want 100/0", blue, green)
	}
}

func TestHookOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		hook      string // lifecycle event carrying the hook
		fail      bool
		duration  time.Duration // 0 = default step
		rollback  bool          // DEPLOYMENT_FAILURE enabled
		wantFail  bool
		wantDiag  string
		failsAt   time.Duration
		greenMade bool
	}{
		{name: "succeeding hook", hook: "AfterAllowTestTraffic"},
		{name: "failing BeforeInstall hook without rollback", hook: "BeforeInstall", fail: true, wantFail: true, wantDiag: "ScriptFailed", failsAt: 2 * step},
		{name: "failing AfterAllowTestTraffic hook with rollback", hook: "AfterAllowTestTraffic", fail: true, rollback: true, wantFail: true, wantDiag: "ScriptFailed", failsAt: 6 * step, greenMade: true},
		{name: "hook that never reports times out after an hour", hook: "BeforeAllowTraffic", duration: 2 * time.Hour, rollback: true, wantFail: true, wantDiag: "ScriptTimedOut", failsAt: 6*step + time.Hour, greenMade: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(g *DeploymentGroup) {
				if tc.rollback {
					g.AutoRollbackEvents = []string{RollbackOnFailure}
				}
			})
			fn := "arn:aws:lambda:us-east-1:123456789012:function:shop-smoke"
			if tc.fail {
				e.srv.SetHookResult("shop-smoke", false) // matched by the ARN's function name
			}
			if tc.duration > 0 {
				e.srv.SetHookDuration(fn, tc.duration)
			}
			id := e.create(map[string]string{tc.hook: fn})
			e.at(2 * time.Hour)
			info := e.info(id)
			if !tc.wantFail {
				if info.Status != cdtypes.DeploymentStatusSucceeded {
					t.Fatalf("status %s (%+v), want Succeeded", info.Status, info.ErrorInformation)
				}
				return
			}
			if info.Status != cdtypes.DeploymentStatusFailed || info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeHookExecutionFailure {
				t.Fatalf("status %s error %+v, want Failed/HOOK_EXECUTION_FAILURE", info.Status, info.ErrorInformation)
			}
			if got := aws.ToTime(info.CompleteTime); !got.Equal(t0.Add(tc.failsAt)) {
				t.Errorf("completeTime %v, want %v", got, t0.Add(tc.failsAt))
			}
			var failed *cdtypes.LifecycleEvent
			for i, ev := range e.target(id).LifecycleEvents {
				if ev.Status == cdtypes.LifecycleEventStatusFailed {
					failed = &e.target(id).LifecycleEvents[i]
				}
			}
			if failed == nil || aws.ToString(failed.LifecycleEventName) != tc.hook || failed.Diagnostics == nil ||
				failed.Diagnostics.ErrorCode != cdtypes.LifecycleErrorCode(tc.wantDiag) || aws.ToString(failed.Diagnostics.ScriptName) != fn {
				t.Errorf("failed event %+v, want %s with %s diagnostics", failed, tc.hook, tc.wantDiag)
			}
			v, _ := e.srv.Deployment(id)
			if (v.Green != nil) != tc.greenMade {
				t.Errorf("green task set created: %v, want %v", v.Green != nil, tc.greenMade)
			}
			rb := ""
			if info.RollbackInfo != nil {
				rb = aws.ToString(info.RollbackInfo.RollbackDeploymentId)
			}
			if (rb != "") != tc.rollback {
				t.Fatalf("rollback deployment %q, want one: %v", rb, tc.rollback)
			}
			if rb != "" {
				if st := e.status(rb); st != cdtypes.DeploymentStatusSucceeded {
					t.Errorf("rollback status %s", st)
				}
				if svc := e.service(); len(svc.TaskSets) != 1 || aws.ToString(svc.TaskDefinition) != taskDef1 {
					t.Errorf("after rollback: %d task sets, task definition %s", len(svc.TaskSets), aws.ToString(svc.TaskDefinition))
				}
			}
		})
	}
}

func TestAlarm(t *testing.T) {
	cases := []struct {
		name       string
		alarms     []string
		events     []string
		fire       string
		wantStatus cdtypes.DeploymentStatus
		wantRB     bool
		fireAt     time.Duration
	}{
		{"monitored alarm with rollback", []string{"shop-5xx"}, []string{RollbackOnAlarm}, "shop-5xx", cdtypes.DeploymentStatusStopped, true, atAllowTraffic + time.Minute},
		{"monitored alarm without rollback", []string{"shop-5xx"}, []string{RollbackOnFailure}, "shop-5xx", cdtypes.DeploymentStatusStopped, false, atAllowTraffic + time.Minute},
		{"alarm the group does not monitor", []string{"shop-5xx"}, []string{RollbackOnAlarm}, "other", cdtypes.DeploymentStatusInProgress, false, atAllowTraffic + time.Minute},
		{"alarm during the termination wait rolls back a PRIMARY green", []string{"shop-5xx"}, []string{RollbackOnAlarm}, "shop-5xx", cdtypes.DeploymentStatusStopped, true, atAllowTraffic + 5*time.Minute + 2*step + time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(g *DeploymentGroup) {
				g.DeploymentConfigName = "CodeDeployDefault.ECSCanary10Percent5Minutes"
				g.AlarmNames, g.AutoRollbackEvents = tc.alarms, tc.events
			})
			id := e.create(nil)
			fireAt := tc.fireAt
			e.at(fireAt)
			e.srv.TriggerAlarm(id, tc.fire)
			info := e.info(id)
			if info.Status != tc.wantStatus {
				t.Fatalf("status %s, want %s", info.Status, tc.wantStatus)
			}
			if tc.wantStatus == cdtypes.DeploymentStatusStopped && (info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeAlarmActive) {
				t.Errorf("errorInformation %+v, want ALARM_ACTIVE", info.ErrorInformation)
			}
			rb := ""
			if info.RollbackInfo != nil {
				rb = aws.ToString(info.RollbackInfo.RollbackDeploymentId)
			}
			if (rb != "") != tc.wantRB {
				t.Fatalf("rollback %q, want %v", rb, tc.wantRB)
			}
			if rb != "" {
				assertRollback(t, e, id, rb, fireAt)
			} else if tc.wantStatus == cdtypes.DeploymentStatusStopped {
				e.at(fireAt + time.Hour) // stopped without rollback: traffic stays split
				if blue, green := e.weights(id); blue != 90 || green != 10 {
					t.Errorf("stopped without rollback: blue %v green %v, want 90/10", blue, green)
				}
			}
		})
	}
}

func TestStopDeployment(t *testing.T) {
	cases := []struct {
		name        string
		groupEvents []string
		autoRB      *bool
		wantRB      bool
	}{
		{"explicit rollback", nil, aws.Bool(true), true},
		{"explicit no rollback despite group setting", []string{RollbackOnRequest}, aws.Bool(false), false},
		{"unset follows group DEPLOYMENT_STOP_ON_REQUEST", []string{RollbackOnRequest}, nil, true},
		{"unset without group setting", []string{RollbackOnFailure}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(g *DeploymentGroup) { g.AutoRollbackEvents = tc.groupEvents })
			id := e.create(nil)
			stopAt := 4 * step // during AfterInstall
			e.at(stopAt)
			out, err := e.cd.StopDeployment(context.Background(), &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id), AutoRollbackEnabled: tc.autoRB})
			if err != nil {
				t.Fatalf("StopDeployment: %v", err)
			}
			if out.Status != cdtypes.StopStatusSucceeded {
				t.Errorf("stop status %s", out.Status)
			}
			info := e.info(id)
			if info.Status != cdtypes.DeploymentStatusStopped || info.ErrorInformation == nil || info.ErrorInformation.Code != cdtypes.ErrorCodeManualStop {
				t.Fatalf("status %s error %+v, want Stopped/MANUAL_STOP", info.Status, info.ErrorInformation)
			}
			rb := ""
			if info.RollbackInfo != nil {
				rb = aws.ToString(info.RollbackInfo.RollbackDeploymentId)
			}
			if (rb != "") != tc.wantRB {
				t.Fatalf("rollback %q, want %v", rb, tc.wantRB)
			}
			if rb != "" {
				assertRollback(t, e, id, rb, stopAt)
			}
			if _, err := e.cd.StopDeployment(context.Background(), &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id)}); errorCode(err) != "DeploymentAlreadyCompletedException" {
				t.Errorf("second stop: %v, want DeploymentAlreadyCompletedException", err)
			}
		})
	}
}

func TestDeploymentLimit(t *testing.T) {
	e := newEnv(t, nil)
	e.at(-time.Minute)
	other, err := e.srv.StartDeployment(CreateInput{Application: app, DeploymentGroup: group, AppSpec: specJSON(taskDef2, nil)})
	if err != nil {
		t.Fatalf("StartDeployment: %v", err)
	}
	e.at(0)
	_, err = e.cd.CreateDeployment(context.Background(), createInput(specJSON(taskDef2, nil)))
	var limit *cdtypes.DeploymentLimitExceededException
	if !errors.As(err, &limit) || !strings.Contains(limit.ErrorMessage(), other) {
		t.Fatalf("CreateDeployment while %s active: %v, want DeploymentLimitExceededException naming it", other, err)
	}
	list, err := e.cd.ListDeployments(context.Background(), &codedeploy.ListDeploymentsInput{
		ApplicationName: aws.String(app), DeploymentGroupName: aws.String(group),
		IncludeOnlyStatuses: []cdtypes.DeploymentStatus{cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusQueued, cdtypes.DeploymentStatusInProgress, cdtypes.DeploymentStatusReady},
	})
	if err != nil || !slices.Equal(list.Deployments, []string{other}) {
		t.Fatalf("ListDeployments active: %v %v, want [%s]", list, err, other)
	}
	e.at(atTermWait + 10*time.Minute) // the other one has finished
	if _, err := e.cd.CreateDeployment(context.Background(), createInput(specJSON(taskDef1, nil))); err != nil {
		t.Fatalf("CreateDeployment after the other finished: %v", err)
	}
}

func TestCreateDeploymentValidation(t *testing.T) {
	good := specJSON(taskDef2, nil)
	cases := []struct {
		name   string
		modify func(*codedeploy.CreateDeploymentInput)
		want   string
	}{
		{"unknown group", func(in *codedeploy.CreateDeploymentInput) { in.DeploymentGroupName = aws.String("nope") }, "DeploymentGroupDoesNotExistException"},
		{"unknown application", func(in *codedeploy.CreateDeploymentInput) { in.ApplicationName = aws.String("nope") }, "ApplicationDoesNotExistException"},
		{"sha256 mismatch", func(in *codedeploy.CreateDeploymentInput) {
			in.Revision.AppSpecContent.Sha256 = aws.String(sha("other"))
		}, "InvalidRevisionException"},
		{"not JSON", func(in *codedeploy.CreateDeploymentInput) {
			in.Revision.AppSpecContent = &cdtypes.AppSpecContent{Content: aws.String("version: 0.0\n")}
		}, "InvalidRevisionException"},
		{"unknown hook event", func(in *codedeploy.CreateDeploymentInput) {
			in.Revision.AppSpecContent = &cdtypes.AppSpecContent{Content: aws.String(strings.Replace(specJSON(taskDef2, map[string]string{"BeforeInstall": "f"}), "BeforeInstall", "AllowTraffic", 1))}
		}, "InvalidRevisionException"},
		{"S3 revision", func(in *codedeploy.CreateDeploymentInput) {
			in.Revision = &cdtypes.RevisionLocation{RevisionType: cdtypes.RevisionLocationTypeS3}
		}, "InvalidRevisionException"},
		{"unknown deployment config", func(in *codedeploy.CreateDeploymentInput) { in.DeploymentConfigName = aws.String("nope") }, "DeploymentConfigDoesNotExistException"},
		{"valid", func(*codedeploy.CreateDeploymentInput) {}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			in := createInput(good)
			tc.modify(in)
			_, err := e.cd.CreateDeployment(context.Background(), in)
			if got := errorCode(err); got != tc.want || (tc.want == "" && err != nil) {
				t.Errorf("error %v (code %q), want %q", err, got, tc.want)
			}
		})
	}
}

func TestInstallFailsForUnregisteredTaskDefinition(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.set(t0)
	content := specJSON("arn:aws:ecs:us-east-1:123456789012:task-definition/shop:99", nil)
	out, err := e.cd.CreateDeployment(context.Background(), createInput(content))
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	id := aws.ToString(out.DeploymentId)
	e.at(2 * step)
	info := e.info(id)
	if info.Status != cdtypes.DeploymentStatusFailed || info.ErrorInformation.Code != cdtypes.ErrorCodeEcsUpdateError {
		t.Fatalf("status %s error %+v, want Failed/ECS_UPDATE_ERROR", info.Status, info.ErrorInformation)
	}
	if st := eventStatuses(e.target(id))["Install"]; st != cdtypes.LifecycleEventStatusFailed {
		t.Errorf("Install %s, want Failed", st)
	}
}

func TestFaultInjection(t *testing.T) {
	cases := []struct {
		name      string
		op        string
		n, status int
		errType   string
		wantErr   string
		wantCalls int
	}{
		{"throttling twice is retried", "GetDeployment", 2, 400, "ThrottlingException", "", 3},
		{"5xx twice is retried", "GetDeployment", 2, 500, "InternalFailure", "", 3},
		{"503 for any operation is retried", "", 1, 503, "ServiceUnavailable", "", 2},
		{"throttling beyond max attempts surfaces", "GetDeployment", 3, 400, "ThrottlingException", "ThrottlingException", 3},
		{"non-retryable error is not retried", "GetDeployment", 1, 400, "AccessDeniedException", "AccessDeniedException", 1},
		{"fault on another operation leaves GetDeployment alone", "StopDeployment", 1, 400, "ThrottlingException", "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			id := e.create(nil)
			e.srv.FailNext(tc.op, tc.n, tc.status, tc.errType)
			_, err := e.cd.GetDeployment(context.Background(), &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
			if got := errorCode(err); got != tc.wantErr || (tc.wantErr == "" && err != nil) {
				t.Errorf("error %v, want %q", err, tc.wantErr)
			}
			if got := e.srv.CallCount("GetDeployment"); got != tc.wantCalls {
				t.Errorf("GetDeployment calls %d, want %d", got, tc.wantCalls)
			}
		})
	}

	t.Run("lost CreateDeployment response: the retry meets the deployment it started", func(t *testing.T) {
		e := newEnv(t, nil)
		e.srv.FailNextAfterEffect("CreateDeployment", 1, 500, "InternalFailure")
		_, err := e.cd.CreateDeployment(context.Background(), createInput(specJSON(taskDef2, nil)))
		ids := e.srv.Deployments()
		if len(ids) != 1 || errorCode(err) != "DeploymentLimitExceededException" || !strings.Contains(err.Error(), ids[0]) {
			t.Errorf("got %v with deployments %v, want DeploymentLimitExceededException naming the one created", err, ids)
		}
		if got := e.srv.CallCount("CreateDeployment"); got != 2 {
			t.Errorf("CreateDeployment calls %d, want 2", got)
		}
	})
}

func TestContinueTerminationWaitEndsEarly(t *testing.T) {
	e := newEnv(t, func(g *DeploymentGroup) { g.TerminationWaitMinutes = 60 })
	id := e.create(nil)
	e.at(8 * step)
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeTerminationWait); errorCode(err) != "InvalidDeploymentStatusException" {
		t.Errorf("TERMINATION_WAIT before the wait: %v, want InvalidDeploymentStatusException", err)
	}
	e.at(atTermWait + 2*time.Minute)
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeReadyWait); errorCode(err) != "InvalidDeploymentWaitTypeException" {
		t.Errorf("READY_WAIT during termination wait: %v, want InvalidDeploymentWaitTypeException", err)
	}
	if svc := e.service(); len(svc.TaskSets) != 2 {
		t.Fatalf("during termination wait: %d task sets, want 2", len(svc.TaskSets))
	}
	if err := e.continueDeployment(id, cdtypes.DeploymentWaitTypeTerminationWait); err != nil {
		t.Fatalf("ContinueDeployment(TERMINATION_WAIT): %v", err)
	}
	info := e.info(id)
	if info.Status != cdtypes.DeploymentStatusSucceeded || !aws.ToTime(info.CompleteTime).Equal(t0.Add(atTermWait+2*time.Minute)) {
		t.Errorf("status %s completeTime %v, want Succeeded at the continue", info.Status, aws.ToTime(info.CompleteTime))
	}
	if svc := e.service(); len(svc.TaskSets) != 1 || aws.ToString(svc.TaskSets[0].TaskDefinition) != taskDef2 {
		t.Errorf("after termination: %d task sets", len(svc.TaskSets))
	}
}

func TestDescribeServicesReflectsSwap(t *testing.T) {
	e := newEnv(t, nil)
	tgArn := func(name string) string { return e.srv.TargetGroupArn(name) }
	type taskSetWant struct {
		status, taskDef, tg string
	}
	checks := []struct {
		at       time.Duration
		taskDef  string
		lbTG     string
		taskSets []taskSetWant
	}{
		{0, taskDef1, tgA, []taskSetWant{{"PRIMARY", taskDef1, tgA}}},
		{3 * step, taskDef1, tgA, []taskSetWant{{"PRIMARY", taskDef1, tgA}, {"ACTIVE", taskDef2, tgB}}},
		{atTermWait, taskDef2, tgB, []taskSetWant{{"ACTIVE", taskDef1, tgA}, {"PRIMARY", taskDef2, tgB}}},
		{atTermWait + 5*time.Minute, taskDef2, tgB, []taskSetWant{{"PRIMARY", taskDef2, tgB}}},
	}
	id := e.create(nil)
	for _, c := range checks {
		e.at(c.at)
		svc := e.service()
		if got := aws.ToString(svc.TaskDefinition); got != c.taskDef {
			t.Errorf("at %v: taskDefinition %s, want %s", c.at, got, c.taskDef)
		}
		if svc.DeploymentController == nil || svc.DeploymentController.Type != ecstypes.DeploymentControllerTypeCodeDeploy {
			t.Errorf("deployment controller %+v", svc.DeploymentController)
		}
		if len(svc.Deployments) != 0 {
			t.Errorf("CODE_DEPLOY service lists %d deployments, want none", len(svc.Deployments))
		}
		if len(svc.LoadBalancers) != 1 || aws.ToString(svc.LoadBalancers[0].TargetGroupArn) != tgArn(c.lbTG) {
			t.Errorf("at %v: load balancers %+v, want %s", c.at, svc.LoadBalancers, tgArn(c.lbTG))
		}
		var got []taskSetWant
		for _, ts := range svc.TaskSets {
			got = append(got, taskSetWant{aws.ToString(ts.Status), aws.ToString(ts.TaskDefinition), targetGroupName(aws.ToString(ts.LoadBalancers[0].TargetGroupArn))})
			if ts.Scale == nil || ts.Scale.Value != 100 || ts.Scale.Unit != ecstypes.ScaleUnitPercent {
				t.Errorf("task set scale %+v", ts.Scale)
			}
			if aws.ToString(ts.TaskDefinition) == taskDef2 && aws.ToString(ts.ExternalId) != id {
				t.Errorf("green task set externalId %q, want %s", aws.ToString(ts.ExternalId), id)
			}
		}
		if !slices.Equal(got, c.taskSets) {
			t.Errorf("at %v: task sets %+v, want %+v", c.at, got, c.taskSets)
		}
	}

	out, err := e.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{
		Cluster:  aws.String("arn:aws:ecs:us-east-1:123456789012:cluster/" + cluster),
		Services: []string{"arn:aws:ecs:us-east-1:123456789012:service/" + cluster + "/" + svcName, "ghost"},
	})
	if err != nil || len(out.Services) != 1 || len(out.Failures) != 1 || aws.ToString(out.Failures[0].Reason) != "MISSING" {
		t.Errorf("DescribeServices by ARN plus unknown: %+v %v", out, err)
	}
	_, err = e.ecs.DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String("nope"), Services: []string{svcName}})
	if errorCode(err) != "ClusterNotFoundException" {
		t.Errorf("unknown cluster: %v", err)
	}
}

func TestTaskDefinitions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	cases := []struct{ ref, want string }{
		{taskDef1, taskDef1}, {"shop:2", taskDef2}, {"shop", taskDef2},
	}
	for _, c := range cases {
		out, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(c.ref)})
		if err != nil {
			t.Fatalf("DescribeTaskDefinition %s: %v", c.ref, err)
		}
		td := out.TaskDefinition
		if aws.ToString(td.TaskDefinitionArn) != c.want || len(td.ContainerDefinitions) != 1 ||
			aws.ToString(td.ContainerDefinitions[0].Name) != "web" || aws.ToInt32(td.ContainerDefinitions[0].PortMappings[0].ContainerPort) != 8080 {
			t.Errorf("DescribeTaskDefinition %s: %+v", c.ref, td)
		}
	}
	if _, err := e.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("shop:7")}); errorCode(err) != "ClientException" {
		t.Errorf("unknown task definition: %v, want ClientException", err)
	}
	for sortOrder, want := range map[ecstypes.SortOrder][]string{
		ecstypes.SortOrderDesc: {taskDef2, taskDef1},
		ecstypes.SortOrderAsc:  {taskDef1, taskDef2},
	} {
		out, err := e.ecs.ListTaskDefinitions(ctx, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String("shop"), Sort: sortOrder})
		if err != nil || !slices.Equal(out.TaskDefinitionArns, want) {
			t.Errorf("ListTaskDefinitions %s: %v %v, want %v", sortOrder, out, err, want)
		}
	}
}

func TestDeploymentGroupAndConfigShapes(t *testing.T) {
	e := newEnv(t, func(g *DeploymentGroup) {
		g.ReadyAction, g.ReadyWaitMinutes = ReadyStop, 20
		g.AutoRollbackEvents, g.AlarmNames = []string{RollbackOnFailure, RollbackOnAlarm}, []string{"shop-5xx"}
		g.DeploymentConfigName = "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
	})
	ctx := context.Background()
	out, err := e.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String(app), DeploymentGroupName: aws.String(group)})
	if err != nil {
		t.Fatalf("GetDeploymentGroup: %v", err)
	}
	g := out.DeploymentGroupInfo
	bg := g.BlueGreenDeploymentConfiguration
	pair := g.LoadBalancerInfo.TargetGroupPairInfoList[0]
	checks := map[string][2]any{
		"computePlatform": {g.ComputePlatform, cdtypes.ComputePlatformEcs},
		"deploymentType":  {g.DeploymentStyle.DeploymentType, cdtypes.DeploymentTypeBlueGreen},
		"option":          {g.DeploymentStyle.DeploymentOption, cdtypes.DeploymentOptionWithTrafficControl},
		"config":          {aws.ToString(g.DeploymentConfigName), "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"},
		"readyAction":     {bg.DeploymentReadyOption.ActionOnTimeout, cdtypes.DeploymentReadyActionStopDeployment},
		"readyWait":       {bg.DeploymentReadyOption.WaitTimeInMinutes, int32(20)},
		"termination":     {bg.TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes, int32(5)},
		"tg0":             {aws.ToString(pair.TargetGroups[0].Name), tgA},
		"tg1":             {aws.ToString(pair.TargetGroups[1].Name), tgB},
		"prodListener":    {len(pair.ProdTrafficRoute.ListenerArns), 1},
		"testListener":    {len(pair.TestTrafficRoute.ListenerArns), 1},
		"ecsService":      {aws.ToString(g.EcsServices[0].ServiceName) + "@" + aws.ToString(g.EcsServices[0].ClusterName), svcName + "@" + cluster},
		"autoRollback":    {g.AutoRollbackConfiguration.Enabled, true},
		"rollbackEvents":  {len(g.AutoRollbackConfiguration.Events), 2},
		"alarm":           {aws.ToString(g.AlarmConfiguration.Alarms[0].Name), "shop-5xx"},
	}
	for name, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s: %v, want %v", name, c[0], c[1])
		}
	}
	if _, err := e.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String(app), DeploymentGroupName: aws.String("x")}); errorCode(err) != "DeploymentGroupDoesNotExistException" {
		t.Errorf("unknown group: %v", err)
	}

	configs := []struct {
		name           string
		typ            cdtypes.TrafficRoutingType
		pct, interval  int32
		canary, linear bool
	}{
		{"CodeDeployDefault.ECSAllAtOnce", cdtypes.TrafficRoutingTypeAllAtOnce, 0, 0, false, false},
		{"CodeDeployDefault.ECSCanary10Percent15Minutes", cdtypes.TrafficRoutingTypeTimeBasedCanary, 10, 15, true, false},
		{"CodeDeployDefault.ECSLinear10PercentEvery3Minutes", cdtypes.TrafficRoutingTypeTimeBasedLinear, 10, 3, false, true},
	}
	for _, c := range configs {
		out, err := e.cd.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String(c.name)})
		if err != nil {
			t.Fatalf("GetDeploymentConfig %s: %v", c.name, err)
		}
		r := out.DeploymentConfigInfo.TrafficRoutingConfig
		if r.Type != c.typ || (r.TimeBasedCanary != nil) != c.canary || (r.TimeBasedLinear != nil) != c.linear {
			t.Errorf("%s: %+v", c.name, r)
		}
		if c.canary && (r.TimeBasedCanary.CanaryPercentage != c.pct || r.TimeBasedCanary.CanaryInterval != c.interval) {
			t.Errorf("%s canary %+v", c.name, r.TimeBasedCanary)
		}
		if c.linear && (r.TimeBasedLinear.LinearPercentage != c.pct || r.TimeBasedLinear.LinearInterval != c.interval) {
			t.Errorf("%s linear %+v", c.name, r.TimeBasedLinear)
		}
		if out.DeploymentConfigInfo.ComputePlatform != cdtypes.ComputePlatformEcs {
			t.Errorf("%s compute platform %s", c.name, out.DeploymentConfigInfo.ComputePlatform)
		}
	}
}

func TestDeploymentTargetsListing(t *testing.T) {
	e := newEnv(t, nil)
	id := e.create(nil)
	ctx := context.Background()
	list, err := e.cd.ListDeploymentTargets(ctx, &codedeploy.ListDeploymentTargetsInput{DeploymentId: aws.String(id)})
	want := cluster + ":" + svcName
	if err != nil || !slices.Equal(list.TargetIds, []string{want}) {
		t.Fatalf("ListDeploymentTargets: %v %v, want [%s]", list, err, want)
	}
	e.at(3 * step)
	got, err := e.cd.GetDeploymentTarget(ctx, &codedeploy.GetDeploymentTargetInput{DeploymentId: aws.String(id), TargetId: aws.String(want)})
	if err != nil {
		t.Fatalf("GetDeploymentTarget: %v", err)
	}
	tgt := got.DeploymentTarget.EcsTarget
	if got.DeploymentTarget.DeploymentTargetType != cdtypes.DeploymentTargetTypeEcsTarget || aws.ToString(tgt.TargetArn) != e.srv.serviceArn(cluster, svcName) {
		t.Errorf("target %+v", got.DeploymentTarget)
	}
	var green *cdtypes.ECSTaskSet
	for i := range tgt.TaskSetsInfo {
		if tgt.TaskSetsInfo[i].TaskSetLabel == cdtypes.TargetLabelGreen {
			green = &tgt.TaskSetsInfo[i]
		}
	}
	if green == nil || aws.ToString(green.Identifer) == "" || green.DesiredCount != 2 || green.RunningCount != 2 || aws.ToString(green.TargetGroup.Name) != tgB {
		t.Errorf("green task set %+v", green)
	}
	if _, err := e.cd.GetDeploymentTarget(ctx, &codedeploy.GetDeploymentTargetInput{DeploymentId: aws.String(id), TargetId: aws.String("x:y")}); errorCode(err) != "DeploymentTargetDoesNotExistException" {
		t.Errorf("unknown target: %v", err)
	}
	if _, err := e.cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String("d-NOPE")}); errorCode(err) != "DeploymentDoesNotExistException" {
		t.Errorf("unknown deployment: %v", err)
	}
}

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t, nil)
	cases := []string{"CodeDeploy_20141006.DeleteApplication", "AmazonEC2ContainerServiceV20141113.UpdateService", "Nope.Nothing", ""}
	for _, target := range cases {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL(), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(body, &got)
		if resp.StatusCode != http.StatusBadRequest || got.Type != "UnknownOperationException" {
			t.Errorf("%q: %d %s, want 400 UnknownOperationException", target, resp.StatusCode, body)
		}
	}
}

func TestCallsRecordInputs(t *testing.T) {
	e := newEnv(t, nil)
	id := e.create(nil)
	e.info(id)
	calls := e.srv.Calls()
	if len(calls) != 2 || calls[0].Op != "CreateDeployment" || calls[1].Op != "GetDeployment" || calls[0].Service != ServiceCodeDeploy {
		t.Fatalf("calls %+v", calls)
	}
	if calls[1].Input["deploymentId"] != id || !calls[0].At.Equal(t0) {
		t.Errorf("GetDeployment input %v at %v", calls[1].Input, calls[0].At)
	}
	v, ok := e.srv.Deployment(id)
	if !ok || v.AppSpec != specJSON(taskDef2, nil) || v.TaskDefinitionArn != taskDef2 || len(v.Events) == 0 {
		t.Errorf("view %+v", v)
	}
}

func TestFollowUpDeployment(t *testing.T) {
	cases := []struct {
		name      string
		stopFirst bool // stop the first one mid-canary without rollback
		wantBlue  string
		wantGreen string
		wantLive  string
	}{
		{"after a success the roles of the target groups swap", false, tgB, tgA, tgA},
		{"after a stop without rollback the leftover task set is replaced", true, tgA, tgB, tgB},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(g *DeploymentGroup) { g.DeploymentConfigName = "CodeDeployDefault.ECSCanary10Percent5Minutes" })
			first := e.create(nil)
			end := atAllowTraffic + 5*time.Minute + 2*step + 5*time.Minute
			if tc.stopFirst {
				e.at(atAllowTraffic + time.Minute)
				if _, err := e.cd.StopDeployment(context.Background(), &codedeploy.StopDeploymentInput{DeploymentId: aws.String(first), AutoRollbackEnabled: aws.Bool(false)}); err != nil {
					t.Fatalf("StopDeployment: %v", err)
				}
				end = atAllowTraffic + time.Minute
			}
			e.at(end)
			out, err := e.cd.CreateDeployment(context.Background(), createInput(specJSON(taskDef1, nil)))
			if err != nil {
				t.Fatalf("second CreateDeployment: %v", err)
			}
			second := aws.ToString(out.DeploymentId)
			e.at(end + 3*step) // Install done
			if svc := e.service(); len(svc.TaskSets) != 2 {
				t.Errorf("during the second deployment: %d task sets, want 2", len(svc.TaskSets))
			}
			if blue, green := e.weights(second); blue != 100 || green != 0 {
				t.Errorf("second deployment before traffic: blue %v green %v, want 100/0", blue, green)
			}
			e.at(end + 2*time.Hour)
			if st := e.status(second); st != cdtypes.DeploymentStatusSucceeded {
				t.Fatalf("second deployment %s", st)
			}
			v, _ := e.srv.Deployment(second)
			if v.Blue.TargetGroup != tc.wantBlue || v.Green.TargetGroup != tc.wantGreen {
				t.Errorf("blue %s green %s, want %s/%s", v.Blue.TargetGroup, v.Green.TargetGroup, tc.wantBlue, tc.wantGreen)
			}
			if got := e.srv.LiveTargetGroup(group); got != tc.wantLive {
				t.Errorf("live %s, want %s", got, tc.wantLive)
			}
			if got := e.srv.ServiceTaskDefinition(cluster, svcName); got != taskDef1 {
				t.Errorf("service task definition %s, want %s", got, taskDef1)
			}
		})
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	e := newEnv(t, nil)
	t.Setenv("AWS_ENDPOINT_URL_CODEDEPLOY", e.srv.URL())
	t.Setenv("AWS_ENDPOINT_URL_ECS", e.srv.URL())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	if _, err := codedeploy.NewFromConfig(cfg).GetDeploymentConfig(context.Background(), &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String("CodeDeployDefault.ECSAllAtOnce")}); err != nil {
		t.Errorf("codedeploy via AWS_ENDPOINT_URL_CODEDEPLOY: %v", err)
	}
	if _, err := ecs.NewFromConfig(cfg).DescribeServices(context.Background(), &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{svcName}}); err != nil {
		t.Errorf("ecs via AWS_ENDPOINT_URL_ECS: %v", err)
	}
	if e.srv.CallCount("GetDeploymentConfig") != 1 || e.srv.CallCount("DescribeServices") != 1 {
		t.Errorf("calls %+v", e.srv.Calls())
	}
}
