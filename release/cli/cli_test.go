package cli_test

// End-to-end tests of the command tree, run in-process: the stack side is a fake (Stacks), the
// AWS side is the CodeDeploy/ECS TEST DOUBLE behind the real SDK clients, time is a fake clock.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/appspec"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/cli"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/internal/testenv"
)

// fakeStacks stands in for the Automation API: it records the operations, and `up` after an
// image change makes the outputs name the next task definition revision.
type fakeStacks struct {
	env   *testenv.Env
	ops   []string
	image string
	upErr error
	// previewEvents are sent to the preview's event streams (the report's input).
	previewEvents []events.EngineEvent
}

func (f *fakeStacks) Preview(_ context.Context, stack string, opts ...optpreview.Option) (auto.PreviewResult, error) {
	f.ops = append(f.ops, "preview "+stack)
	o := &optpreview.Options{}
	for _, opt := range opts {
		opt.ApplyOption(o)
	}
	for _, ch := range o.EventStreams {
		for _, ev := range f.previewEvents {
			ch <- ev
		}
		close(ch)
	}
	return auto.PreviewResult{ChangeSummary: map[apitype.OpType]int{apitype.OpSame: 12, apitype.OpUpdate: 1}}, nil
}

func (f *fakeStacks) Up(_ context.Context, stack string, _ ...optup.Option) (auto.UpResult, error) {
	f.ops = append(f.ops, "up "+stack)
	if f.upErr != nil {
		return auto.UpResult{}, f.upErr
	}
	if f.image == "web:v3" {
		f.env.Outputs[release.OutTaskDefinitionArn] = auto.OutputValue{Value: testenv.TD(3)}
	}
	return auto.UpResult{Summary: auto.UpdateSummary{Result: "succeeded"}, Outputs: f.env.Outputs}, nil
}

func (f *fakeStacks) SetImage(_ context.Context, stack, image string) error {
	f.ops = append(f.ops, "set-image "+stack+" "+image)
	f.image = image
	return nil
}

func (f *fakeStacks) Outputs(_ context.Context, stack string) (auto.OutputMap, error) {
	f.ops = append(f.ops, "outputs "+stack)
	if stack != testenv.Stack {
		return nil, &release.UsageError{Msg: "stack " + stack + " does not exist"}
	}
	return f.env.Outputs, nil
}

type result struct {
	code           int
	stdout, stderr string
	stacks         *fakeStacks
}

type runOpts struct {
	stdin    string
	terminal bool
	ctx      context.Context
	upErr    error
}

func run(t *testing.T, env *testenv.Env, o runOpts, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	fs := &fakeStacks{env: env, upErr: o.upErr}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := cli.Run(ctx, cli.Deps{
		Stdin: strings.NewReader(o.stdin), Stdout: &stdout, Stderr: &stderr, Env: []string{"HOME=/nonexistent"},
		IsTerminal: func(io.Writer) bool { return o.terminal },
		Clock:      env.Clock,
		NewStacks:  func(io.Writer, io.Writer) cli.Stacks { return fs },
		NewAWS:     env.NewAWS,
	}, args)
	return result{code: release.ExitCode(err), stdout: stdout.String(), stderr: stderr.String(), stacks: fs}
}

func (r result) want(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func TestDeployWithImagePlainOutput(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSCanary10Percent5Minutes"})
	r := run(t, env, runOpts{}, "deploy", "--stack", "dev", "--image", "web:v3")
	r.want(t, 0)
	if got := strings.Join(r.stacks.ops, "; "); got != "set-image dev web:v3; up dev" {
		t.Errorf("stack operations %q, want set-image then up (whose outputs are used)", got)
	}
	if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(3) {
		t.Errorf("service runs %s, want the revision up produced (%s)", got, testenv.TD(3))
	}
	ids := env.Server.Deployments()
	if len(ids) != 1 {
		t.Fatalf("%d deployments", len(ids))
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, l := range lines[:len(lines)-2] { // all but the final summary are timestamped
		if !strings.HasPrefix(l, "2030-01-02T") {
			t.Errorf("line without timestamp: %q", l)
		}
	}
	for _, want := range []string{
		release.ConsoleURL(testenv.Region, ids[0]),
		"time budget 21m = traffic shift 5m (CodeDeployDefault.ECSCanary10Percent5Minutes, 10% then 100% after 5m) + 8 events × 2m",
		"traffic 10% on new task set",
		"traffic 100% on new task set",
		"released " + ids[0],
		"ecs-bluegreen finish --stack dev",
		"production target group: " + testenv.GreenTG,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\r") {
		t.Error("carriage returns in non-terminal output")
	}
}

func TestDeployLiveLineOnTerminal(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	r := run(t, env, runOpts{terminal: true}, "deploy", "--stack", "dev", "--skip-up")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "\r\x1b[2K") || strings.Count(r.stdout, "\r\x1b[2K") < 5 {
		t.Errorf("no live progress line rewritten in place:\n%q", r.stdout)
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "2030-01-02T") {
			t.Errorf("timestamped line on a terminal: %q", l)
		}
	}
}

func TestDeployJSONOutput(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"})
	r := run(t, env, runOpts{}, "deploy", "--stack", "dev", "--output", "json")
	r.want(t, 0)
	kinds := map[string]int{}
	var last map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var obj map[string]any
		if err := json.Unmarshal([]byte(l), &obj); err != nil {
			t.Fatalf("stdout line is not JSON: %q (%v)", l, err)
		}
		kinds[obj["event"].(string)]++
		last = obj
	}
	if kinds["created"] != 1 || kinds["budget"] != 1 || kinds["progress"] < 10 || kinds["result"] != 1 {
		t.Errorf("event kinds %v", kinds)
	}
	if last["event"] != "result" || last["result"] != "released" || last["exitCode"] != 0.0 || last["oldTasksUntil"] == nil {
		t.Errorf("last line %v, want the result", last)
	}
}

func TestDeploySmokeFailureExitCodeAndEvidence(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ready" {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "database unreachable")
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	env := testenv.New(t, testenv.Options{ReadyAction: awsdouble.ReadyStop, ReadyWaitMinutes: 15})
	// the stack's gate is disabled; the flags enable it on another URL and path
	r := run(t, env, runOpts{}, "deploy", "--stack", "dev", "--skip-up", "--smoke-url", srv.URL, "--smoke-path", "/ready", "--smoke-status", "200,204",
		"--smoke-successes", "2", "--smoke-timeout", "30s", "--smoke-request-timeout", "2s", "--smoke-interval", "10s")
	r.want(t, release.ExitFailed)
	for _, want := range []string{srv.URL + "/ready", "HTTP 500", "database unreachable", "smoke gate failed", "rolled back by"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, r.stderr)
		}
	}
	if env.Server.CallCount("StopDeployment") != 1 {
		t.Errorf("%d StopDeployment calls", env.Server.CallCount("StopDeployment"))
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing stack", []string{"deploy"}, `"stack" not set`},
		{"bad on-abort", []string{"deploy", "--stack", "dev", "--on-abort", "retry"}, "want rollback or leave"},
		{"image with skip-up", []string{"deploy", "--stack", "dev", "--skip-up", "--image", "x"}, "cannot be combined"},
		{"bad smoke status", []string{"deploy", "--stack", "dev", "--smoke-status", "20x"}, "--smoke-status"},
		{"unknown flag", []string{"deploy", "--stack", "dev", "--colour"}, "unknown flag"},
		{"bad duration", []string{"deploy", "--stack", "dev", "--wait-active", "soon"}, "invalid argument"},
		{"bad output", []string{"status", "--stack", "dev", "--output", "yaml"}, "want text or json"},
		{"unknown command", []string{"ship"}, "unknown command"},
		{"extra argument", []string{"status", "--stack", "dev", "now"}, "unknown command"},
		{"unknown stack", []string{"status", "--stack", "prod"}, "does not exist"},
		{"invalid gate", []string{"deploy", "--stack", "dev", "--skip-up", "--smoke-path", "ready"}, "must start with /"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{})
			r := run(t, env, runOpts{}, tc.args...)
			r.want(t, release.ExitUsage)
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, r.stderr)
			}
			if n := env.Server.CallCount("CreateDeployment"); n != 0 {
				t.Errorf("%d deployments created", n)
			}
		})
	}
}

func TestNothingToRelease(t *testing.T) {
	env := testenv.New(t, testenv.Options{Serving: 2})
	r := run(t, env, runOpts{}, "deploy", "--stack", "dev")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "already runs "+testenv.TD(2)+"; nothing to release") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if env.Server.CallCount("CreateDeployment") != 0 {
		t.Error("deployment created")
	}
	r = run(t, env, runOpts{}, "deploy", "--stack", "dev", "--force", "--wait-termination")
	r.want(t, 0)
	if env.Server.CallCount("CreateDeployment") != 1 {
		t.Error("--force did not deploy")
	}
}

func TestStatusCommand(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	run(t, env, runOpts{}, "deploy", "--stack", "dev", "--skip-up").want(t, 0)
	r := run(t, env, runOpts{}, "status", "--stack", "dev", "--output", "json")
	r.want(t, 0)
	var rep release.StatusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("status json: %v\n%s", err, r.stdout)
	}
	if rep.LiveTargetGroup != testenv.GreenTG || rep.ServingTaskDefinition != testenv.TD(2) || rep.Deployment == nil || !rep.Deployment.TerminationWait {
		t.Errorf("status %+v", rep)
	}
	r = run(t, env, runOpts{}, "status", "--stack", "dev")
	r.want(t, 0)
	for _, want := range []string{"production: target group " + testenv.GreenTG, "active deployment", "AfterAllowTraffic"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status text does not say %q:\n%s", want, r.stdout)
		}
	}
}

func TestAppSpecCommand(t *testing.T) {
	env := testenv.New(t, testenv.Options{Hooks: map[string]string{"AfterAllowTestTraffic": "check"}})
	r := run(t, env, runOpts{}, "appspec", "--stack", "dev")
	r.want(t, 0)
	want, err := appspec.Build(env.Target(t).AppSpecInput(testenv.TD(2)))
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want.Content) || !strings.Contains(r.stderr, "sha256 "+want.SHA256) {
		t.Errorf("stdout:\n%s\nstderr: %s", r.stdout, r.stderr)
	}
	if len(env.Server.Calls()) != 0 {
		t.Errorf("appspec called AWS: %v", env.Server.Calls())
	}
}

func TestRollbackCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		exit  int
		want  int // revision serving afterwards
	}{
		{"declined", nil, "n\n", release.ExitAborted, 3},
		{"no answer (CI)", nil, "", release.ExitAborted, 3},
		{"confirmed", nil, "y\n", 0, 2},
		{"--yes", []string{"--yes"}, "", 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{Serving: 3})
			r := run(t, env, runOpts{stdin: tc.stdin}, append([]string{"rollback", "--stack", "dev"}, tc.args...)...)
			r.want(t, tc.exit)
			if got := env.Server.ServiceTaskDefinition(testenv.Cluster, testenv.Service); got != testenv.TD(tc.want) {
				t.Errorf("service runs %s, want %s", got, testenv.TD(tc.want))
			}
			if tc.args == nil && !strings.Contains(r.stderr, "[y/N]") {
				t.Errorf("no question asked:\n%s", r.stderr)
			}
		})
	}
}

func TestFinishCommand(t *testing.T) {
	env := testenv.New(t, testenv.Options{TerminationWaitMinutes: 120})
	run(t, env, runOpts{}, "deploy", "--stack", "dev", "--skip-up").want(t, 0)
	r := run(t, env, runOpts{}, "finish", "--stack", "dev")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "old task set is terminated") || env.Server.CallCount("ContinueDeployment") != 1 {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = run(t, env, runOpts{}, "finish", "--stack", "dev")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "nothing to finish") {
		t.Errorf("second finish:\n%s", r.stdout)
	}
}

func TestInterruptThroughCLI(t *testing.T) {
	env := testenv.New(t, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSCanary10Percent15Minutes"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env.Clock.OnSleep = func(now time.Time) {
		if now.Sub(testenv.Start) > 6*time.Minute {
			cancel() // SIGINT in main cancels the context
		}
	}
	r := run(t, env, runOpts{ctx: ctx}, "deploy", "--stack", "dev", "--skip-up", "--on-abort", "leave")
	r.want(t, release.ExitAborted)
	id := env.Server.Deployments()[0]
	for _, want := range []string{"interrupted", "left running", "ecs-bluegreen status --stack dev", "aws deploy get-deployment --deployment-id " + id, "aws deploy stop-deployment --deployment-id " + id} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
}

func TestSmokeFlagDisablesStackGate(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	env := testenv.New(t, testenv.Options{ReadyAction: awsdouble.ReadyStop, ReadyWaitMinutes: 5, TestURL: srv.URL, Smoke: map[string]any{
		"enabled": true, "path": "/", "expectedStatus": []any{200.0}, "consecutiveSuccesses": 1.0,
		"intervalSeconds": 1.0, "requestTimeoutSeconds": 1.0, "totalTimeoutSeconds": 10.0}})
	r := run(t, env, runOpts{}, "deploy", "--stack", "dev", "--skip-up", "--smoke=false")
	// nobody approves: CodeDeploy stops the release at the ready timeout and rolls it back
	r.want(t, release.ExitFailed)
	if hits != 0 {
		t.Errorf("%d smoke requests with --smoke=false", hits)
	}
	for _, want := range []string{"waiting for approval", "continue-deployment"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "TIMEOUT") {
		t.Errorf("stderr does not give the ready timeout as the reason:\n%s", r.stderr)
	}
}

func TestInterruptDuringUpIsExit3(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// a cancelled `pulumi up` fails with a Pulumi error, not with context.Canceled
	r := run(t, env, runOpts{ctx: ctx, upErr: &release.PulumiError{Op: "up", Err: errors.New("update canceled")}}, "deploy", "--stack", "dev")
	r.want(t, release.ExitAborted)
	if !strings.Contains(r.stderr, "interrupted") || env.Server.CallCount("CreateDeployment") != 0 {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

func TestUpAndPreview(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	r := run(t, env, runOpts{stdin: "n\n"}, "up", "--stack", "dev")
	r.want(t, release.ExitAborted)
	if got := strings.Join(r.stacks.ops, "; "); got != "preview dev" {
		t.Errorf("declined up ran %q", got)
	}
	r = run(t, env, runOpts{}, "up", "--stack", "dev", "--yes")
	r.want(t, 0)
	if got := strings.Join(r.stacks.ops, "; "); got != "up dev" || !strings.Contains(r.stdout, "succeeded") {
		t.Errorf("up --yes ran %q:\n%s", got, r.stdout)
	}
	r = run(t, env, runOpts{}, "preview", "--stack", "dev")
	r.want(t, 0)
	if !strings.Contains(r.stdout, "preview of stack dev: same 12, update 1") {
		t.Errorf("preview:\n%s", r.stdout)
	}
}

// serviceSubnetChange is the engine's event for an update of a CODE_DEPLOY service's subnets.
func serviceSubnetChange() events.EngineEvent {
	const urn = "urn:pulumi:dev::ecs-bluegreen::ecsbluegreen:components:BlueGreenService$ecsbluegreen:components:FargateService$aws:ecs/service:Service::web-dev"
	in := func(subnet string) map[string]any {
		return map[string]any{
			"name":                 "web-dev",
			"deploymentController": map[string]any{"type": "CODE_DEPLOY"},
			"networkConfiguration": map[string]any{"subnets": []any{subnet}},
		}
	}
	md := apitype.StepEventMetadata{
		Op: apitype.OpUpdate, URN: urn, Type: "aws:ecs/service:Service",
		Old:          &apitype.StepEventStateMetadata{URN: urn, Type: "aws:ecs/service:Service", Custom: true, Inputs: in("subnet-a"), Outputs: in("subnet-a")},
		New:          &apitype.StepEventStateMetadata{URN: urn, Type: "aws:ecs/service:Service", Custom: true, Inputs: in("subnet-b"), Outputs: in("subnet-b")},
		DetailedDiff: map[string]apitype.PropertyDiff{"networkConfiguration.subnets[0]": {Kind: apitype.DiffUpdate, InputDiff: true}},
	}
	return events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: md}}}
}

func TestPreviewReport(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"markdown report, no gate", []string{"--format", "markdown"}, release.ExitOK, "<!-- ecs-bluegreen-preview:dev -->"},
		{"gate on will-fail", []string{"--format", "markdown", "--fail-on", "will-fail"}, release.ExitGate, "will fail"},
		{"gate on a kind that is absent", []string{"--format", "text", "--fail-on", "downtime"}, release.ExitOK, "WILL-FAIL"},
		{"json", []string{"--format", "json"}, release.ExitOK, `"will-fail"`},
		{"unknown format", []string{"--format", "html"}, release.ExitUsage, ""},
		{"fail-on without a format", []string{"--fail-on", "all"}, release.ExitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.New(t, testenv.Options{})
			fs := &fakeStacks{env: env, previewEvents: []events.EngineEvent{serviceSubnetChange()}}
			var stdout, stderr bytes.Buffer
			d := cli.Deps{
				Program: func(*pulumi.Context) error { return nil }, ProjectDir: t.TempDir(),
				Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Env: []string{},
				NewStacks: func(io.Writer, io.Writer) cli.Stacks { return fs },
			}
			err := cli.Run(context.Background(), d, append([]string{"preview", "--stack", "dev"}, tt.args...))
			if got := release.ExitCode(err); got != tt.code {
				t.Fatalf("exit %d (%v), want %d; stderr:\n%s", got, err, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.contains) {
				t.Errorf("stdout does not contain %q:\n%s", tt.contains, stdout.String())
			}
		})
	}
}
