package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/cli"
)

// TestReleaseProd is the release end to end on the prod stack, like TestReleaseDev: `up`
// through the ecs-bluegreen command tree (in-process, real Pulumi engine, TEST DOUBLE
// providers), then deploys against the TEST DOUBLE CodeDeploy/ECS API (internal/awsdouble).
// Prod differs where the release does: a custom canary config (20%, then 100% after 10
// minutes), a STOP_DEPLOYMENT ready wait (so the release runs its HTTP smoke gate), and an
// HTTPS test URL that is unreachable here, so --smoke-url points the gate at an
// httptest.Server standing in for the test listener. Nothing here talks to AWS.
// deletionProtection is on; the stack lives in a temporary backend and is not destroyed.
func TestReleaseProd(t *testing.T) {
	if testing.Short() {
		t.Skip("engine test: runs the Pulumi CLI (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const (
		stack = "prod"
		v2    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.1.0"
		v3    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.2.0"
	)
	name := infra.ComponentName("web", stack)
	h := newReleaseHarness(ctx, t, stack, "eu-west-1")
	smoke := newSmokeListener(t, h.clock)
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	var outs auto.OutputMap
	var rev1, rev2, rev3 string
	var smokeCfg release.SmokeConfig
	step("up through the command tree", func(t *testing.T) {
		if r := h.run(t, "up", "--stack", stack, "--yes"); r.err != nil {
			t.Fatal("up failed")
		}
		var err error
		if outs, err = h.st.Outputs(ctx); err != nil {
			t.Fatalf("stack outputs: %v", err)
		}
		rev1 = outStr(t, outs, infra.OutputTaskDefinitionArn)
		state := enginetest.ExportState(ctx, t, h.st)
		seedDouble(t, h.srv, state, outs, name)
		// The custom canary config is the stack's own resource; seedDouble knows only groups.
		cfg := seedDeploymentConfig(t, h.srv, state)
		want := awsdouble.DeploymentConfig{Name: outStr(t, outs, infra.OutputDeploymentConfigName),
			Type: awsdouble.TrafficCanary, Percentage: 20, IntervalMinutes: 10}
		if cfg != want {
			t.Errorf("deployment config in the state = %+v, want %+v", cfg, want)
		}
		tgt, err := release.TargetFromOutputs(stack, outs)
		if err != nil {
			t.Fatalf("target from the outputs: %v", err)
		}
		smokeCfg = tgt.Smoke
		if !smokeCfg.Enabled || smokeCfg.Path != "/healthz" || smokeCfg.ConsecutiveSuccesses != 5 ||
			!slices.Equal(smokeCfg.ExpectedStatus, []int{200}) {
			t.Errorf("smokeCheck output %+v, want enabled, /healthz, 5 successes of 200 (Pulumi.prod.yaml)", smokeCfg)
		}
		if tgt.TestURL != "https://web.example.com:8443" {
			t.Errorf("testUrl = %q, want https://web.example.com:8443 (why --smoke-url is needed here)", tgt.TestURL)
		}
	})

	green := outStr(t, outs, infra.OutputGreenTargetGroupName)
	group := outStr(t, outs, infra.OutputCodeDeployDeploymentGroup)
	cluster, service := outStr(t, outs, infra.OutputClusterName), outStr(t, outs, infra.OutputServiceName)
	mirror := func(t *testing.T) {
		t.Helper()
		mirrorRelease(ctx, t, h.env, h.st, h.srv, name, group, cluster, service)
	}

	var deployID string
	step("deploy passes the smoke gate and the canary releases to green", func(t *testing.T) {
		smoke.reset(http.StatusOK)
		r := h.run(t, "deploy", "--stack", stack, "--image", v2, "--smoke-url", smoke.URL, "-o", "json")
		if r.err != nil {
			t.Fatal("deploy failed")
		}
		var out release.Outcome
		decodeResult(t, r, &out)
		rev2, deployID = out.TaskDefinitionArn, out.DeploymentID
		if out.Result != release.ResultReleased || !strings.HasSuffix(rev2, ":2") || out.PreviousTaskDefArn != rev1 ||
			out.LiveTargetGroup != green || deployID == "" {
			t.Errorf("deploy outcome %+v, want released revision 2 (from %s) on %s", out, rev1, green)
		}

		// The gate's requests reached the stand-in test listener, on the configured path only.
		hits, other, last := smoke.stats()
		if hits < smokeCfg.ConsecutiveSuccesses || len(other) > 0 {
			t.Errorf("smoke listener saw %d requests on %s (and %v elsewhere), want >= %d on %s only",
				hits, smokeCfg.Path, other, smokeCfg.ConsecutiveSuccesses, smokeCfg.Path)
		}
		if s := out.Smoke; s == nil || !s.Passed || s.Attempts != hits || s.URL != smoke.URL+"/healthz" {
			t.Errorf("outcome smoke report %+v, want passed after the %d requests to %s/healthz", out.Smoke, hits, smoke.URL)
		}
		if n := countEvents(t, r, "smoke"); n != hits {
			t.Errorf("%d smoke events in the output, want one per request (%d)", n, hits)
		}

		// The gate approved the deployment once, after its last request, and stopped nothing.
		cont := callsOf(h.srv, "ContinueDeployment")
		if len(cont) != 1 || cont[0].Input["deploymentId"] != deployID || cont[0].Input["deploymentWaitType"] != "READY_WAIT" {
			t.Errorf("ContinueDeployment calls %+v, want one for %s with READY_WAIT", cont, deployID)
		} else if cont[0].At.Before(last) {
			t.Errorf("ContinueDeployment at %s, before the last smoke request at %s", cont[0].At, last)
		}
		if n := h.srv.CallCount("StopDeployment"); n != 0 {
			t.Errorf("StopDeployment called %d times, want 0", n)
		}

		// Production traffic went 20%, then (after the 10-minute interval) 100%.
		steps := trafficSteps(t, r, deployID)
		var weights []float64
		for _, s := range steps {
			if s.percent > 0 {
				weights = append(weights, s.percent)
			}
		}
		if !slices.Equal(weights, []float64{20, 100}) {
			t.Errorf("non-zero traffic on the new task set went %v, want [20 100]", weights)
		} else {
			i := slices.IndexFunc(steps, func(s trafficStep) bool { return s.percent == 20 })
			if gap := steps[i+1].at.Sub(steps[i].at); gap < 10*time.Minute {
				t.Errorf("canary held 20%% for %s, want at least the 10-minute interval", gap)
			}
		}

		t.Logf("smoke: %d requests to %s; traffic on the new task set: %v", hits, smoke.URL, steps)
		d, ok := h.srv.Deployment(deployID)
		if !ok || d.TaskDefinitionArn != rev2 || d.Status != "InProgress" || !d.TerminationWaitStarted ||
			d.DeploymentConfigName != outStr(t, outs, infra.OutputDeploymentConfigName) {
			t.Errorf("double's deployment %s: %+v, want rev 2 with the canary config in its termination wait", deployID, d)
		}
		if got := h.srv.LiveTargetGroup(group); got != green {
			t.Errorf("double's live target group = %s, want %s", got, green)
		}
		if got := h.srv.ServiceTaskDefinition(cluster, service); got != rev2 {
			t.Errorf("double's service runs %s, want %s", got, rev2)
		}
		mirror(t)
	})

	step("finish ends the termination wait", func(t *testing.T) {
		// The deployment in its 60-minute termination wait still blocks the next one.
		r := h.run(t, "finish", "--stack", stack, "-o", "json")
		if r.err != nil {
			t.Fatal("finish failed")
		}
		var out release.Outcome
		decodeResult(t, r, &out)
		if d, _ := h.srv.Deployment(deployID); out.Result != release.ResultFinished || d.Status != "Succeeded" {
			t.Errorf("finish outcome %+v, deployment %s; want finished and Succeeded", out, d.Status)
		}
	})

	step("a failing smoke gate stops the deployment with rollback", func(t *testing.T) {
		smoke.reset(http.StatusServiceUnavailable)
		before := h.srv.CallCount("ContinueDeployment")
		r := h.run(t, "deploy", "--stack", stack, "--image", v3, "--smoke-url", smoke.URL)
		if code := release.ExitCode(r.err); code != release.ExitFailed {
			t.Fatalf("exit code %d (%v), want %d", code, r.err, release.ExitFailed)
		}
		var d awsdouble.DeploymentView
		for _, id := range h.srv.Deployments() {
			if v, _ := h.srv.Deployment(id); v.Creator == "user" && strings.HasSuffix(v.TaskDefinitionArn, ":3") {
				d = v
			}
		}
		if d.ID == "" {
			t.Fatalf("no deployment of revision 3 in the double: %v", h.srv.Deployments())
		}
		rev3 = d.TaskDefinitionArn

		stops := callsOf(h.srv, "StopDeployment")
		if len(stops) != 1 || stops[0].Input["deploymentId"] != d.ID || stops[0].Input["autoRollbackEnabled"] != true {
			t.Errorf("StopDeployment calls %+v, want one for %s with autoRollbackEnabled", stops, d.ID)
		}
		if n := h.srv.CallCount("ContinueDeployment"); n != before {
			t.Errorf("ContinueDeployment called %d more times, want none", n-before)
		}
		if d.Status != "Stopped" || d.RollbackDeploymentID == "" {
			t.Errorf("deployment %s is %s (rollback %q), want Stopped with a rollback", d.ID, d.Status, d.RollbackDeploymentID)
		}
		if rb, _ := h.srv.Deployment(d.RollbackDeploymentID); rb.Status != "Succeeded" {
			t.Errorf("rollback deployment %s is %s, want Succeeded", d.RollbackDeploymentID, rb.Status)
		}
		for _, e := range d.LifecycleEvents {
			if e.Name == "AllowTraffic" && e.Status == "Succeeded" {
				t.Errorf("AllowTraffic of %s succeeded: production traffic moved before the gate passed", d.ID)
			}
		}
		if got := h.srv.LiveTargetGroup(group); got != green {
			t.Errorf("double's live target group = %s, want %s (the previous release's)", got, green)
		}
		if got := h.srv.ServiceTaskDefinition(cluster, service); got != rev2 {
			t.Errorf("double's service runs %s, want the previous revision %s", got, rev2)
		}

		// The evidence: the URL requested and the 503 it answered.
		hits, _, _ := smoke.stats()
		output := r.stdout + r.stderr
		for _, want := range []string{smoke.URL + "/healthz", "HTTP 503", "smoke gate failed", "rolled back by " + d.RollbackDeploymentID} {
			if !strings.Contains(output, want) {
				t.Errorf("output does not contain %q:\nstdout:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
			}
		}
		if hits < 2 {
			t.Errorf("smoke listener saw %d requests, want the gate to retry until its timeout", hits)
		}

		// The stack asks for revision 3; production runs 2.
		r = h.run(t, "status", "--stack", stack, "-o", "json")
		var rep release.StatusReport
		if r.err != nil || json.Unmarshal([]byte(r.stdout), &rep) != nil {
			t.Fatalf("status failed: %v\n%s", r.err, r.stdout)
		}
		if rep.ServingTaskDefinition != rev2 || rep.StackTaskDefinition != rev3 || rep.LiveTargetGroup != green {
			t.Errorf("status %+v, want %s serving on %s while the stack names %s", rep, rev2, green, rev3)
		}
		mirror(t)
	})
}

// releaseHarness is the setup of a release end-to-end test: an Env, the stack, simulated
// time, the CodeDeploy/ECS double (reached through the AWS_ENDPOINT_URL_* variables), and run,
// which runs the ecs-bluegreen command tree in-process against them.
type releaseHarness struct {
	ctx   context.Context
	env   *enginetest.Env
	st    auto.Stack
	clock *fakeClock
	srv   *awsdouble.Server
	envKV []string
}

func newReleaseHarness(ctx context.Context, t *testing.T, stack, region string) *releaseHarness {
	t.Helper()
	h := &releaseHarness{ctx: ctx, env: enginetest.New(t, enginetest.Options{})}
	h.st = h.env.Stack(ctx, t, stack, projectDir(t), infra.Program)
	h.clock = &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	h.srv = awsdouble.New(awsdouble.Options{Now: h.clock.Now, Region: region})
	t.Cleanup(h.srv.Close)
	noFile := filepath.Join(t.TempDir(), "absent")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_CODEDEPLOY": h.srv.URL(),
		"AWS_ENDPOINT_URL_ECS":        h.srv.URL(),
		"AWS_ACCESS_KEY_ID":           "AKIDTESTDOUBLE",
		"AWS_SECRET_ACCESS_KEY":       "test-double-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             noFile,
		"AWS_SHARED_CREDENTIALS_FILE": noFile,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	for k, v := range h.env.Vars() {
		h.envKV = append(h.envKV, k+"="+v)
	}
	return h
}

// run runs one ecs-bluegreen command line and collects its output and -o json result line.
func (h *releaseHarness) run(t *testing.T, args ...string) releaseRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cli.Run(h.ctx, cli.Deps{
		Program:    infra.Program,
		ProjectDir: h.st.Workspace().WorkDir(),
		Stdout:     &stdout,
		Stderr:     &stderr,
		Env:        h.envKV,
		Clock:      h.clock,
		Installer:  envInstaller{h.env.Command()},
		NewAWS: func(ctx context.Context, region string) (release.CodeDeployAPI, release.ECSAPI, error) {
			// What `up` registered with the provider is registered with "ECS".
			registerTaskDefinitions(t, h.srv, enginetest.ExportState(ctx, t, h.st))
			return release.NewAWS(ctx, region)
		},
	}, args)
	r := releaseRun{err: err, stdout: stdout.String(), stderr: stderr.String()}
	for _, line := range jsonLines(r) {
		if string(line["event"]) == `"result"` {
			r.result = line
		}
	}
	if err != nil {
		t.Logf("ecs-bluegreen %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, r.stdout, r.stderr)
	}
	return r
}

// jsonLines are the JSON objects of a -o json run's stdout, one per line.
func jsonLines(r releaseRun) []map[string]json.RawMessage {
	var out []map[string]json.RawMessage
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var line map[string]json.RawMessage
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			out = append(out, line)
		}
	}
	return out
}

// countEvents counts the -o json events of kind.
func countEvents(t *testing.T, r releaseRun, kind string) int {
	t.Helper()
	n := 0
	for _, line := range jsonLines(r) {
		if string(line["event"]) == fmt.Sprintf("%q", kind) {
			n++
		}
	}
	return n
}

// trafficStep is a change of the production traffic on the new task set, from -o json progress.
type trafficStep struct {
	at      time.Time
	percent float64
}

func (s trafficStep) String() string {
	return fmt.Sprintf("%.0f%% at %s", s.percent, s.at.UTC().Format(time.TimeOnly))
}

// trafficSteps are the distinct successive traffic shares of deployment id's progress events.
func trafficSteps(t *testing.T, r releaseRun, id string) []trafficStep {
	t.Helper()
	var steps []trafficStep
	for _, line := range jsonLines(r) {
		if string(line["event"]) != `"progress"` {
			continue
		}
		b, _ := json.Marshal(line)
		var e release.Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("progress event %s: %v", b, err)
		}
		if e.DeploymentID != id || e.Progress == nil || e.Progress.TrafficPercent == nil {
			continue
		}
		if p := *e.Progress.TrafficPercent; len(steps) == 0 || steps[len(steps)-1].percent != p {
			steps = append(steps, trafficStep{at: e.Time, percent: p})
		}
	}
	return steps
}

// callsOf are the double's calls of op.
func callsOf(srv *awsdouble.Server, op string) []awsdouble.Call {
	var out []awsdouble.Call
	for _, c := range srv.Calls() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// seedDeploymentConfig puts the stack's custom deployment config (from its state) into the
// double, as if Pulumi had created it there, and returns it.
func seedDeploymentConfig(t *testing.T, srv *awsdouble.Server, state enginetest.State) awsdouble.DeploymentConfig {
	t.Helper()
	for _, r := range state {
		if r.Type != typeDeployConfig {
			continue
		}
		routing, _ := r.Inputs["trafficRoutingConfig"].(map[string]any)
		c := awsdouble.DeploymentConfig{Name: str(t, r.Inputs, "deploymentConfigName"), Type: str(t, routing, "type")}
		key := map[string]string{awsdouble.TrafficCanary: "timeBasedCanary", awsdouble.TrafficLinear: "timeBasedLinear"}[c.Type]
		if m, ok := routing[key].(map[string]any); ok {
			p, _ := m["percentage"].(float64)
			i, _ := m["interval"].(float64)
			c.Percentage, c.IntervalMinutes = int32(p), int32(i)
		}
		srv.PutDeploymentConfig(c)
		return c
	}
	t.Fatalf("no %s in the state", typeDeployConfig)
	return awsdouble.DeploymentConfig{}
}

// smokeListener stands in for the test listener: it answers every request with its current
// status and counts the requests per path, with the simulated time of the last one.
type smokeListener struct {
	*httptest.Server
	clock  *fakeClock
	mu     sync.Mutex
	status int
	paths  map[string]int
	last   time.Time
}

func newSmokeListener(t *testing.T, clock *fakeClock) *smokeListener {
	l := &smokeListener{clock: clock}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.paths[r.URL.Path]++
		l.last = l.clock.Now()
		status := l.status
		l.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, "%d %s", status, http.StatusText(status))
	}))
	t.Cleanup(l.Close)
	l.reset(http.StatusOK)
	return l
}

// reset sets the status answered and clears the counts.
func (l *smokeListener) reset(status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status, l.paths, l.last = status, map[string]int{}, time.Time{}
}

// stats returns the requests to /healthz, those to other paths, and the time of the last one.
func (l *smokeListener) stats() (hits int, other map[string]int, last time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	other = map[string]int{}
	for p, n := range l.paths {
		if p == "/healthz" {
			hits = n
		} else {
			other[p] = n
		}
	}
	return hits, other, l.last
}
