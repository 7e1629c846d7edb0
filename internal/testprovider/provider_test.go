package testprovider

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

func urnOf(typ, name string) string {
	return "urn:pulumi:dev::proj::" + typ + "::" + name
}

func newTestServer(t *testing.T, pkg string) *Server {
	t.Helper()
	dir := t.TempDir()
	s, err := NewServer(Config{
		Package:   pkg,
		StatePath: filepath.Join(dir, "live.json"),
		LogPath:   filepath.Join(dir, "rpc.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pstruct(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal("test", m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pmap(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var unknownString = resource.MakeComputed(resource.NewProperty(""))

func TestDiff(t *testing.T) {
	const (
		tg = "aws:lb/targetGroup:TargetGroup"
		td = "aws:ecs/taskDefinition:TaskDefinition"
	)
	tgOld := resource.PropertyMap{
		"port":     resource.NewProperty(80.0),
		"protocol": resource.NewProperty("HTTP"),
		"tags":     resource.NewProperty(resource.PropertyMap{"env": resource.NewProperty("dev")}),
	}
	with := func(base resource.PropertyMap, k string, v resource.PropertyValue) resource.PropertyMap {
		m := base.Copy()
		m[resource.PropertyKey(k)] = v
		return m
	}
	without := func(base resource.PropertyMap, k string) resource.PropertyMap {
		m := base.Copy()
		delete(m, resource.PropertyKey(k))
		return m
	}
	tdOld := resource.PropertyMap{
		"family":               resource.NewProperty("web"),
		"containerDefinitions": resource.NewProperty(`[{"image":"web:1"}]`),
		"tags":                 resource.NewProperty(resource.PropertyMap{}),
	}
	tests := []struct {
		name         string
		typ          string
		olds, news   resource.PropertyMap
		wantDiffs    []string
		wantReplaces []string
		wantKinds    map[string]pulumirpc.PropertyDiff_Kind
	}{
		{name: "no change", typ: tg, olds: tgOld, news: tgOld.Copy()},
		{
			name: "port forces replacement", typ: tg, olds: tgOld, news: with(tgOld, "port", resource.NewProperty(8080.0)),
			wantDiffs: []string{"port"}, wantReplaces: []string{"port"},
			wantKinds: map[string]pulumirpc.PropertyDiff_Kind{"port": pulumirpc.PropertyDiff_UPDATE_REPLACE},
		},
		{
			name: "tags update in place", typ: tg, olds: tgOld,
			news:      with(tgOld, "tags", resource.NewProperty(resource.PropertyMap{"env": resource.NewProperty("prod")})),
			wantDiffs: []string{"tags"},
			wantKinds: map[string]pulumirpc.PropertyDiff_Kind{"tags": pulumirpc.PropertyDiff_UPDATE},
		},
		{
			name: "unknown new value counts as changed", typ: tg, olds: tgOld, news: with(tgOld, "protocol", unknownString),
			wantDiffs: []string{"protocol"}, wantReplaces: []string{"protocol"},
		},
		{
			name: "added and removed keys", typ: tg, olds: tgOld,
			news:      with(without(tgOld, "tags"), "deregistrationDelay", resource.NewProperty(5.0)),
			wantDiffs: []string{"deregistrationDelay", "tags"},
			wantKinds: map[string]pulumirpc.PropertyDiff_Kind{
				"deregistrationDelay": pulumirpc.PropertyDiff_ADD, "tags": pulumirpc.PropertyDiff_DELETE,
			},
		},
		{
			name: "null equals absent", typ: tg, olds: tgOld, news: with(tgOld, "vpcId", resource.NewNullProperty()),
		},
		{
			name: "secret wrapping alone is no change", typ: tg,
			olds: with(tgOld, "name", resource.MakeSecret(resource.NewProperty("blue"))),
			news: with(tgOld, "name", resource.NewProperty("blue")),
		},
		{
			name: "task definition image change replaces", typ: td, olds: tdOld,
			news:      with(tdOld, "containerDefinitions", resource.NewProperty(`[{"image":"web:2"}]`)),
			wantDiffs: []string{"containerDefinitions"}, wantReplaces: []string{"containerDefinitions"},
		},
		{
			name: "task definition tags update in place", typ: td, olds: tdOld,
			news:      with(tdOld, "tags", resource.NewProperty(resource.PropertyMap{"a": resource.NewProperty("b")})),
			wantDiffs: []string{"tags"},
		},
		{
			name: "deployment config: every input replaces", typ: "aws:codedeploy/deploymentConfig:DeploymentConfig",
			olds:      resource.PropertyMap{"computePlatform": resource.NewProperty("ECS")},
			news:      resource.PropertyMap{"computePlatform": resource.NewProperty("Lambda")},
			wantDiffs: []string{"computePlatform"}, wantReplaces: []string{"computePlatform"},
		},
		{
			name: "alb alias uses the lb table", typ: "aws:alb/targetGroup:TargetGroup", olds: tgOld,
			news:      with(tgOld, "port", resource.NewProperty(81.0)),
			wantDiffs: []string{"port"}, wantReplaces: []string{"port"},
		},
		{
			name: "unlisted type never replaces", typ: "aws:ec2/routeTable:RouteTable",
			olds:      resource.PropertyMap{"vpcId": resource.NewProperty("vpc-1")},
			news:      resource.PropertyMap{"vpcId": resource.NewProperty("vpc-2")},
			wantDiffs: []string{"vpcId"},
		},
	}
	s := newTestServer(t, "aws")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := s.Diff(context.Background(), &pulumirpc.DiffRequest{
				Urn: urnOf(tt.typ, "r"), OldInputs: pstruct(t, tt.olds), News: pstruct(t, tt.news),
				Olds: pstruct(t, tt.olds),
			})
			if err != nil {
				t.Fatal(err)
			}
			wantChanges := pulumirpc.DiffResponse_DIFF_NONE
			if len(tt.wantDiffs) > 0 {
				wantChanges = pulumirpc.DiffResponse_DIFF_SOME
			}
			if resp.GetChanges() != wantChanges {
				t.Errorf("changes = %v, want %v", resp.GetChanges(), wantChanges)
			}
			if !slices.Equal(resp.GetDiffs(), tt.wantDiffs) {
				t.Errorf("diffs = %v, want %v", resp.GetDiffs(), tt.wantDiffs)
			}
			if !slices.Equal(resp.GetReplaces(), tt.wantReplaces) {
				t.Errorf("replaces = %v, want %v", resp.GetReplaces(), tt.wantReplaces)
			}
			if resp.GetDeleteBeforeReplace() {
				t.Error("deleteBeforeReplace = true, want false")
			}
			for k, want := range tt.wantKinds {
				if got := resp.GetDetailedDiff()[k].GetKind(); got != want {
					t.Errorf("detailedDiff[%s] = %v, want %v", k, got, want)
				}
			}
			if len(resp.GetDetailedDiff()) != len(tt.wantDiffs) {
				t.Errorf("detailedDiff has %d keys, want %d", len(resp.GetDetailedDiff()), len(tt.wantDiffs))
			}
		})
	}
}

// Without old inputs the double diffs the old state, ignoring the keys it computes itself.
func TestDiffWithoutOldInputsIgnoresComputedKeys(t *testing.T) {
	s := newTestServer(t, "aws")
	ctx := context.Background()
	typ := "aws:lb/targetGroup:TargetGroup"
	inputs := resource.PropertyMap{"port": resource.NewProperty(80.0), "protocol": resource.NewProperty("HTTP")}
	created, err := s.Create(ctx, &pulumirpc.CreateRequest{Urn: urnOf(typ, "blue"), Properties: pstruct(t, inputs)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Diff(ctx, &pulumirpc.DiffRequest{
		Urn: urnOf(typ, "blue"), Olds: created.GetProperties(), News: pstruct(t, inputs),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("diff against own state = %v %v, want none", resp.GetChanges(), resp.GetDiffs())
	}
}

func strOut(t *testing.T, m resource.PropertyMap, key string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		t.Fatalf("output %q = %v, want a string", key, v)
	}
	return v.StringValue()
}

func TestCreateComputedOutputs(t *testing.T) {
	lbArn := "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef"
	tests := []struct {
		typ, name string
		inputs    resource.PropertyMap
		wantID    string // regexp
		want      map[string]string
	}{
		{
			typ: "aws:lb/loadBalancer:LoadBalancer", name: "web", inputs: resource.PropertyMap{"name": resource.NewProperty("web")},
			wantID: `^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/[0-9a-f]{16}$`,
			want: map[string]string{
				"name":      `^web$`,
				"arnSuffix": `^app/web/[0-9a-f]{16}$`,
				"dnsName":   `^web-[0-9]{10}\.us-east-1\.elb\.amazonaws\.com$`,
				"zoneId":    `^Z35SXDOTRQ7X7K$`,
			},
		},
		{
			typ: "aws:lb/targetGroup:TargetGroup", name: "blue", inputs: resource.PropertyMap{"namePrefix": resource.NewProperty("bl-")},
			wantID: `^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bl-[0-9a-f]{7}/[0-9a-f]{16}$`,
			want:   map[string]string{"name": `^bl-[0-9a-f]{7}$`, "arnSuffix": `^targetgroup/bl-[0-9a-f]{7}/[0-9a-f]{16}$`},
		},
		{
			typ: "aws:lb/listener:Listener", name: "prod", inputs: resource.PropertyMap{"loadBalancerArn": resource.NewProperty(lbArn)},
			wantID: `^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/[0-9a-f]{16}$`,
		},
		{
			typ: "aws:ec2/securityGroup:SecurityGroup", name: "svc", inputs: resource.PropertyMap{},
			wantID: `^sg-[0-9a-f]{17}$`, want: map[string]string{"name": `^svc-[0-9a-f]{7}$`},
		},
		{
			typ: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "in", inputs: resource.PropertyMap{},
			wantID: `^sgr-[0-9a-f]{17}$`, want: map[string]string{"securityGroupRuleId": `^sgr-[0-9a-f]{17}$`},
		},
		{
			typ: "aws:ecs/cluster:Cluster", name: "c", inputs: resource.PropertyMap{"name": resource.NewProperty("main")},
			wantID: `^arn:aws:ecs:us-east-1:123456789012:cluster/main$`,
		},
		{
			typ: "aws:ecs/service:Service", name: "svc", inputs: resource.PropertyMap{
				"name":    resource.NewProperty("api"),
				"cluster": resource.NewProperty("arn:aws:ecs:us-east-1:123456789012:cluster/main"),
			},
			wantID: `^arn:aws:ecs:us-east-1:123456789012:service/main/api$`,
		},
		{
			typ: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", name: "cp",
			inputs: resource.PropertyMap{"clusterName": resource.NewProperty("main")},
			wantID: `^main$`,
		},
		{
			typ: "aws:iam/role:Role", name: "exec", inputs: resource.PropertyMap{"name": resource.NewProperty("exec"), "path": resource.NewProperty("/svc/")},
			wantID: `^exec$`, want: map[string]string{"arn": `^arn:aws:iam::123456789012:role/svc/exec$`, "uniqueId": `^AROA[0-9A-F]{17}$`},
		},
		{
			typ: "aws:iam/rolePolicy:RolePolicy", name: "p", inputs: resource.PropertyMap{"name": resource.NewProperty("logs"), "role": resource.NewProperty("exec")},
			wantID: `^exec:logs$`,
		},
		{
			typ: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "errors", inputs: resource.PropertyMap{"name": resource.NewProperty("5xx")},
			wantID: `^5xx$`, want: map[string]string{"arn": `^arn:aws:cloudwatch:us-east-1:123456789012:alarm:5xx$`},
		},
		{
			typ: "aws:codedeploy/deploymentGroup:DeploymentGroup", name: "dg", inputs: resource.PropertyMap{
				"appName": resource.NewProperty("app"), "deploymentGroupName": resource.NewProperty("web"),
			},
			wantID: `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
			want:   map[string]string{"arn": `^arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:app/web$`},
		},
		{
			typ: "aws:ecr/repository:Repository", name: "repo", inputs: resource.PropertyMap{"name": resource.NewProperty("web")},
			wantID: `^web$`, want: map[string]string{
				"repositoryUrl": `^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/web$`, "registryId": `^123456789012$`,
			},
		},
		{
			typ: "aws:sns/topic:Topic", name: "alerts", inputs: resource.PropertyMap{},
			wantID: `^arn:aws:sns:us-east-1:123456789012:alerts-[0-9a-f]{7}$`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			s := newTestServer(t, "aws")
			tags := resource.NewProperty(resource.PropertyMap{"team": resource.NewProperty("x")})
			inputs := tt.inputs.Copy()
			inputs["tags"] = tags
			resp, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
				Urn: urnOf(tt.typ, tt.name), Properties: pstruct(t, inputs),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(tt.wantID).MatchString(resp.GetId()) {
				t.Errorf("id = %q, want match for %s", resp.GetId(), tt.wantID)
			}
			out := pmap(t, resp.GetProperties())
			if got := strOut(t, out, "id"); got != resp.GetId() {
				t.Errorf("id output = %q, want the id %q", got, resp.GetId())
			}
			for k, re := range tt.want {
				if got := strOut(t, out, k); !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("%s = %q, want match for %s", k, got, re)
				}
			}
			if !out["tagsAll"].DeepEquals(tags) {
				t.Errorf("tagsAll = %v, want the tags %v", out["tagsAll"], tags)
			}
			for k, v := range inputs {
				if !out[k].DeepEquals(v) {
					t.Errorf("state[%s] = %v, want the input %v", k, out[k], v)
				}
			}
			// Deterministic: the same request gives the same answer.
			again, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
				Urn: urnOf(tt.typ, tt.name), Properties: pstruct(t, inputs),
			})
			if err != nil {
				t.Fatal(err)
			}
			if again.GetId() != resp.GetId() {
				t.Errorf("second create id = %q, want %q", again.GetId(), resp.GetId())
			}
		})
	}
}

func TestCreatePreview(t *testing.T) {
	s := newTestServer(t, "aws")
	ctx := context.Background()
	typ := "aws:lb/listener:Listener"
	resp, err := s.Create(ctx, &pulumirpc.CreateRequest{
		Urn: urnOf(typ, "prod"), Preview: true,
		Properties: pstruct(t, resource.PropertyMap{"loadBalancerArn": unknownString, "port": resource.NewProperty(80.0)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetId() != "" {
		t.Errorf("preview id = %q, want empty", resp.GetId())
	}
	out := pmap(t, resp.GetProperties())
	if !out["arn"].IsComputed() {
		t.Errorf("arn from an unknown load balancer ARN = %v, want unknown", out["arn"])
	}

	resp, err = s.Create(ctx, &pulumirpc.CreateRequest{
		Urn: urnOf("aws:lb/targetGroup:TargetGroup", "blue"), Preview: true,
		Properties: pstruct(t, resource.PropertyMap{"name": resource.NewProperty("blue")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strOut(t, pmap(t, resp.GetProperties()), "arnSuffix"); !strings.HasPrefix(got, "targetgroup/blue/") {
		t.Errorf("preview arnSuffix = %q, want it derived from the name", got)
	}
}

func TestCreateRejectsUnknownsOutsidePreview(t *testing.T) {
	s := newTestServer(t, "aws")
	_, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn:        urnOf("aws:ecs/cluster:Cluster", "c"),
		Properties: pstruct(t, resource.PropertyMap{"name": unknownString}),
	})
	if err == nil {
		t.Fatal("create with unknown inputs outside preview succeeded, want an error")
	}
}

func TestConfigureRegion(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args resource.PropertyMap
		want string
	}{
		{name: "default", want: "us-east-1"},
		{name: "variable", vars: map[string]string{"aws:region": "eu-west-1"}, want: "eu-west-1"},
		{
			name: "args win", vars: map[string]string{"aws:region": "eu-west-1"},
			args: resource.PropertyMap{"region": resource.NewProperty("ap-south-1")}, want: "ap-south-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, "aws")
			resp, err := s.Configure(context.Background(), &pulumirpc.ConfigureRequest{
				//lint:ignore SA1019 the provider must still honour Variables (see Configure)
				Variables: tt.vars, Args: pstruct(t, tt.args),
			})
			if err != nil {
				t.Fatal(err)
			}
			if !resp.GetAcceptSecrets() || !resp.GetSupportsPreview() || !resp.GetAcceptResources() || !resp.GetAcceptOutputs() {
				t.Errorf("configure response = %v, want all capabilities", resp)
			}
			created, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
				Urn: urnOf("aws:ecs/cluster:Cluster", "c"), Properties: pstruct(t, resource.PropertyMap{"name": resource.NewProperty("main")}),
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := "arn:aws:ecs:" + tt.want + ":123456789012:cluster/main"; created.GetId() != want {
				t.Errorf("id = %q, want %q", created.GetId(), want)
			}
		})
	}
}

func TestTaskDefinitionRevisions(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Package: "aws", StatePath: filepath.Join(dir, "live.json")}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	typ := "aws:ecs/taskDefinition:TaskDefinition"
	inputs := func(image string) *structpb.Struct {
		return pstruct(t, resource.PropertyMap{
			"family": resource.NewProperty("web"), "containerDefinitions": resource.NewProperty(image),
		})
	}
	create := func(s *Server, preview bool, image string) resource.PropertyMap {
		t.Helper()
		resp, err := s.Create(ctx, &pulumirpc.CreateRequest{Urn: urnOf(typ, "web"), Preview: preview, Properties: inputs(image)})
		if err != nil {
			t.Fatal(err)
		}
		return pmap(t, resp.GetProperties())
	}
	revision := func(m resource.PropertyMap) int { return int(m["revision"].NumberValue()) }

	if got := revision(create(s, true, "a")); got != 1 {
		t.Errorf("preview of the first create: revision %d, want 1", got)
	}
	first := create(s, false, "a")
	if got := revision(first); got != 1 {
		t.Errorf("first create: revision %d, want 1 (a preview must not consume one)", got)
	}
	if got := strOut(t, first, "arn"); got != "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1" {
		t.Errorf("arn = %q", got)
	}
	if got := strOut(t, first, "arnWithoutRevision"); got != "arn:aws:ecs:us-east-1:123456789012:task-definition/web" {
		t.Errorf("arnWithoutRevision = %q", got)
	}
	if got := revision(create(s, true, "b")); got != 2 {
		t.Errorf("preview of a replacement: revision %d, want 2", got)
	}
	if got := revision(create(s, false, "b")); got != 2 {
		t.Errorf("replacement: revision %d, want 2", got)
	}

	// Update (tags only) keeps the revision.
	upd, err := s.Update(ctx, &pulumirpc.UpdateRequest{
		Urn: urnOf(typ, "web"), Olds: pstruct(t, first), News: inputs("a"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := revision(pmap(t, upd.GetProperties())); got != 1 {
		t.Errorf("update: revision %d, want the old 1", got)
	}

	// A new plugin process (same state file) continues the count.
	s2, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := revision(create(s2, false, "c")); got != 3 {
		t.Errorf("create in a new process: revision %d, want 3", got)
	}
}

func TestReadMergesLiveState(t *testing.T) {
	typ := "aws:lb/listener:Listener"
	stored := resource.PropertyMap{
		"port":           resource.NewProperty(80.0),
		"defaultActions": resource.NewProperty(`forward blue`),
		"arn":            resource.NewProperty("arn:old"),
	}
	storedInputs := resource.PropertyMap{
		"port":           resource.NewProperty(80.0),
		"defaultActions": resource.NewProperty(`forward blue`),
	}
	tests := []struct {
		name       string
		overrides  []Override
		urnName    string
		wantProps  map[string]any
		wantInputs map[string]any
	}{
		{
			name: "no live state", urnName: "prod",
			wantProps:  map[string]any{"defaultActions": "forward blue", "arn": "arn:old"},
			wantInputs: map[string]any{"defaultActions": "forward blue"},
		},
		{
			name:       "input override reaches props and inputs",
			overrides:  []Override{{Type: typ, Name: "prod", Set: map[string]any{"defaultActions": "forward green"}}},
			urnName:    "prod",
			wantProps:  map[string]any{"defaultActions": "forward green"},
			wantInputs: map[string]any{"defaultActions": "forward green"},
		},
		{
			name:       "computed-only key stays out of inputs",
			overrides:  []Override{{Type: typ, Name: "prod", Set: map[string]any{"arn": "arn:new"}}},
			urnName:    "prod",
			wantProps:  map[string]any{"arn": "arn:new"},
			wantInputs: map[string]any{"arn": nil},
		},
		{
			name:       "other resource untouched",
			overrides:  []Override{{Type: typ, Name: "test", Set: map[string]any{"defaultActions": "forward green"}}},
			urnName:    "prod",
			wantProps:  map[string]any{"defaultActions": "forward blue"},
			wantInputs: map[string]any{"defaultActions": "forward blue"},
		},
		{
			name:       "urn must match when given",
			overrides:  []Override{{Type: typ, Name: "prod", URN: urnOf(typ, "other"), Set: map[string]any{"port": 81}}},
			urnName:    "prod",
			wantProps:  map[string]any{"port": 80.0},
			wantInputs: map[string]any{"port": 80.0},
		},
		{
			name:       "new key lands in both",
			overrides:  []Override{{Type: typ, Name: "prod", Set: map[string]any{"sslPolicy": "p"}}},
			urnName:    "prod",
			wantProps:  map[string]any{"sslPolicy": "p"},
			wantInputs: map[string]any{"sslPolicy": "p"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, "aws")
			if tt.overrides != nil {
				if err := WriteLiveState(s.cfg.StatePath, LiveState{Overrides: tt.overrides}); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := s.Read(context.Background(), &pulumirpc.ReadRequest{
				Id: "l-1", Urn: urnOf(typ, tt.urnName), Properties: pstruct(t, stored), Inputs: pstruct(t, storedInputs),
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetId() != "l-1" {
				t.Errorf("id = %q, want l-1", resp.GetId())
			}
			check := func(what string, got resource.PropertyMap, want map[string]any) {
				for k, v := range want {
					pv, ok := got[resource.PropertyKey(k)]
					if v == nil {
						if ok {
							t.Errorf("%s[%s] = %v, want absent", what, k, pv)
						}
						continue
					}
					if !pv.DeepEquals(resource.NewPropertyValue(v)) {
						t.Errorf("%s[%s] = %v, want %v", what, k, pv, v)
					}
				}
			}
			check("props", pmap(t, resp.GetProperties()), tt.wantProps)
			check("inputs", pmap(t, resp.GetInputs()), tt.wantInputs)
		})
	}
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		tok     string
		key     string
		want    any
		wantErr bool
	}{
		{tok: "aws:index/getRegion:getRegion", key: "name", want: "us-east-1"},
		{tok: "aws:index/getRegion:getRegion", key: "region", want: "us-east-1"},
		{tok: "aws:index/getPartition:getPartition", key: "dnsSuffix", want: "amazonaws.com"},
		{tok: "aws:index/getCallerIdentity:getCallerIdentity", key: "accountId", want: "123456789012"},
		{tok: "aws:index/getAvailabilityZones:getAvailabilityZones", key: "names", want: []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{tok: "aws:ec2/getVpc:getVpc", wantErr: true},
	}
	s := newTestServer(t, "aws")
	for _, tt := range tests {
		t.Run(tt.tok+"/"+tt.key, func(t *testing.T) {
			resp, err := s.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tt.tok})
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.tok) {
					t.Fatalf("err = %v, want an error naming %s", err, tt.tok)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := resp.GetReturn().AsMap()[tt.key]
			if !resource.NewPropertyValue(got).DeepEquals(resource.NewPropertyValue(tt.want)) {
				t.Errorf("%s = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestPluginInfoAndLog(t *testing.T) {
	for pkg, want := range map[string]string{"aws": AWSVersion, "awsx": AWSXVersion} {
		t.Run(pkg, func(t *testing.T) {
			s := newTestServer(t, pkg)
			info, err := s.GetPluginInfo(context.Background(), &emptypb.Empty{})
			if err != nil {
				t.Fatal(err)
			}
			if info.GetVersion() != want {
				t.Errorf("version = %q, want %q", info.GetVersion(), want)
			}
			urn := urnOf("aws:ecs/cluster:Cluster", "c")
			if _, err := s.Create(context.Background(), &pulumirpc.CreateRequest{
				Urn: urn, Properties: pstruct(t, resource.PropertyMap{}),
			}); err != nil {
				t.Fatal(err)
			}
			entries, err := ReadLog(s.cfg.LogPath)
			if err != nil {
				t.Fatal(err)
			}
			wantLog := []LogEntry{
				{Package: pkg, Method: "GetPluginInfo"},
				{Package: pkg, Method: "Create", URN: urn, Type: "aws:ecs/cluster:Cluster"},
			}
			if !slices.Equal(entries, wantLog) {
				t.Errorf("log = %+v, want %+v", entries, wantLog)
			}
		})
	}
	if _, err := NewServer(Config{Package: "gcp"}); err == nil {
		t.Error("NewServer(gcp) succeeded, want an error")
	}
}

func TestConstructRejectsWhatItCannotBuild(t *testing.T) {
	tests := []struct {
		pkg, typ, wantErr string
	}{
		{pkg: "aws", typ: VpcType, wantErr: "no components"},
		{pkg: "awsx", typ: "awsx:ecs:FargateService", wantErr: "awsx:ecs:FargateService"},
		{pkg: "awsx", typ: VpcType, wantErr: "engine connection"},
	}
	for _, tt := range tests {
		t.Run(tt.pkg+" "+tt.typ, func(t *testing.T) {
			s := newTestServer(t, tt.pkg)
			_, err := s.Construct(context.Background(), &pulumirpc.ConstructRequest{Type: tt.typ, Name: "v"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestVpcLayout(t *testing.T) {
	three := 3
	nine := 9
	tests := []struct {
		name      string
		args      vpcArgs
		cidr      string
		wantZones []string
		wantCIDRs []string
		wantErr   string
	}{
		{
			name: "awsx default: three zones", cidr: "10.0.0.0/16",
			wantZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			wantCIDRs: []string{"10.0.0.0/20", "10.0.128.0/22", "10.0.16.0/20", "10.0.132.0/22", "10.0.32.0/20", "10.0.136.0/22"},
		},
		{
			name: "explicit zone names win", cidr: "10.1.0.0/16",
			args:      vpcArgs{AvailabilityZoneNames: []string{"us-east-1d"}, NumberOfAvailabilityZones: &three},
			wantZones: []string{"us-east-1d"},
			wantCIDRs: []string{"10.1.0.0/20", "10.1.128.0/22"},
		},
		{name: "too many zones", cidr: "10.0.0.0/16", args: vpcArgs{NumberOfAvailabilityZones: &nine}, wantErr: "1 to 8"},
		{name: "cidr too small", cidr: "10.0.0.0/24", wantErr: "/16 or larger"},
		{name: "bad cidr", cidr: "ten", wantErr: "cidrBlock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zones, err := vpcZones(tt.args, "us-east-1")
			var plans []subnetPlan
			if err == nil {
				plans, err = planSubnets("v", tt.cidr, zones)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(zones, tt.wantZones) {
				t.Errorf("zones = %v, want %v", zones, tt.wantZones)
			}
			var cidrs []string
			for _, p := range plans {
				cidrs = append(cidrs, p.cidr)
				if p.public != strings.Contains(p.name, "-public-") {
					t.Errorf("subnet %s public=%v", p.name, p.public)
				}
			}
			if !slices.Equal(cidrs, tt.wantCIDRs) {
				t.Errorf("cidrs = %v, want %v", cidrs, tt.wantCIDRs)
			}
		})
	}
}

func TestAutoname(t *testing.T) {
	u := resource.URN(urnOf("aws:lb/targetGroup:TargetGroup", "blue"))
	plain, prefixed := Autoname(u, ""), Autoname(u, "tg-")
	if !regexp.MustCompile(`^blue-[0-9a-f]{7}$`).MatchString(plain) {
		t.Errorf("Autoname = %q", plain)
	}
	if prefixed != "tg-"+plain[len("blue-"):] {
		t.Errorf("Autoname with prefix = %q, want tg- and the same 7 hex as %q", prefixed, plain)
	}
	if other := Autoname(resource.URN(urnOf("aws:lb/targetGroup:TargetGroup", "green")), ""); other[len(other)-7:] == plain[len(plain)-7:] {
		t.Errorf("different URNs share a suffix: %q %q", plain, other)
	}
}

// recordingLogger is a test double of the engine's log service.
type recordingLogger struct{ msgs []string }

func (l *recordingLogger) Log(_ context.Context, sev diag.Severity, _ resource.URN, msg string) error {
	l.msgs = append(l.msgs, string(sev)+": "+msg)
	return nil
}

func TestConfigureAnnouncesTestDoubleOnce(t *testing.T) {
	logger := &recordingLogger{}
	s, err := NewServer(Config{Package: "aws", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Configure(context.Background(), &pulumirpc.ConfigureRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if len(logger.msgs) != 1 || !strings.Contains(logger.msgs[0], "info: pulumi-resource-aws 6.83.4: TEST DOUBLE") {
		t.Errorf("engine log = %q, want one info message announcing the test double", logger.msgs)
	}
}

func TestUpdateCodeDeployServiceRefusesWhatECSRefuses(t *testing.T) {
	const svc = "aws:ecs/service:Service"
	controller := func(typ string) resource.PropertyValue {
		return resource.NewProperty(resource.PropertyMap{"type": resource.NewProperty(typ)})
	}
	base := func(ctrl string) resource.PropertyMap {
		return resource.PropertyMap{
			"name":                 resource.NewProperty("api"),
			"deploymentController": controller(ctrl),
			"taskDefinition":       resource.NewProperty("arn:td:1"),
			"desiredCount":         resource.NewProperty(2.0),
		}
	}
	with := func(m resource.PropertyMap, k string, v resource.PropertyValue) resource.PropertyMap {
		m = m.Copy()
		m[resource.PropertyKey(k)] = v
		return m
	}
	tests := []struct {
		name       string
		olds, news resource.PropertyMap
		preview    bool
		wantErr    string
	}{
		{name: "task definition on CODE_DEPLOY", olds: base("CODE_DEPLOY"),
			news: with(base("CODE_DEPLOY"), "taskDefinition", resource.NewProperty("arn:td:2")), wantErr: "task definition"},
		{name: "load balancers added on CODE_DEPLOY", olds: base("CODE_DEPLOY"),
			news:    with(base("CODE_DEPLOY"), "loadBalancers", resource.NewProperty([]resource.PropertyValue{resource.NewProperty("x")})),
			wantErr: "load balancers"},
		{name: "desired count on CODE_DEPLOY", olds: base("CODE_DEPLOY"),
			news: with(base("CODE_DEPLOY"), "desiredCount", resource.NewProperty(3.0))},
		{name: "task definition on ECS controller", olds: base("ECS"),
			news: with(base("ECS"), "taskDefinition", resource.NewProperty("arn:td:2"))},
		{name: "preview never fails", olds: base("CODE_DEPLOY"), preview: true,
			news: with(base("CODE_DEPLOY"), "taskDefinition", resource.NewProperty("arn:td:2"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, "aws")
			_, err := s.Update(context.Background(), &pulumirpc.UpdateRequest{
				Urn: urnOf(svc, "api"), Olds: pstruct(t, tt.olds), OldInputs: pstruct(t, tt.olds),
				News: pstruct(t, tt.news), Preview: tt.preview,
			})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("update failed: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "Unable to update "+tt.wantErr) {
				t.Fatalf("err = %v, want ECS's refusal to update the %s", err, tt.wantErr)
			}
		})
	}
}
