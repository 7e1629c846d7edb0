package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
)

// fakeClock is simulated time: Sleep moves it forward at once. The release and the awsdouble
// share it, so a deployment's minutes of waiting take microseconds.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// envInstaller hands the release the Env's pulumi CLI (the real one, built by
// scripts/pulumi-cli); it never installs anything.
type envInstaller struct{ cmd auto.PulumiCommand }

func (i envInstaller) NewPulumiCommand(*auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	return i.cmd, nil
}

func (i envInstaller) InstallPulumiCommand(context.Context, *auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	return i.cmd, nil
}

// releaseRun is one in-process run of the ecs-bluegreen command tree.
type releaseRun struct {
	err            error
	stdout, stderr string
	result         map[string]json.RawMessage // the "result" line of -o json, if any
}

// TestReleaseDev is the release end to end on the dev stack: `up` through the ecs-bluegreen
// command tree (in-process, real Pulumi engine, TEST DOUBLE providers), then deploy --image,
// status and rollback --yes against the TEST DOUBLE CodeDeploy/ECS API (internal/awsdouble),
// reached through AWS_ENDPOINT_URL_CODEDEPLOY / AWS_ENDPOINT_URL_ECS with static credentials.
// The double is seeded from the stack's outputs and state, as if Pulumi had created the
// resources in it; after each release the live listener and service state is copied back into
// the test provider, and refresh + preview must show no changes.
func TestReleaseDev(t *testing.T) {
	if testing.Short() {
		t.Skip("engine test: runs the Pulumi CLI (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const stack, newImage = "dev", "public.ecr.aws/nginx/nginx:1.28-alpine"
	name := infra.ComponentName("web", stack)

	// The stack (in a copy of the project files) for reading state; the CLI runs in its working
	// directory, with the same backend, against the double.
	h := newReleaseHarness(ctx, t, stack, "eu-central-1")
	env, st, srv, run := h.env, h.st, h.srv, h.run
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	var outs auto.OutputMap
	var rev1, rev2, deployID string
	step("up through the command tree", func(t *testing.T) {
		if r := run(t, "up", "--stack", stack, "--yes"); r.err != nil {
			t.Fatal("up failed")
		}
		var err error
		if outs, err = st.Outputs(ctx); err != nil {
			t.Fatalf("stack outputs: %v", err)
		}
		rev1 = outs[infra.OutputTaskDefinitionArn].Value.(string)
		seedDouble(t, srv, enginetest.ExportState(ctx, t, st), outs, name)
		if got := srv.ServiceTaskDefinition(outStr(t, outs, infra.OutputClusterName), outStr(t, outs, infra.OutputServiceName)); got != rev1 {
			t.Fatalf("double's service runs %q, want %s", got, rev1)
		}
	})

	blue, green := outStr(t, outs, infra.OutputBlueTargetGroupName), outStr(t, outs, infra.OutputGreenTargetGroupName)
	group := outStr(t, outs, infra.OutputCodeDeployDeploymentGroup)
	cluster, service := outStr(t, outs, infra.OutputClusterName), outStr(t, outs, infra.OutputServiceName)

	step("deploy --image releases the new revision to green", func(t *testing.T) {
		r := run(t, "deploy", "--stack", stack, "--image", newImage, "-o", "json")
		if r.err != nil {
			t.Fatal("deploy failed")
		}
		var out release.Outcome
		decodeResult(t, r, &out)
		rev2 = out.TaskDefinitionArn
		deployID = out.DeploymentID
		if out.Result != release.ResultReleased || !strings.HasSuffix(rev2, ":2") || out.PreviousTaskDefArn != rev1 ||
			out.LiveTargetGroup != green || deployID == "" {
			t.Errorf("deploy outcome %+v, want released revision 2 (from %s) on %s", out, rev1, green)
		}
		if got, err := st.GetConfig(ctx, release.ImageConfigKey); err != nil || got.Value != newImage {
			t.Errorf("stack image after deploy = %q (%v), want %s", got.Value, err, newImage)
		}
		d, ok := srv.Deployment(deployID)
		if !ok || d.TaskDefinitionArn != rev2 || d.Status != "InProgress" || !d.TerminationWaitStarted {
			t.Errorf("double's deployment %s: %+v, want rev 2 in its termination wait", deployID, d)
		}
		if got := srv.LiveTargetGroup(group); got != green {
			t.Errorf("double's live target group = %s, want %s", got, green)
		}
		if got := srv.ServiceTaskDefinition(cluster, service); got != rev2 {
			t.Errorf("double's service runs %s, want %s", got, rev2)
		}
		mirrorRelease(ctx, t, env, st, srv, name, group, cluster, service)
	})

	step("status shows the release", func(t *testing.T) {
		r := run(t, "status", "--stack", stack, "-o", "json")
		if r.err != nil {
			t.Fatal("status failed")
		}
		var rep release.StatusReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("status output is not a report: %v\n%s", err, r.stdout)
		}
		if rep.ServingTaskDefinition != rev2 || rep.StackTaskDefinition != rev2 || rep.LiveTargetGroup != green {
			t.Errorf("status %+v, want %s serving on %s", rep, rev2, green)
		}
		if d := rep.Deployment; d == nil || d.ID != deployID || !d.Active || !d.TerminationWait {
			t.Errorf("status deployment %+v, want %s active in its termination wait", rep.Deployment, deployID)
		}
	})

	step("rollback --yes puts production back on blue", func(t *testing.T) {
		r := run(t, "rollback", "--stack", stack, "--yes", "-o", "json")
		if r.err != nil {
			t.Fatal("rollback failed")
		}
		var out release.Outcome
		decodeResult(t, r, &out)
		if out.Result != release.ResultRolledBack || out.DeploymentID != deployID || out.RollbackDeploymentID == "" {
			t.Errorf("rollback outcome %+v, want %s rolled back", out, deployID)
		}
		if d, _ := srv.Deployment(deployID); d.Status != "Stopped" {
			t.Errorf("deployment %s is %s, want Stopped", deployID, d.Status)
		}
		if d, _ := srv.Deployment(out.RollbackDeploymentID); d.Status != "Succeeded" {
			t.Errorf("rollback deployment %s is %s, want Succeeded", out.RollbackDeploymentID, d.Status)
		}
		if got := srv.LiveTargetGroup(group); got != blue {
			t.Errorf("double's live target group = %s, want %s", got, blue)
		}
		if got := srv.ServiceTaskDefinition(cluster, service); got != rev1 {
			t.Errorf("double's service runs %s, want %s", got, rev1)
		}
		// The stack still asks for revision 2; status must say production runs 1.
		r = run(t, "status", "--stack", stack, "-o", "json")
		var rep release.StatusReport
		if r.err != nil || json.Unmarshal([]byte(r.stdout), &rep) != nil {
			t.Fatalf("status after rollback failed: %v\n%s", r.err, r.stdout)
		}
		if rep.ServingTaskDefinition != rev1 || rep.StackTaskDefinition != rev2 || rep.LiveTargetGroup != blue {
			t.Errorf("status after rollback %+v, want %s serving on %s while the stack names %s", rep, rev1, blue, rev2)
		}
		mirrorRelease(ctx, t, env, st, srv, name, group, cluster, service)
	})
}

// outStr reads a string stack output.
func outStr(tb testing.TB, outs auto.OutputMap, key string) string {
	tb.Helper()
	v, ok := outs[key].Value.(string)
	if !ok || v == "" {
		tb.Fatalf("stack output %s = %#v, want a string", key, outs[key].Value)
	}
	return v
}

// decodeResult decodes the "result" line of a -o json run.
func decodeResult(t *testing.T, r releaseRun, out *release.Outcome) {
	t.Helper()
	if r.result == nil {
		t.Fatalf("no result line in the output:\n%s", r.stdout)
	}
	b, err := json.Marshal(r.result)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		t.Fatalf("decoding the result line: %v", err)
	}
}

// seedDouble puts into the double what Pulumi created: the application and deployment group
// (settings from the group's state), the service on the blue target group running the stack's
// task definition, and the task definitions.
func seedDouble(t *testing.T, srv *awsdouble.Server, state enginetest.State, outs auto.OutputMap, name string) {
	t.Helper()
	dg := state.Find(t, typeDeployGroup, name).Inputs
	bg, _ := dg["blueGreenDeploymentConfig"].(map[string]any)
	ready, _ := bg["deploymentReadyOption"].(map[string]any)
	term, _ := bg["terminateBlueInstancesOnDeploymentSuccess"].(map[string]any)
	rollback, _ := dg["autoRollbackConfiguration"].(map[string]any)
	var events []string
	if enabled, _ := rollback["enabled"].(bool); enabled {
		for _, e := range rollback["events"].([]any) {
			events = append(events, e.(string))
		}
	}
	readyWait, _ := ready["waitTimeInMinutes"].(float64)
	termWait, _ := term["terminationWaitTimeInMinutes"].(float64)
	srv.PutDeploymentGroup(awsdouble.DeploymentGroup{
		Application:            outStr(t, outs, infra.OutputCodeDeployApplication),
		Name:                   outStr(t, outs, infra.OutputCodeDeployDeploymentGroup),
		DeploymentConfigName:   outStr(t, outs, infra.OutputDeploymentConfigName),
		ServiceRoleArn:         str(t, dg, "serviceRoleArn"),
		Cluster:                outStr(t, outs, infra.OutputClusterName),
		Service:                outStr(t, outs, infra.OutputServiceName),
		TargetGroups:           [2]string{outStr(t, outs, infra.OutputBlueTargetGroupName), outStr(t, outs, infra.OutputGreenTargetGroupName)},
		ProdListenerArn:        outStr(t, outs, infra.OutputProdListenerArn),
		TestListenerArn:        outStr(t, outs, infra.OutputTestListenerArn),
		ReadyAction:            str(t, ready, "actionOnTimeout"),
		ReadyWaitMinutes:       int32(readyWait),
		TerminationWaitMinutes: int32(termWait),
		AutoRollbackEvents:     events,
	})
	svc := state.Find(t, typeService, name).Inputs
	desired, _ := svc["desiredCount"].(float64)
	port, _ := outs[infra.OutputContainerPort].Value.(float64)
	srv.PutService(awsdouble.Service{
		Cluster:           outStr(t, outs, infra.OutputClusterName),
		Name:              outStr(t, outs, infra.OutputServiceName),
		TaskDefinitionArn: outStr(t, outs, infra.OutputTaskDefinitionArn),
		TargetGroupArn:    str(t, state.Find(t, typeTG, name+"-blue").Outputs, "arn"),
		ContainerName:     outStr(t, outs, infra.OutputContainerName),
		ContainerPort:     int32(port),
		DesiredCount:      int32(desired),
	})
	registerTaskDefinitions(t, srv, state)
}

// registerTaskDefinitions registers the task definitions of the state with the double (the
// real provider's create registers them with ECS; the test provider does not know the double).
func registerTaskDefinitions(t *testing.T, srv *awsdouble.Server, state enginetest.State) {
	t.Helper()
	for _, r := range state {
		if r.Type != typeTaskDef {
			continue
		}
		var containers []struct {
			Name         string `json:"name"`
			Image        string `json:"image"`
			PortMappings []struct {
				ContainerPort int32 `json:"containerPort"`
			} `json:"portMappings"`
		}
		if err := json.Unmarshal([]byte(str(t, r.Outputs, "containerDefinitions")), &containers); err != nil || len(containers) != 1 {
			t.Fatalf("task definition %s: containerDefinitions %v (%v), want one container", r.URN, r.Outputs["containerDefinitions"], err)
		}
		c := containers[0]
		td := awsdouble.TaskDefinition{Arn: str(t, r.Outputs, "arn"), ContainerName: c.Name, Image: c.Image}
		if len(c.PortMappings) > 0 {
			td.ContainerPort = c.PortMappings[0].ContainerPort
		}
		srv.PutTaskDefinition(td)
	}
}

// mirrorRelease copies what the double says serves production (target group, task definition)
// into the test provider's live state, refreshes, and checks that the next preview is empty.
func mirrorRelease(ctx context.Context, t *testing.T, env *enginetest.Env, st auto.Stack, srv *awsdouble.Server,
	name, group, cluster, service string,
) {
	t.Helper()
	state := enginetest.ExportState(ctx, t, st)
	env.SetLive(t, codeDeployDrift(t, state, name, srv.LiveTargetGroup(group), srv.ServiceTaskDefinition(cluster, service))...)
	enginetest.Refresh(ctx, t, st)
	svc := enginetest.ExportState(ctx, t, st).Find(t, typeService, name)
	if got, want := str(t, svc.Inputs, "taskDefinition"), srv.ServiceTaskDefinition(cluster, service); got != want {
		t.Errorf("service taskDefinition after refresh = %s, want %s (what the double runs)", got, want)
	}
	if sum := enginetest.Preview(ctx, t, st); sum.Changed() {
		t.Errorf("after the release and refresh, preview plans changes:\n%s", sum)
	}
}
