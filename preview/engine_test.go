package preview

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/infra"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/enginetest"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/")

// setting is one config change a scenario makes (Path: a key path such as environment.X).
type setting struct {
	key    string
	value  string
	path   bool
	secret bool
}

// scenario is one preview of the real program after an `up`, with config tweaks.
type scenario struct {
	name     string // golden file testdata/<name>.md
	settings []setting
	live     []enginetest.Override // live state for a refreshing preview (Options.Refresh)
	want     []want                // findings, in report order
	fails    []Kind                // kinds for which Fails([]Kind{k}) is true
	absent   []string              // strings no format may contain
}

// TestEngine previews the real program (infra.Program over the repository's Pulumi.yaml and
// stack files) through the Pulumi CLI and the TEST DOUBLE providers of internal/testprovider:
// one `up` per stack, then one preview per scenario with its config, restored afterwards.
func TestEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("engine test: runs the Pulumi CLI")
	}
	ctx := context.Background()
	env := enginetest.New(t, enginetest.Options{})

	dev := env.Stack(ctx, t, "dev", "..", infra.Program)
	enginetest.Up(ctx, t, dev)
	green := stateOutput(ctx, t, dev, "aws:lb/targetGroup:TargetGroup", "web-dev-green", "arn")
	swapped := []map[string]any{{"type": "forward", "targetGroupArn": green}}

	runScenarios(ctx, t, env, dev, []scenario{
		{
			name: "dev-no-change",
		},
		{
			name:     "dev-target-group-port",
			settings: []setting{{key: "containerPort", value: "8080"}},
			want: []want{
				{Downtime, High, "web-dev-blue", []string{"Replacing the target group", "port: 80 → 8080"}},
				{Downtime, High, "web-dev-green", []string{"Replacing the target group", "port: 80 → 8080"}},
				{Release, Info, "web-dev", []string{"ports: 80 → 8080"}},
			},
			fails: []Kind{Downtime, Release},
		},
		{
			name: "dev-image",
			settings: []setting{
				{key: "image", value: "public.ecr.aws/nginx/nginx:1.28-alpine"},
				{key: "environment.API_TOKEN", value: "tok-5e1f0c", path: true, secret: true},
				{key: "environment.LOG_LEVEL", value: "info-but-do-not-print", path: true},
			},
			want: []want{{Release, Info, "web-dev", []string{
				"registers revision `web-dev:2`", "service `web-dev` keeps running the current one",
				"image: public.ecr.aws/nginx/nginx:1.27-alpine → public.ecr.aws/nginx/nginx:1.28-alpine",
				"environment: +API_TOKEN, ~LOG_LEVEL (values not shown)",
				"ecs-bluegreen deploy --stack dev"}}},
			fails:  []Kind{Release},
			absent: []string{"tok-5e1f0c", "info-but-do-not-print"},
		},
		{
			name:     "dev-test-listener-cidr",
			settings: []setting{{key: "testListenerCidrs[1]", value: "192.168.0.0/16", path: true}},
			want:     []want{{Access, Medium, "web-dev-test-192-168-0-0-16", []string{"Admits 192.168.0.0/16 on the test listener (TCP 8080)"}}},
			fails:    []Kind{Access},
		},
		{
			name:     "dev-lifecycle-hook",
			settings: []setting{{key: "lifecycleHooks.AfterAllowTestTraffic", value: "arn:aws:lambda:eu-central-1:123456789012:function:web-dev-smoke", path: true}},
			want: []want{{Access, Medium, "web-dev-hooks", []string{
				"Adds inline policy `invoke-lifecycle-hooks` of IAM role `web-dev-codedeploy`",
				"+ Allow lambda:InvokeFunction on arn:aws:lambda:eu-central-1:123456789012:function:web-dev-smoke"}}},
			fails: []Kind{Access},
		},
		{
			// CodeDeploy swapped the groups: a refreshing preview sees it and calls it owned.
			name: "dev-codedeploy-owned",
			live: []enginetest.Override{
				{Type: "aws:lb/listener:Listener", Name: "web-dev-prod", Set: map[string]any{"defaultActions": swapped}},
				{Type: "aws:lb/listener:Listener", Name: "web-dev-test", Set: map[string]any{"defaultActions": swapped}},
				{Type: "aws:ecs/service:Service", Name: "web-dev", Set: map[string]any{"loadBalancers": []map[string]any{
					{"containerName": "app", "containerPort": 80, "targetGroupArn": green}}}},
			},
			want: []want{
				{Owned, Info, "web-dev", []string{"registered in target group `web-dev-green`", "not drift"}},
				{Owned, Info, "web-dev-prod", []string{"production listener forwards to `web-dev-green`", "not drift"}},
				{Owned, Info, "web-dev-test", []string{"test listener forwards to `web-dev-green`"}},
			},
		},
	})

	prod := env.Stack(ctx, t, "prod", "..", infra.Program)
	enginetest.Up(ctx, t, prod)
	runScenarios(ctx, t, env, prod, []scenario{
		{
			name:     "prod-subnets",
			settings: []setting{{key: "privateSubnetIds[2]", value: "subnet-0dddddddddddddddd", path: true}},
			want: []want{{WillFail, Critical, "web-prod", []string{
				"`networkConfiguration`", "`pulumi up` fails at this step",
				"AppSpec's network configuration", "maintenance window",
				"subnet-0a0b0c0d0e0f01020] → [subnet-0123456789abcdef0, subnet-0fedcba9876543210, subnet-0dddddddddddddddd]"}}},
			fails: []Kind{WillFail},
		},
	})
}

func runScenarios(ctx context.Context, t *testing.T, env *enginetest.Env, st auto.Stack, scenarios []scenario) {
	t.Helper()
	cfgFile := filepath.Join(st.Workspace().WorkDir(), "Pulumi."+st.Name()+".yaml")
	saved, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			defer func() {
				if err := os.WriteFile(cfgFile, saved, 0o644); err != nil {
					t.Fatal(err)
				}
				env.SetLive(t)
			}()
			for _, s := range sc.settings {
				key := infra.Project + ":" + s.key
				if err := st.SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: s.value, Secret: s.secret}, &auto.ConfigOptions{Path: s.path}); err != nil {
					t.Fatalf("set %s: %v", key, err)
				}
			}
			if sc.live != nil {
				env.SetLive(t, sc.live...)
			}
			r, err := Collect(ctx, st, Options{Refresh: sc.live != nil})
			if err != nil {
				t.Fatalf("collect: %v", err)
			}
			checkFindings(t, r, sc.want)
			for _, k := range FailKinds {
				if got, want := r.Fails([]Kind{k}), slices.Contains(sc.fails, k); got != want {
					t.Errorf("Fails([%s]) = %v, want %v", k, got, want)
				}
			}
			if len(sc.want) == 0 && len(r.Changes) > 0 {
				t.Errorf("want no changes:\n%s", r.Text())
			}
			js, err := r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			md := r.Markdown(st.Name())
			for _, out := range []string{md, r.Text(), string(js)} {
				for _, s := range sc.absent {
					if strings.Contains(out, s) {
						t.Errorf("report contains %q:\n%s", s, out)
					}
				}
			}
			golden(t, sc.name, md)
		})
	}
}

func checkFindings(t *testing.T, r *Report, want []want) {
	t.Helper()
	if len(r.Findings) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%s", len(r.Findings), len(want), r.Text())
	}
	for i, w := range want {
		f := r.Findings[i]
		if f.Kind != w.kind || f.Severity != w.severity || f.Name != w.name {
			t.Errorf("finding %d: got %s/%s/%s, want %s/%s/%s", i, f.Kind, f.Severity, f.Name, w.kind, w.severity, w.name)
		}
		text := f.Reason + "\n" + f.Action + "\n" + strings.Join(f.Details, "\n")
		for _, s := range w.contains {
			if !strings.Contains(text, s) {
				t.Errorf("finding %d (%s %s) lacks %q:\n%s", i, f.Kind, f.Name, s, text)
			}
		}
	}
}

// Identifiers the test double derives by hashing; normalised so that goldens do not depend on
// the double's hash function.
var (
	hashedIDs  = regexp.MustCompile(`\b(sg|subnet|vpc)-[0-9a-f]{17}\b`)
	hashedARNs = regexp.MustCompile(`/[0-9a-f]{16}\b`)
)

func normalise(s string) string {
	if strings.Contains(s, "ecs-bluegreen-preview:dev") {
		s = hashedIDs.ReplaceAllString(s, "$1-<id>")
	}
	return hashedARNs.ReplaceAllString(s, "/<id>")
}

// golden compares got with testdata/<name>.md; -update rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	got = normalise(got)
	path := filepath.Join("testdata", name+".md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// stateOutput reads a string output of the resource of type typ named name from the stack's state.
func stateOutput(ctx context.Context, t *testing.T, st auto.Stack, typ, name, key string) string {
	t.Helper()
	r := enginetest.ExportState(ctx, t, st).Find(t, typ, name)
	v, ok := r.Outputs[key].(string)
	if !ok {
		t.Fatalf("%s %s has no string output %s in the state of %s", typ, name, key, st.Name())
	}
	return v
}
