package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
)

// engineCase is what differs between the dev and prod stacks.
type engineCase struct {
	stack string
	// want are the creates of a preview from an empty state, for the types that matter.
	want map[string]int
	// newImage is the image of step 3 (a new release).
	newImage string
	// protected: deletionProtection is on, so Pulumi refuses to delete or replace the
	// traffic-carrying resources.
	protected bool
	// ingressCIDR is what prodIngressCidrs is set to when the load balancer is made internal
	// (required then).
	ingressCIDR string
}

var engineCases = []engineCase{
	{
		stack: "dev",
		want: map[string]int{
			typeLB: 1, typeTG: 2, typeListener: 2, typeService: 1, typeTaskDef: 1, typeDeployGroup: 1,
			typeAlarm: 0, typeDeployConfig: 0, typeAwsxVpc: 1,
		},
		newImage:    "public.ecr.aws/nginx/nginx:1.28-alpine",
		ingressCIDR: "10.40.0.0/16",
	},
	{
		stack: "prod",
		want: map[string]int{
			typeLB: 1, typeTG: 2, typeListener: 3, typeService: 1, typeTaskDef: 1, typeDeployGroup: 1,
			typeAlarm: 4, typeDeployConfig: 1, typeAwsxVpc: 0,
		},
		newImage:    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.1.0",
		protected:   true,
		ingressCIDR: "10.0.0.0/8",
	},
}

// TestEngine runs infra.Program with the repository's stack files through the real Pulumi
// engine against the test-double providers: the first preview and up, an image change, a
// simulated CodeDeploy release followed by refresh, changes that need replacements, and destroy
// (with and without deletion protection). The steps of one stack build on each other; the first
// failing step ends that stack's test.
func TestEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("engine test: runs the Pulumi CLI (skipped with -short)")
	}
	for _, tc := range engineCases {
		t.Run(tc.stack, func(t *testing.T) { runEngineCase(t, tc) })
	}
}

func runEngineCase(t *testing.T, tc engineCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	env := enginetest.New(t, enginetest.Options{})
	st := env.Stack(ctx, t, tc.stack, projectDir(t), infra.Program)
	name := infra.ComponentName("web", tc.stack) // serviceName is "web" in both stack files

	step("preview from an empty state creates the service", func(t *testing.T) {
		sum := enginetest.Preview(ctx, t, st)
		for typ, n := range tc.want {
			if sum.Creates[typ] != n {
				t.Errorf("creates[%s] = %d, want %d", typ, sum.Creates[typ], n)
			}
		}
		if len(sum.Updates)+len(sum.Replaces)+len(sum.Deletes)+len(sum.Sames) > 0 {
			t.Errorf("a preview from an empty state plans more than creates:\n%s", sum)
		}
		if t.Failed() {
			t.Logf("creates: %v", sum.Creates)
		}
	})

	var first auto.UpResult
	step("up, then preview shows no changes", func(t *testing.T) {
		first = enginetest.Up(ctx, t, st)
		for _, key := range infra.Outputs {
			if _, ok := first.Outputs[key]; !ok {
				t.Errorf("stack output %q missing after up", key)
			}
		}
		if got := first.Outputs[infra.OutputTaskDefinitionArn].Value; !strings.HasSuffix(got.(string), ":1") {
			t.Errorf("taskDefinitionArn = %v, want revision 1", got)
		}
		if sum := enginetest.Preview(ctx, t, st); sum.Changed() {
			t.Errorf("preview right after up plans changes:\n%s", sum)
		}
	})

	var rev2 string
	step("new image: only the task definition is replaced", func(t *testing.T) {
		if err := st.SetConfig(ctx, "ecs-bluegreen:image", auto.ConfigValue{Value: tc.newImage}); err != nil {
			t.Fatalf("config set image: %v", err)
		}
		sum := enginetest.Preview(ctx, t, st)
		td := sum.Find(typeTaskDef, name)
		i := slices.IndexFunc(td, func(s enginetest.Step) bool { return s.Op == "replace" })
		if i < 0 || !slices.Contains(td[i].Replaces, "containerDefinitions") {
			t.Errorf("task definition steps = %+v, want a replacement caused by containerDefinitions", td)
		}
		// Nothing else: the service ignores its taskDefinition (CodeDeploy releases it), and
		// the listeners and target groups do not depend on the image.
		if sum.Replaces[typeTaskDef] != 1 || len(sum.Replaces) != 1 || len(sum.Creates)+len(sum.Updates)+len(sum.Deletes) > 0 {
			t.Errorf("an image change plans more than replacing the task definition:\n%s", sum)
		}
		for _, r := range []struct{ typ, name string }{
			{typeService, name}, {typeListener, name + "-prod"}, {typeListener, name + "-test"},
			{typeTG, name + "-blue"}, {typeTG, name + "-green"},
		} {
			if steps := sum.Find(r.typ, r.name); len(steps) != 1 || steps[0].Op != "same" {
				t.Errorf("%s %s: steps %+v, want one 'same'", r.typ, r.name, steps)
			}
		}

		res := enginetest.Up(ctx, t, st)
		rev2, _ = res.Outputs[infra.OutputTaskDefinitionArn].Value.(string)
		if !strings.HasSuffix(rev2, ":2") {
			t.Errorf("taskDefinitionArn after up = %q, want revision 2", rev2)
		}
		// Pulumi left the service alone: it still names revision 1 until CodeDeploy releases 2.
		svc := enginetest.ExportState(ctx, t, st).Find(t, typeService, name)
		if got := str(t, svc.Inputs, "taskDefinition"); !strings.HasSuffix(got, ":1") {
			t.Errorf("service taskDefinition after up = %q, want revision 1 (ignored change)", got)
		}
	})

	step("a completed CodeDeploy release is invisible after refresh", func(t *testing.T) {
		state := enginetest.ExportState(ctx, t, st)
		lbs, _ := state.Find(t, typeService, name).Inputs["loadBalancers"].([]any)
		blue := str(t, state.Find(t, typeTG, name+"-blue").Outputs, "arn")
		if len(lbs) != 1 || lbs[0].(map[string]any)["targetGroupArn"] != blue {
			t.Fatalf("service load balancers %v, want the blue group %s before the release", lbs, blue)
		}
		drift := codeDeployDrift(t, state, name, name+"-green", rev2)
		env.SetLive(t, drift...)
		enginetest.Refresh(ctx, t, st)

		// The refresh recorded the release, so the no-change preview below is not vacuous.
		after := enginetest.ExportState(ctx, t, st)
		for _, o := range drift {
			r := after.Find(t, o.Type, o.Name)
			for k, v := range o.Set {
				if !jsonEqual(r.Inputs[k], v) {
					t.Errorf("%s %s: %s after refresh = %v, want %v", o.Type, o.Name, k, r.Inputs[k], v)
				}
			}
		}
		if sum := enginetest.Preview(ctx, t, st); sum.Changed() {
			t.Errorf("after a CodeDeploy release and refresh, preview plans changes:\n%s", sum)
		}
	})

	step("without ignoreChanges the same release shows as updates", func(t *testing.T) {
		// A second Env, so the stack has the same name and the same URNs (and so the same
		// computed ARNs) as the one above.
		env2 := enginetest.New(t, enginetest.Options{})
		st2 := env2.Stack(ctx, t, tc.stack, projectDir(t), withoutIgnoreChanges(infra.Program))
		if err := st2.SetConfig(ctx, "ecs-bluegreen:image", auto.ConfigValue{Value: tc.newImage}); err != nil {
			t.Fatalf("config set image: %v", err)
		}
		enginetest.Up(ctx, t, st2)
		env2.SetLive(t, codeDeployDrift(t, enginetest.ExportState(ctx, t, st2), name, name+"-green", rev2)...)
		enginetest.Refresh(ctx, t, st2)
		sum := enginetest.Preview(ctx, t, st2)
		for _, want := range []struct {
			typ, name string
			diffs     []string
		}{
			{typeListener, name + "-prod", []string{"defaultActions"}},
			{typeListener, name + "-test", []string{"defaultActions"}},
			{typeService, name, []string{"loadBalancers", "taskDefinition"}},
		} {
			steps := sum.Find(want.typ, want.name)
			if len(steps) != 1 || steps[0].Op != "update" {
				t.Errorf("%s %s: steps %+v, want an update", want.typ, want.name, steps)
				continue
			}
			for _, d := range want.diffs {
				if !slices.Contains(steps[0].Diffs, d) {
					t.Errorf("%s %s: diffs %v, want %s among them", want.typ, want.name, steps[0].Diffs, d)
				}
			}
		}
	})

	step("changes that need replacements show as replacements", func(t *testing.T) {
		port, err := st.GetConfig(ctx, "ecs-bluegreen:containerPort")
		if err != nil {
			t.Fatalf("config get containerPort: %v", err)
		}
		if err := st.SetConfig(ctx, "ecs-bluegreen:containerPort", auto.ConfigValue{Value: "9090"}); err != nil {
			t.Fatalf("config set containerPort: %v", err)
		}
		sum, err := enginetest.TryPreview(ctx, t, st)
		checkPortChange(t, tc, name, sum, err)
		if err := st.SetConfig(ctx, "ecs-bluegreen:containerPort", port); err != nil {
			t.Fatalf("restoring containerPort: %v", err)
		}

		if err := st.SetConfig(ctx, "ecs-bluegreen:internal", auto.ConfigValue{Value: "true"}); err != nil {
			t.Fatalf("config set internal: %v", err)
		}
		// An internal load balancer needs explicit ingress CIDRs (the config refuses it without).
		if err := st.SetConfigWithOptions(ctx, "ecs-bluegreen:prodIngressCidrs[0]", auto.ConfigValue{Value: tc.ingressCIDR},
			&auto.ConfigOptions{Path: true}); err != nil {
			t.Fatalf("config set prodIngressCidrs: %v", err)
		}
		sum, err = enginetest.TryPreview(ctx, t, st)
		checkInternalChange(t, tc, name, sum, err)
		for _, key := range []string{"ecs-bluegreen:internal", "ecs-bluegreen:prodIngressCidrs"} {
			if err := st.RemoveConfig(ctx, key); err != nil {
				t.Fatalf("restoring %s: %v", key, err)
			}
		}
		if sum := enginetest.Preview(ctx, t, st); sum.Changed() {
			t.Errorf("after restoring the config, preview plans changes:\n%s", sum)
		}
	})

	if !tc.protected {
		step("destroy deletes everything", func(t *testing.T) {
			enginetest.Destroy(ctx, t, st)
			if left := enginetest.ExportState(ctx, t, st); len(left) > 0 {
				t.Errorf("%d resources left after destroy, e.g. %s", len(left), left[0].URN)
			}
		})
		return
	}

	step("destroy refuses protected resources until deletionProtection is off", func(t *testing.T) {
		before := enginetest.ExportState(ctx, t, st)
		_, err := st.Destroy(ctx)
		if err == nil {
			t.Fatal("destroy of a stack with deletionProtection succeeded")
		}
		if !strings.Contains(err.Error(), "because it is protected") {
			t.Errorf("destroy error does not name protection: %v", err)
		}
		after := enginetest.ExportState(ctx, t, st)
		for _, r := range []struct{ typ, name string }{
			{typeLB, name}, {typeListener, name + "-prod"}, {typeListener, name + "-test"},
			{typeTG, name + "-blue"}, {typeTG, name + "-green"}, {typeCluster, name}, {typeService, name},
			{typeApplication, name}, {typeDeployGroup, name},
		} {
			if !after.Has(r.typ, r.name) {
				t.Errorf("protected %s %s was deleted", r.typ, r.name)
			}
		}
		// Pulumi deletes what is not protected before it stops, so with deletionProtection every
		// resource is protected: only the task definition (replaced by every image change; AWS
		// keeps its revisions through skipDestroy) may go.
		for _, r := range before {
			if !after.Has(r.Type, r.Name()) && r.Type != typeTaskDef && !strings.HasPrefix(r.Type, "pulumi:") {
				t.Errorf("the refused destroy still deleted %s %s: production would lose it", r.Type, r.Name())
			}
		}

		if err := st.SetConfig(ctx, "ecs-bluegreen:deletionProtection", auto.ConfigValue{Value: "false"}); err != nil {
			t.Fatalf("config set deletionProtection: %v", err)
		}
		enginetest.Up(ctx, t, st)
		for _, r := range enginetest.ExportState(ctx, t, st) {
			if r.Protect {
				t.Errorf("%s still protected after up with deletionProtection=false", r.URN)
			}
		}
		enginetest.Destroy(ctx, t, st)
		if left := enginetest.ExportState(ctx, t, st); len(left) > 0 {
			t.Errorf("%d resources left after destroy, e.g. %s", len(left), left[0].URN)
		}
	})
}

// codeDeployDrift is the live state after CodeDeploy released taskDef onto the target group
// named live (name+"-blue" or name+"-green"): both listeners forward to it (production as
// CodeDeploy leaves it, a weighted forward with the other group at 0), and the service runs
// taskDef behind it.
func codeDeployDrift(tb testing.TB, state enginetest.State, name, live, taskDef string) []enginetest.Override {
	tb.Helper()
	other := map[string]string{name + "-blue": name + "-green", name + "-green": name + "-blue"}[live]
	if other == "" {
		tb.Fatalf("live target group %q is neither of %s's", live, name)
	}
	liveArn := str(tb, state.Find(tb, typeTG, live).Outputs, "arn")
	otherArn := str(tb, state.Find(tb, typeTG, other).Outputs, "arn")
	svc := state.Find(tb, typeService, name)
	lbs, ok := svc.Inputs["loadBalancers"].([]any)
	if !ok || len(lbs) != 1 {
		tb.Fatalf("service loadBalancers = %#v, want one", svc.Inputs["loadBalancers"])
	}
	lb := map[string]any{}
	for k, v := range lbs[0].(map[string]any) {
		lb[k] = v
	}
	lb["targetGroupArn"] = liveArn
	return []enginetest.Override{
		{Type: typeListener, Name: name + "-prod", Set: map[string]any{"defaultActions": []any{map[string]any{
			"type": "forward",
			"forward": map[string]any{"targetGroups": []any{
				map[string]any{"arn": liveArn, "weight": 100},
				map[string]any{"arn": otherArn, "weight": 0},
			}},
		}}}},
		{Type: typeListener, Name: name + "-test", Set: map[string]any{"defaultActions": []any{map[string]any{
			"type": "forward", "targetGroupArn": liveArn,
		}}}},
		{Type: typeService, Name: name, Set: map[string]any{
			"taskDefinition": taskDef,
			"loadBalancers":  []any{lb},
		}},
	}
}

// checkPortChange: a new container port replaces both target groups (port is force-new) and the
// task definition, and updates the two security group rules of that port. Nothing else: the
// listeners' default actions and the service's load balancers are ignored, and the deployment
// group names the groups, whose names do not change. With protection the engine refuses.
func checkPortChange(t *testing.T, tc engineCase, name string, sum enginetest.Summary, err error) {
	t.Helper()
	for _, color := range []string{"blue", "green"} {
		steps := sum.Find(typeTG, name+"-"+color)
		i := slices.IndexFunc(steps, func(s enginetest.Step) bool { return s.Op == "replace" })
		if i < 0 || !slices.Contains(steps[i].Replaces, "port") {
			t.Errorf("containerPort: %s target group steps %+v, want a replacement caused by port", color, steps)
		}
	}
	if tc.protected {
		if err == nil {
			t.Fatal("containerPort: the preview of replacing protected target groups succeeded")
		}
		for _, color := range []string{"blue", "green"} {
			if !strings.Contains(err.Error(), "unable to replace resource") ||
				!strings.Contains(err.Error(), typeTG+"::"+name+"-"+color) {
				t.Errorf("containerPort: preview error does not name the protected %s target group: %v", color, err)
			}
		}
		if !strings.Contains(err.Error(), "marked for protection") {
			t.Errorf("containerPort: preview error does not name protection: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("containerPort: preview failed: %v", err)
	}
	wantReplaces := map[string]int{typeTG: 2, typeTaskDef: 1}
	wantUpdates := map[string]int{typeIngressRule: 1, typeEgressRule: 1}
	if !jsonEqual(sum.Replaces, wantReplaces) || !jsonEqual(sum.Updates, wantUpdates) ||
		len(sum.Creates)+len(sum.Deletes) > 0 {
		t.Errorf("containerPort: replaces %v updates %v, want %v and %v, nothing else:\n%s",
			sum.Replaces, sum.Updates, wantReplaces, wantUpdates, sum)
	}
	for _, r := range []struct{ typ, name string }{{typeIngressRule, name + "-from-alb"}, {typeEgressRule, name + "-alb-to-tasks"}} {
		steps := sum.Find(r.typ, r.name)
		if len(steps) != 1 || steps[0].Op != "update" || !slices.Contains(steps[0].Diffs, "fromPort") {
			t.Errorf("containerPort: %s steps %+v, want an update of fromPort/toPort", r.name, steps)
		}
	}
}

// checkInternalChange: making the load balancer internal replaces it (internal is force-new).
func checkInternalChange(t *testing.T, tc engineCase, name string, sum enginetest.Summary, err error) {
	t.Helper()
	steps := sum.Find(typeLB, name)
	i := slices.IndexFunc(steps, func(s enginetest.Step) bool { return s.Op == "replace" })
	if i < 0 || !slices.Contains(steps[i].Replaces, "internal") {
		t.Errorf("internal: load balancer steps %+v, want a replacement caused by internal", steps)
	}
	if tc.protected {
		if err == nil || !strings.Contains(err.Error(), "unable to replace resource") ||
			!strings.Contains(err.Error(), typeLB+"::"+name) || !strings.Contains(err.Error(), "marked for protection") {
			t.Errorf("internal: preview error %v, want a refusal to replace the protected load balancer", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("internal: preview failed: %v", err)
	}
	t.Logf("internal=true plans:\n%s", sum)
}
