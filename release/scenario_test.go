package release_test

// Scenario tests: the release runs through the real aws-sdk-go-v2 clients against the
// CodeDeploy/ECS TEST DOUBLE (internal/awsdouble) with a fake clock. They assert the calls the
// double received, the outcome, the typed error and its exit code.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/codedeploy"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/appspec"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/internal/testenv"
)

func deploy(t *testing.T, env *testenv.Env, tgt release.Target, opts release.DeployOptions) (*release.Outcome, error) {
	t.Helper()
	return env.Client().Deploy(context.Background(), tgt, opts)
}

func wantExit(t *testing.T, err error, code int) {
	t.Helper()
	if got := release.ExitCode(err); got != code {
		t.Fatalf("exit code %d, want %d (error: %v)", got, code, err)
	}
}

// trafficSteps is the sequence of distinct traffic percentages that progress events reported
// for deployment id.
func trafficSteps(env *testenv.Env, id string) []float64 {
	var steps []float64
	for _, e := range env.Events() {
		if e.Kind != release.EventProgress || e.DeploymentID != id || e.Progress.TrafficPercent == nil {
			continue
		}
		p := *e.Progress.TrafficPercent
		if len(steps) == 0 || steps[len(steps)-1] != p {
			steps = append(steps, p)
		}
	}
	return steps
}

func TestDeployAllAtOnce(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	tgt := env.Target(t)
	out, err := deploy(t, env, tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultReleased {
		t.Fatalf("result %s, want released", out.Result)
	}
	if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(2) {
		t.Errorf("service runs %s, want %s", got, testenv.TD(2))
	}
	if out.LiveTargetGroup != testenv.GreenTG || env.Server.LiveTargetGroup(testenv.Group) != testenv.GreenTG {
		t.Errorf("live target group %q (double: %q), want %s", out.LiveTargetGroup, env.Server.LiveTargetGroup(testenv.Group), testenv.GreenTG)
	}
	if out.OldTasksUntil == nil {
		t.Fatalf("no rollback window reported")
	}
	d, _ := env.Server.Deployment(out.DeploymentID)
	if !d.TerminationWaitStarted || d.Status != "InProgress" {
		t.Errorf("deployment %s: status %s, termination wait %v; want InProgress in the termination wait", d.ID, d.Status, d.TerminationWaitStarted)
	}
	if want := d.LifecycleEvents[len(d.LifecycleEvents)-1].End.Add(5 * time.Minute); !out.OldTasksUntil.Equal(want) {
		t.Errorf("old tasks until %s, want AfterAllowTraffic end + 5m = %s", out.OldTasksUntil, want)
	}

	// The deployment carries exactly the AppSpec of the stack's task definition.
	creates := env.CallsOf("CreateDeployment")
	if len(creates) != 1 {
		t.Fatalf("%d CreateDeployment calls, want 1", len(creates))
	}
	rev := creates[0].Input["revision"].(map[string]any)
	content := rev["appSpecContent"].(map[string]any)
	want, err := appspec.Build(tgt.AppSpecInput(testenv.TD(2)))
	if err != nil {
		t.Fatal(err)
	}
	if rev["revisionType"] != "AppSpecContent" || content["content"] != string(want.Content) || content["sha256"] != want.SHA256 {
		t.Errorf("revision = %v, want the AppSpec of %s with its sha256", rev, testenv.TD(2))
	}
	for _, op := range []string{"StopDeployment", "ContinueDeployment"} {
		if n := env.Server.CallCount(op); n != 0 {
			t.Errorf("%d %s calls, want none", n, op)
		}
	}
	var created bool
	for _, e := range env.Events() {
		if e.Kind == release.EventCreated && strings.Contains(e.Message, release.ConsoleURL(testenv.Region, out.DeploymentID)) {
			created = true
		}
	}
	if !created {
		t.Errorf("no created event with the console link")
	}

	// Released: a second deploy of the same revision has nothing to do.
	before := env.Server.CallCount("CreateDeployment")
	again, err := deploy(t, env, tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	if again.Result != release.ResultUnchanged || env.Server.CallCount("CreateDeployment") != before {
		t.Errorf("second deploy: result %s, CreateDeployment calls %d→%d; want unchanged and no call", again.Result, before, env.Server.CallCount("CreateDeployment"))
	}
}

func TestDeployWaitTermination(t *testing.T) {
	env := testenv.New(t, testenv.Options{TerminationWaitMinutes: 10})
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{WaitTermination: true})
	wantExit(t, err, 0)
	if out.Result != release.ResultSucceeded || out.OldTasksUntil != nil {
		t.Fatalf("result %s (old tasks until %v), want succeeded with the old task set gone", out.Result, out.OldTasksUntil)
	}
	if d, _ := env.Server.Deployment(out.DeploymentID); d.Status != "Succeeded" {
		t.Errorf("double says %s, want Succeeded", d.Status)
	}
	if out.Budget == nil || out.Budget.Total != 10*time.Minute+8*release.DefaultEventMargin {
		t.Errorf("budget %v, want termination wait 10m + 8 event margins", out.Budget)
	}
}

func TestDeployCanaryShowsEachStep(t *testing.T) {
	env := testenv.New(t, testenv.Options{
		DeploymentConfig: "canary-3-steps",
		Configs:          []awsdouble.DeploymentConfig{{Name: "canary-3-steps", Type: awsdouble.TrafficCanary, Percentage: 10, IntervalMinutes: 5}},
	})
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	steps := trafficSteps(env, out.DeploymentID)
	if fmt.Sprint(steps) != "[0 10 100]" {
		t.Errorf("traffic on the new task set went %v, want [0 10 100]", steps)
	}
	if out.Budget.TrafficShift != 5*time.Minute || out.Budget.TrafficRouting != "TimeBasedCanary" {
		t.Errorf("budget %+v, want a 5m canary shift", out.Budget)
	}
}

func TestDeployLinearShowsEachStep(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"})
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	want := "[0 10 20 30 40 50 60 70 80 90 100]"
	if got := fmt.Sprint(trafficSteps(env, out.DeploymentID)); got != want {
		t.Errorf("traffic went %s, want %s", got, want)
	}
}

// smokeServer is the test listener: it answers status (and body) per request.
func smokeServer(t *testing.T, status func(n int64) (int, string)) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, body := status(n.Add(1))
		if r.URL.Path != "/health" {
			code, body = http.StatusNotFound, "wrong path "+r.URL.Path
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func smokeOutput(enabled bool) map[string]any {
	return map[string]any{"enabled": enabled, "path": "/health", "expectedStatus": []any{200.0, 204.0},
		"consecutiveSuccesses": 3.0, "intervalSeconds": 5.0, "requestTimeoutSeconds": 2.0, "totalTimeoutSeconds": 60.0}
}

func TestSmokeGatePasses(t *testing.T) {
	// The listener fails twice while the new tasks warm up, then answers 200.
	srv, hits := smokeServer(t, func(n int64) (int, string) {
		if n <= 2 {
			return http.StatusBadGateway, "warming up"
		}
		return http.StatusOK, "ok"
	})
	env := testenv.New(t, testenv.Options{ReadyAction: awsdouble.ReadyStop, ReadyWaitMinutes: 30, Smoke: smokeOutput(true), TestURL: srv.URL})
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultReleased || out.Smoke == nil || !out.Smoke.Passed {
		t.Fatalf("result %s, smoke %+v; want released after a passed gate", out.Result, out.Smoke)
	}
	if hits.Load() != 5 {
		t.Errorf("%d smoke requests, want 5 (2 failures, then 3 consecutive successes)", hits.Load())
	}
	cont := env.CallsOf("ContinueDeployment")
	if len(cont) != 1 || cont[0].Input["deploymentWaitType"] != "READY_WAIT" || cont[0].Input["deploymentId"] != out.DeploymentID {
		t.Fatalf("ContinueDeployment calls %v, want one READY_WAIT for %s", cont, out.DeploymentID)
	}
	if env.Server.CallCount("StopDeployment") != 0 {
		t.Errorf("StopDeployment called after a passed gate")
	}
	if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(2) {
		t.Errorf("service runs %s, want %s", got, testenv.TD(2))
	}
	if out.Budget.ReadyWait != 30*time.Minute {
		t.Errorf("budget ready wait %s, want 30m", out.Budget.ReadyWait)
	}
}

func TestSmokeGateFailsRollsBack(t *testing.T) {
	body := strings.Repeat("maintenance ", 100) // longer than the excerpt
	srv, _ := smokeServer(t, func(int64) (int, string) { return http.StatusServiceUnavailable, body })
	env := testenv.New(t, testenv.Options{ReadyAction: awsdouble.ReadyStop, ReadyWaitMinutes: 30, Smoke: smokeOutput(true), TestURL: srv.URL})
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, release.ExitFailed)

	var fe *release.FailedError
	if !errors.As(err, &fe) || !fe.RolledBack || fe.RollbackDeploymentID == "" {
		t.Fatalf("error %v, want a FailedError with a finished rollback", err)
	}
	stops := env.CallsOf("StopDeployment")
	if len(stops) != 1 || stops[0].Input["autoRollbackEnabled"] != true || stops[0].Input["deploymentId"] != out.DeploymentID {
		t.Fatalf("StopDeployment calls %v, want one with autoRollbackEnabled for %s", stops, out.DeploymentID)
	}
	if env.Server.CallCount("ContinueDeployment") != 0 {
		t.Errorf("ContinueDeployment called after a failed gate")
	}
	rb, _ := env.Server.Deployment(fe.RollbackDeploymentID)
	if rb.Status != "Succeeded" {
		t.Errorf("rollback deployment %s is %s, want Succeeded (awaited)", rb.ID, rb.Status)
	}
	if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(1) {
		t.Errorf("service runs %s after the rollback, want %s", got, testenv.TD(1))
	}
	// evidence: URL, status, a bounded body excerpt, timings
	msg := err.Error()
	for _, want := range []string{srv.URL + "/health", "HTTP 503", "maintenance", "in 0s", "evidence"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	if len(out.Smoke.Evidence) == 0 {
		t.Fatal("no smoke evidence in the outcome")
	}
	for _, a := range out.Smoke.Evidence {
		if len(a.BodyExcerpt) > release.MaxBodyExcerpt || a.Status != 503 || a.URL != srv.URL+"/health" {
			t.Errorf("evidence %+v: want status 503, the URL, an excerpt of at most %d bytes", a, release.MaxBodyExcerpt)
		}
	}
}

func TestApprovalWaitWithoutGate(t *testing.T) {
	env := testenv.New(t, testenv.Options{ReadyAction: awsdouble.ReadyStop, ReadyWaitMinutes: 20})
	var approved atomic.Bool
	// Someone approves 3 minutes after the deployment reached Ready.
	var readyAt time.Time
	env.Clock.OnSleep = func(now time.Time) {
		for _, id := range env.Server.Deployments() {
			d, _ := env.Server.Deployment(id)
			if d.Status == "Ready" && readyAt.IsZero() {
				readyAt = now
			}
			if d.Status == "Ready" && !readyAt.IsZero() && now.Sub(readyAt) >= 3*time.Minute && !approved.Swap(true) {
				_, err := env.CodeDeploy.ContinueDeployment(context.Background(), &codedeploy.ContinueDeploymentInput{DeploymentId: &id, DeploymentWaitType: "READY_WAIT"})
				if err != nil {
					t.Errorf("approve: %v", err)
				}
			}
		}
	}
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	if !approved.Load() || out.Result != release.ResultReleased {
		t.Fatalf("approved %v, result %s; want released after approval", approved.Load(), out.Result)
	}
	var said bool
	for _, e := range env.Events() {
		if e.Kind == release.EventWaiting && strings.Contains(e.Message, "waiting for approval") && strings.Contains(e.Message, "continue-deployment") {
			said = true
		}
	}
	if !said {
		t.Error("no event said the deployment waits for approval and how to continue it")
	}
	if n := len(env.CallsOf("ContinueDeployment")); n != 1 {
		t.Errorf("%d ContinueDeployment calls, want only the approver's", n)
	}
}

func TestLifecycleHookFailureRollsBack(t *testing.T) {
	env := testenv.New(t, testenv.Options{Hooks: map[string]string{"AfterAllowTestTraffic": "web-smoke-hook"}})
	env.Server.SetHookResult("web-smoke-hook", false)
	_, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, release.ExitFailed)
	var fe *release.FailedError
	if !errors.As(err, &fe) || !fe.RolledBack {
		t.Fatalf("error %v, want a rolled-back FailedError", err)
	}
	for _, want := range []string{"AfterAllowTestTraffic", "HOOK_EXECUTION_FAILURE"} {
		if !strings.Contains(fe.Reason, want) {
			t.Errorf("reason %q does not name %s", fe.Reason, want)
		}
	}
	if env.Server.CallCount("StopDeployment") != 0 {
		t.Error("StopDeployment called; CodeDeploy rolls back a failed deployment itself")
	}
	// the hook was shown while it ran
	var shown bool
	for _, e := range env.Events() {
		if e.Kind == release.EventProgress && e.Progress.Hook == "web-smoke-hook" {
			shown = true
		}
	}
	if !shown {
		t.Error("no progress event showed the running hook")
	}
}

func TestFailureWithoutAutoRollback(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoAutoRollback: true, Hooks: map[string]string{"BeforeAllowTraffic": "gate"}})
	env.Server.SetHookResult("gate", false)
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, release.ExitFailed)
	var fe *release.FailedError
	if !errors.As(err, &fe) || fe.RollbackDeploymentID != "" || fe.RolledBack {
		t.Fatalf("error %v, want a FailedError without rollback", err)
	}
	if !strings.Contains(err.Error(), "no rollback deployment was seen") || !strings.Contains(err.Error(), "ecs-bluegreen status --stack dev") {
		t.Errorf("error does not say there was no rollback and how to check: %v", err)
	}
	if d, _ := env.Server.Deployment(out.DeploymentID); !env.Clock.Now().Before(d.CompleteTime.Add(release.DefaultMaxPollInterval)) {
		t.Errorf("waited from %s to %s for a rollback that auto-rollback settings rule out", d.CompleteTime, env.Clock.Now())
	}
}

func TestAlarmStopRollsBack(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"})
	var fired atomic.Bool
	env.Clock.OnSleep = func(time.Time) {
		for _, id := range env.Server.Deployments() {
			if d, _ := env.Server.Deployment(id); d.CurrentEvent == "AllowTraffic" && d.Green != nil && d.Green.Weight >= 30 && !fired.Swap(true) {
				env.Server.TriggerAlarm(id, "web-5xx")
			}
		}
	}
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, release.ExitFailed)
	var fe *release.FailedError
	if !errors.As(err, &fe) || !fe.RolledBack || !strings.Contains(fe.Reason, "ALARM_ACTIVE") {
		t.Fatalf("error %v, want a rolled-back FailedError naming ALARM_ACTIVE", err)
	}
	if out.Result != release.ResultFailed || out.RollbackDeploymentID != fe.RollbackDeploymentID {
		t.Errorf("outcome %+v", out)
	}
	if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(1) {
		t.Errorf("service runs %s, want %s after the rollback", got, testenv.TD(1))
	}
}

// someoneElse starts a deployment of revision rev in the group, as another pipeline would.
func someoneElse(t *testing.T, env *testenv.Env, rev int) string {
	t.Helper()
	tgt := env.Target(t)
	r, err := appspec.Build(tgt.AppSpecInput(testenv.TD(rev)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := env.Server.StartDeployment(awsdouble.CreateInput{Application: testenv.App, DeploymentGroup: testenv.Group,
		AppSpec: string(r.Content) + " ", Description: "another pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestActiveDeploymentFailsNamingIt(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	other := someoneElse(t, env, 3)
	_, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, release.ExitAborted)
	var be *release.BusyError
	if !errors.As(err, &be) || be.DeploymentID != other {
		t.Fatalf("error %v, want a BusyError naming %s", err, other)
	}
	for _, want := range []string{other, "stop-deployment", "--wait-active"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if n := env.Server.CallCount("CreateDeployment"); n != 0 {
		t.Errorf("%d CreateDeployment calls, want none while %s is active", n, other)
	}
}

func TestActiveDeploymentWaitThenProceed(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	other := someoneElse(t, env, 3)
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{WaitActive: 30 * time.Minute})
	wantExit(t, err, 0)
	if out.Result != release.ResultReleased || out.DeploymentID == other {
		t.Fatalf("result %s deployment %s; want a new deployment released", out.Result, out.DeploymentID)
	}
	o, _ := env.Server.Deployment(other)
	d, _ := env.Server.Deployment(out.DeploymentID)
	if o.Status != "Succeeded" || !d.CreateTime.After(o.CompleteTime) && !d.CreateTime.Equal(o.CompleteTime) {
		t.Errorf("other %s ended %s at %s; ours created %s: want ours created after the other ended", other, o.Status, o.CompleteTime, d.CreateTime)
	}
	if env.Server.CallCount("CreateDeployment") != 1 {
		t.Errorf("%d CreateDeployment calls, want 1", env.Server.CallCount("CreateDeployment"))
	}
}

func TestActiveDeploymentWaitExceeded(t *testing.T) {
	env := testenv.New(t, testenv.Options{TerminationWaitMinutes: 60})
	other := someoneElse(t, env, 3)
	_, err := deploy(t, env, env.Target(t), release.DeployOptions{WaitActive: 10 * time.Minute})
	wantExit(t, err, release.ExitAborted)
	var be *release.BusyError
	if !errors.As(err, &be) || be.DeploymentID != other || be.Waited == "" {
		t.Fatalf("error %v, want a BusyError naming %s after waiting", err, other)
	}
	if env.Server.CallCount("CreateDeployment") != 0 {
		t.Error("a deployment was created while another was active")
	}
}

// racing starts another deployment just before the first CreateDeployment reaches the double,
// as a second pipeline racing this one would.
type racing struct {
	release.CodeDeployAPI
	start func()
	done  bool
}

func (r *racing) CreateDeployment(ctx context.Context, in *codedeploy.CreateDeploymentInput, opts ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error) {
	if !r.done {
		r.done = true
		r.start()
	}
	return r.CodeDeployAPI.CreateDeployment(ctx, in, opts...)
}

func TestDeploymentLimitExceeded(t *testing.T) {
	for _, tc := range []struct {
		name       string
		waitActive time.Duration
		wantExit   int
	}{
		{"no wait: clear error", 0, release.ExitAborted},
		{"wait: retried after the other one", 30 * time.Minute, release.ExitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{})
			var other string
			c := env.Client()
			c.CodeDeploy = &racing{CodeDeployAPI: env.CodeDeploy, start: func() { other = someoneElse(t, env, 3) }}
			out, err := c.Deploy(context.Background(), env.Target(t), release.DeployOptions{WaitActive: tc.waitActive})
			wantExit(t, err, tc.wantExit)
			creates := env.CallsOf("CreateDeployment")
			if tc.wantExit != 0 {
				var be *release.BusyError
				if !errors.As(err, &be) || be.DeploymentID != other {
					t.Fatalf("error %v, want a BusyError naming %s", err, other)
				}
				if len(creates) != 1 {
					t.Errorf("%d CreateDeployment calls, want the one refused", len(creates))
				}
				return
			}
			if len(creates) != 2 || out.Result != release.ResultReleased || out.DeploymentID == other {
				t.Errorf("%d CreateDeployment calls, result %s; want a refused one then ours released", len(creates), out.Result)
			}
		})
	}
}

func TestSameAppSpecIsFollowedNotDuplicated(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	tgt := env.Target(t)
	r, err := appspec.Build(tgt.AppSpecInput(tgt.TaskDefinitionArn))
	if err != nil {
		t.Fatal(err)
	}
	// e.g. the same CI job retried after its runner died
	first, err := env.Server.StartDeployment(awsdouble.CreateInput{Application: testenv.App, DeploymentGroup: testenv.Group, AppSpec: string(r.Content), AppSpecSHA256: r.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	out, err := deploy(t, env, tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	if out.DeploymentID != first || env.Server.CallCount("CreateDeployment") != 0 {
		t.Errorf("followed %s with %d CreateDeployment calls; want %s followed and none created", out.DeploymentID, env.Server.CallCount("CreateDeployment"), first)
	}
}

func TestThrottlingAnd5xxAreRetried(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	env.Server.FailNext("GetDeploymentGroup", 2, 500, "InternalFailure")
	env.Server.FailNext("CreateDeployment", 1, 503, "ServiceUnavailable")
	env.Server.FailNext("DescribeServices", 3, 400, "ThrottlingException")
	env.Server.FailNext("BatchGetDeploymentTargets", 2, 400, "ThrottlingException")
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultReleased {
		t.Fatalf("result %s", out.Result)
	}
	for op, min := range map[string]int{"GetDeploymentGroup": 3, "CreateDeployment": 2, "DescribeServices": 4, "BatchGetDeploymentTargets": 3} {
		if n := env.Server.CallCount(op); n < min {
			t.Errorf("%s called %d times, want at least %d (failures retried)", op, n, min)
		}
	}
	if ids := env.Server.Deployments(); len(ids) != 1 {
		t.Errorf("%d deployments exist, want 1 (a retried CreateDeployment must not create two)", len(ids))
	}
}

func TestPersistentThrottlingSlowsPolling(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	// More failures than the SDK retries (8 attempts): the watcher must back off, not give up.
	env.Server.FailNext("GetDeployment", 20, 400, "ThrottlingException")
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultReleased {
		t.Fatalf("result %s", out.Result)
	}
	var warned bool
	for _, e := range env.Events() {
		if e.Kind == release.EventWarning && strings.Contains(e.Message, "throttling") {
			warned = true
		}
	}
	if !warned {
		t.Error("no warning about throttling")
	}
}

func TestInterrupt(t *testing.T) {
	for _, tc := range []struct {
		name      string
		onAbort   release.AbortAction
		wantStops int
		wantTD    int
	}{
		{"rollback", release.AbortRollback, 1, 1},
		{"leave", release.AbortLeave, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSCanary10Percent5Minutes"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			env.Clock.OnSleep = func(now time.Time) { // Ctrl-C during the canary
				if now.Sub(testenv.Start) >= 5*time.Minute {
					cancel()
				}
			}
			out, err := env.Client().Deploy(ctx, env.Target(t), release.DeployOptions{OnAbort: tc.onAbort})
			wantExit(t, err, release.ExitAborted)
			var ae *release.AbortedError
			if !errors.As(err, &ae) || ae.Cause != "interrupted" {
				t.Fatalf("error %v, want an AbortedError for the interrupt", err)
			}
			if n := env.Server.CallCount("StopDeployment"); n != tc.wantStops {
				t.Errorf("%d StopDeployment calls, want %d", n, tc.wantStops)
			}
			for _, want := range []string{"ecs-bluegreen status --stack dev", "aws deploy get-deployment --deployment-id " + out.DeploymentID, "stop-deployment"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
			d, _ := env.Server.Deployment(out.DeploymentID)
			if tc.onAbort == release.AbortLeave {
				if d.Status != "InProgress" {
					t.Errorf("left deployment is %s, want still InProgress", d.Status)
				}
				return
			}
			if d.Status != "Stopped" || d.RollbackDeploymentID == "" {
				t.Fatalf("deployment %s is %s (rollback %q), want Stopped with a rollback", d.ID, d.Status, d.RollbackDeploymentID)
			}
			if rb, _ := env.Server.Deployment(d.RollbackDeploymentID); rb.Status != "Succeeded" {
				t.Errorf("rollback %s is %s, want Succeeded (awaited)", rb.ID, rb.Status)
			}
			if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(tc.wantTD) {
				t.Errorf("service runs %s, want %s", got, testenv.TD(tc.wantTD))
			}
		})
	}
}

func TestBudgetExceededRollsBack(t *testing.T) {
	env := testenv.New(t, testenv.Options{Hooks: map[string]string{"BeforeInstall": "slow-hook"}})
	env.Server.SetHookDuration("slow-hook", 50*time.Minute) // a hook that never reports back in time
	out, err := deploy(t, env, env.Target(t), release.DeployOptions{EventMargin: time.Minute})
	wantExit(t, err, release.ExitAborted)
	var ae *release.AbortedError
	if !errors.As(err, &ae) || !strings.Contains(ae.Cause, "time budget of 8m exceeded") {
		t.Fatalf("error %v, want the 8m budget exceeded", err)
	}
	if env.Server.CallCount("StopDeployment") != 1 || out.RollbackDeploymentID == "" {
		t.Errorf("StopDeployment calls %d, rollback %q: want a stop with rollback", env.Server.CallCount("StopDeployment"), out.RollbackDeploymentID)
	}
	if slept := env.Clock.Slept(); slept > 15*time.Minute {
		t.Errorf("waited %s, want the release to give up near its 8m budget", slept)
	}
}

func TestPreflightChecks(t *testing.T) {
	tests := []struct {
		name   string
		opts   testenv.Options
		modify func(*release.Target)
		want   string
	}{
		{"foreign target groups", testenv.Options{GroupTargetGroups: [2]string{"other-a", "other-b"}}, nil, "target groups are [other-a, other-b]"},
		{"container not in task definition", testenv.Options{}, func(t *release.Target) { t.ContainerName = "api" }, "has no container named api"},
		{"port not mapped", testenv.Options{}, func(t *release.Target) { t.ContainerPort = 9090 }, "no port mapping for port 9090"},
		{"unknown task definition", testenv.Options{}, func(t *release.Target) { t.TaskDefinitionArn = testenv.TD(9) }, "does not exist"},
		{"wrong service", testenv.Options{}, func(t *release.Target) { t.Service = "api-svc" }, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, tc.opts)
			tgt := env.Target(t)
			if tc.modify != nil {
				tc.modify(&tgt)
			}
			_, err := deploy(t, env, tgt, release.DeployOptions{})
			wantExit(t, err, release.ExitUsage)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if env.Server.CallCount("CreateDeployment") != 0 {
				t.Error("a deployment was created despite the failed check")
			}
		})
	}
}

func TestRollbackStopsActiveDeployment(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSCanary10Percent15Minutes"})
	other := someoneElse(t, env, 2)
	env.Clock.Advance(3 * time.Minute)
	out, err := env.Client().Rollback(context.Background(), env.Target(t), release.RollbackOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultRolledBack || out.DeploymentID != other || out.RollbackDeploymentID == "" {
		t.Fatalf("outcome %+v, want %s rolled back", out, other)
	}
	stops := env.CallsOf("StopDeployment")
	if len(stops) != 1 || stops[0].Input["autoRollbackEnabled"] != true {
		t.Errorf("StopDeployment calls %v, want one with autoRollbackEnabled", stops)
	}
	if rb, _ := env.Server.Deployment(out.RollbackDeploymentID); rb.Status != "Succeeded" {
		t.Errorf("rollback is %s, want Succeeded", rb.Status)
	}
	if env.Server.CallCount("CreateDeployment") != 0 {
		t.Error("rollback of an active deployment created a deployment")
	}
	if !strings.Contains(out.Message, "the stack still names") {
		t.Errorf("message %q does not warn that the next deploy releases the rolled-back revision again", out.Message)
	}
}

func TestRollbackRedeploysPreviousRevision(t *testing.T) {
	for _, tc := range []struct {
		name    string
		confirm bool
		exit    int
	}{
		{"confirmed", true, 0},
		{"declined", false, release.ExitAborted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{Serving: 3, TerminationWaitMinutes: -1})
			var asked string
			out, err := env.Client().Rollback(context.Background(), env.Target(t), release.RollbackOptions{
				Confirm: func(q string) (bool, error) { asked = q; return tc.confirm, nil },
			})
			wantExit(t, err, tc.exit)
			if !strings.Contains(asked, testenv.TD(2)) || !strings.Contains(asked, testenv.TD(3)) {
				t.Errorf("question %q does not name the previous (%s) and serving (%s) revisions", asked, testenv.TD(2), testenv.TD(3))
			}
			creates := env.CallsOf("CreateDeployment")
			if !tc.confirm {
				if len(creates) != 0 {
					t.Error("deployed without confirmation")
				}
				return
			}
			if len(creates) != 1 {
				t.Fatalf("%d CreateDeployment calls, want 1", len(creates))
			}
			content := creates[0].Input["revision"].(map[string]any)["appSpecContent"].(map[string]any)["content"].(string)
			doc, err := appspec.Parse([]byte(content))
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Resources[0].TargetService.Properties.TaskDefinition; got != testenv.TD(2) {
				t.Errorf("rollback deployed %s, want the previous revision %s", got, testenv.TD(2))
			}
			if out.Result != release.ResultSucceeded || env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service) != testenv.TD(2) {
				t.Errorf("result %s, service on %s; want %s serving", out.Result, env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service), testenv.TD(2))
			}
		})
	}
}

func TestFinish(t *testing.T) {
	env := testenv.New(t, testenv.Options{TerminationWaitMinutes: 60})
	c := env.Client()
	tgt := env.Target(t)

	out, err := c.Finish(context.Background(), tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultNothing {
		t.Errorf("finish without a deployment: %s, want nothing", out.Result)
	}

	// during the traffic shift: not yet
	id := someoneElse(t, env, 2)
	env.Clock.Advance(time.Minute)
	_, err = c.Finish(context.Background(), tgt, release.DeployOptions{})
	wantExit(t, err, release.ExitUsage)
	if !strings.Contains(err.Error(), "not in its termination wait") {
		t.Errorf("error %v", err)
	}
	env.Clock.Advance(10 * time.Minute) // in the termination wait now
	out, err = c.Finish(context.Background(), tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	if out.Result != release.ResultFinished || out.DeploymentID != id {
		t.Fatalf("outcome %+v", out)
	}
	cont := env.CallsOf("ContinueDeployment")
	if len(cont) != 1 || cont[0].Input["deploymentWaitType"] != "TERMINATION_WAIT" {
		t.Errorf("ContinueDeployment calls %v, want one TERMINATION_WAIT", cont)
	}
	if d, _ := env.Server.Deployment(id); d.Status != "Succeeded" {
		t.Errorf("deployment is %s, want Succeeded", d.Status)
	}
}

func TestStatus(t *testing.T) {
	env := testenv.New(t, testenv.Options{Hooks: map[string]string{"BeforeInstall": "pre"}})
	c := env.Client()
	tgt := env.Target(t)
	rep, err := c.Status(context.Background(), tgt)
	wantExit(t, err, 0)
	if rep.Deployment != nil || rep.LiveTargetGroup != testenv.BlueTG || rep.ServingTaskDefinition != testenv.TD(1) {
		t.Errorf("before any deployment: %+v", rep)
	}
	if !strings.Contains(rep.Summary(), "no deployment yet") || !strings.Contains(rep.Summary(), "not released yet") {
		t.Errorf("summary:\n%s", rep.Summary())
	}

	out, err := c.Deploy(context.Background(), tgt, release.DeployOptions{})
	wantExit(t, err, 0)
	rep, err = c.Status(context.Background(), tgt)
	wantExit(t, err, 0)
	d := rep.Deployment
	if d == nil || d.ID != out.DeploymentID || !d.Active || !d.TerminationWait {
		t.Fatalf("deployment %+v, want %s active in its termination wait", d, out.DeploymentID)
	}
	if rep.LiveTargetGroup != testenv.GreenTG || rep.ServingTaskDefinition != testenv.TD(2) {
		t.Errorf("live %s serving %s, want %s and %s", rep.LiveTargetGroup, rep.ServingTaskDefinition, testenv.GreenTG, testenv.TD(2))
	}
	if len(d.LifecycleEvents) != 8 || d.LifecycleEvents[0].Hook != "pre" {
		t.Errorf("lifecycle events %+v", d.LifecycleEvents)
	}
	weights := map[string]float64{}
	for _, ts := range rep.TaskSets {
		if ts.TrafficPercent != nil {
			weights[ts.Label] = *ts.TrafficPercent
		}
	}
	if weights["Green"] != 100 || weights["Blue"] != 0 {
		t.Errorf("weights %v, want Green 100 Blue 0", weights)
	}
	b, err := json.Marshal(rep)
	if err != nil || !strings.Contains(string(b), `"liveTargetGroup":"`+testenv.GreenTG+`"`) {
		t.Errorf("json %s (%v)", b, err)
	}
	for _, want := range []string{"active deployment " + out.DeploymentID, "termination wait", "traffic 100%", testenv.GreenTG} {
		if !strings.Contains(rep.Summary(), want) {
			t.Errorf("summary does not say %q:\n%s", want, rep.Summary())
		}
	}

	// after it ends, status shows it as the last deployment
	env.Clock.Advance(10 * time.Minute)
	rep, err = c.Status(context.Background(), tgt)
	wantExit(t, err, 0)
	if rep.Deployment == nil || rep.Deployment.Active || rep.Deployment.Status != "Succeeded" || rep.LiveTargetGroup != testenv.GreenTG {
		t.Errorf("after the termination wait: %+v", rep.Deployment)
	}
}
