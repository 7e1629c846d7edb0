package preview

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// Hand-built engine events, shaped as the Automation API delivers them (JSON-decoded state).

const root = "urn:pulumi:dev::ecs-bluegreen::ecsbluegreen:components:BlueGreenService"

func component(typ string) string {
	switch {
	case strings.HasPrefix(typ, "aws:lb/"):
		return "LoadBalancer"
	case strings.HasPrefix(typ, "aws:codedeploy/"):
		return "CodeDeploy"
	}
	return "FargateService"
}

type ev struct {
	op          apitype.OpType
	typ, name   string
	old, new    map[string]any
	oldOut      map[string]any
	newOut      map[string]any
	diff        []string // detailed diff paths
	replaceKeys []string
	protect     bool
}

func (e ev) event() events.EngineEvent {
	comp := component(e.typ)
	parent := root + "$ecsbluegreen:components:" + comp + "::web-dev"
	urn := root + "$ecsbluegreen:components:" + comp + "$" + e.typ + "::" + e.name
	md := apitype.StepEventMetadata{Op: e.op, URN: urn, Type: e.typ, Keys: e.replaceKeys}
	if e.old != nil {
		md.Old = &apitype.StepEventStateMetadata{Type: e.typ, URN: urn, Custom: true, Parent: parent, Protect: e.protect, Inputs: e.old, Outputs: e.oldOut}
		if md.Old.Outputs == nil {
			md.Old.Outputs = e.old
		}
	}
	if e.new != nil {
		md.New = &apitype.StepEventStateMetadata{Type: e.typ, URN: urn, Custom: true, Parent: parent, Protect: e.protect, Inputs: e.new, Outputs: e.newOut}
		if md.New.Outputs == nil {
			md.New.Outputs = e.new
		}
	}
	if e.diff != nil {
		md.DetailedDiff = map[string]apitype.PropertyDiff{}
		for _, p := range e.diff {
			kind := apitype.DiffUpdate
			if slices.Contains(e.replaceKeys, topKey(p)) {
				kind = apitype.DiffUpdateReplace
			}
			md.DetailedDiff[p] = apitype.PropertyDiff{Kind: kind, InputDiff: true}
		}
	}
	return events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: md}}}
}

func evs(es ...ev) []events.EngineEvent {
	var out []events.EngineEvent
	for _, e := range es {
		out = append(out, e.event())
	}
	return out
}

func secret(plaintext string) map[string]any {
	return map[string]any{sig.Key: sig.Secret, "plaintext": plaintext}
}

const (
	blueArn  = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/web-dev-blue/1111"
	greenArn = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/web-dev-green/2222"
	td1      = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web-dev:1"
	td2      = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web-dev:2"
)

func serviceInputs(subnets ...any) map[string]any {
	return map[string]any{
		"name":                 "web-dev",
		"deploymentController": map[string]any{"type": "CODE_DEPLOY"},
		"desiredCount":         1.0,
		"taskDefinition":       td1,
		"loadBalancers":        []any{map[string]any{"containerName": "app", "containerPort": 80.0, "targetGroupArn": blueArn}},
		"networkConfiguration": map[string]any{"assignPublicIp": false, "securityGroups": []any{"sg-1"}, "subnets": subnets},
		"platformVersion":      "LATEST",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func containers(image string, env map[string]string, secrets map[string]string, port float64) string {
	c := map[string]any{"name": "app", "image": image, "essential": true,
		"portMappings": []any{map[string]any{"containerPort": port, "protocol": "tcp"}}}
	var envList, secretList []any
	for k, v := range env {
		envList = append(envList, map[string]any{"name": k, "value": v})
	}
	for k, v := range secrets {
		secretList = append(secretList, map[string]any{"name": k, "valueFrom": v})
	}
	c["environment"], c["secrets"] = envList, secretList
	b, _ := json.Marshal([]any{c})
	return string(b)
}

func taskDef(image string, env, secrets map[string]string) map[string]any {
	return map[string]any{
		"family": "web-dev", "cpu": "256", "memory": "512",
		"containerDefinitions": containers(image, env, secrets, 80),
		"skipDestroy":          true,
	}
}

func targetGroups(op apitype.OpType) []ev {
	return []ev{
		{op: op, typ: typeTargetGroup, name: "web-dev-blue", old: map[string]any{"name": "web-dev-blue", "port": 80.0},
			new: map[string]any{"name": "web-dev-blue", "port": 80.0}, oldOut: map[string]any{"arn": blueArn, "name": "web-dev-blue"}},
		{op: op, typ: typeTargetGroup, name: "web-dev-green", old: map[string]any{"name": "web-dev-green", "port": 80.0},
			new: map[string]any{"name": "web-dev-green", "port": 80.0}, oldOut: map[string]any{"arn": greenArn, "name": "web-dev-green"}},
	}
}

func listenerInputs(port float64, actions ...any) map[string]any {
	return map[string]any{"port": port, "protocol": "HTTP", "defaultActions": actions}
}

func forward(arn string) map[string]any {
	return map[string]any{"type": "forward", "targetGroupArn": arn}
}

func policy(statements ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(b)
}

// want describes the findings a case must produce: kind, severity, resource name, and strings
// that must appear in the reason+action+details.
type want struct {
	kind     Kind
	severity Severity
	name     string
	contains []string
}

func TestFromEventsFindings(t *testing.T) {
	cases := []struct {
		name   string
		events []ev
		want   []want
	}{
		{
			name: "subnets of a CODE_DEPLOY service will fail",
			events: []ev{{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
				old:  serviceInputs("subnet-a", "subnet-b"),
				new:  serviceInputs("subnet-a", "subnet-c"),
				diff: []string{"networkConfiguration.subnets[1]"}}},
			want: []want{{WillFail, Critical, "web-dev", []string{
				"`networkConfiguration`", "fails", "AppSpec's network configuration", "maintenance window",
				"networkConfiguration.subnets: [subnet-a, subnet-b] → [subnet-a, subnet-c]"}}},
		},
		{
			name: "platform version and capacity providers of a CODE_DEPLOY service will fail",
			events: []ev{{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
				old: serviceInputs("subnet-a"),
				new: with(serviceInputs("subnet-a"), "platformVersion", "1.4.0",
					"capacityProviderStrategies", []any{map[string]any{"capacityProvider": "FARGATE_SPOT", "weight": 1.0}}),
				diff: []string{"platformVersion", "capacityProviderStrategies"}}},
			want: []want{{WillFail, Critical, "web-dev", []string{
				"`capacityProviderStrategies`, `platformVersion`", "AppSpec's platformVersion", "capacityProviderStrategy",
				"platformVersion: LATEST → 1.4.0"}}},
		},
		{
			name: "desired count and tags of a CODE_DEPLOY service update fine",
			events: []ev{{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
				old:  serviceInputs("subnet-a"),
				new:  with(serviceInputs("subnet-a"), "desiredCount", 3.0, "tags", map[string]any{"a": "b"}),
				diff: []string{"desiredCount", "tags"}}},
		},
		{
			name: "a service ECS deploys itself may change its network",
			events: []ev{{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
				old:  with(serviceInputs("subnet-a"), "deploymentController", map[string]any{"type": "ECS"}),
				new:  with(serviceInputs("subnet-b"), "deploymentController", map[string]any{"type": "ECS"}),
				diff: []string{"networkConfiguration"}}},
		},
		{
			name: "a task definition change the program no longer ignores will fail",
			events: []ev{{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
				old: serviceInputs("subnet-a"), new: with(serviceInputs("subnet-a"), "taskDefinition", td2),
				diff: []string{"taskDefinition"}}},
			want: []want{{WillFail, Critical, "web-dev", []string{"keep ignoreChanges on `taskDefinition`", "web-dev:1 → " + td2}}},
		},
		{
			name:   "replaced target groups mean downtime",
			events: replaced(targetGroups(apitype.OpReplace), "port", 8080.0),
			want: []want{
				{Downtime, High, "web-dev-blue", []string{"Replacing the target group", "fixed name `web-dev-blue`", "port: 80 → 8080", "maintenance window"}},
				{Downtime, High, "web-dev-green", []string{"Replacing the target group"}},
			},
		},
		{
			name: "a protected load balancer that is deleted",
			events: []ev{{op: apitype.OpDelete, typ: typeLoadBalancer, name: "web-dev", protect: true,
				old: map[string]any{"name": "web-dev", "internal": false}}},
			want: []want{{Downtime, High, "web-dev", []string{"Deleting the load balancer", "new DNS name", "protected in Pulumi"}}},
		},
		{
			name: "a replaced deployment group and deployment config",
			events: []ev{
				{op: apitype.OpReplace, typ: typeDeploymentGroup, name: "web-dev", old: map[string]any{"appName": "a", "deploymentGroupName": "web-dev"},
					new: map[string]any{"appName": "b", "deploymentGroupName": "web-dev"}, diff: []string{"appName"}, replaceKeys: []string{"appName"}},
				{op: apitype.OpReplace, typ: typeDeploymentConfig, name: "web-dev", old: map[string]any{"deploymentConfigName": "web-dev-canary-10pct-5min"},
					new: map[string]any{"deploymentConfigName": "web-dev-canary-20pct-5min"}, diff: []string{"deploymentConfigName"}, replaceKeys: []string{"deploymentConfigName"}},
			},
			want: []want{
				{Downtime, High, "web-dev", []string{"CodeDeploy deployment configuration", "deploymentConfigName: web-dev-canary-10pct-5min → web-dev-canary-20pct-5min"}},
				{Downtime, High, "web-dev", []string{"CodeDeploy deployment group", "a running release stops", "fixed name `web-dev`"}},
			},
		},
		{
			name: "a listener whose default action is no longer ignored",
			events: append(targetGroups(apitype.OpSame), ev{op: apitype.OpUpdate, typ: typeListener, name: "web-dev-prod",
				old: listenerInputs(80, forward(greenArn)), new: listenerInputs(80, forward(blueArn)),
				diff: []string{"defaultActions[0].targetGroupArn"}}),
			want: []want{{Downtime, High, "web-dev-prod", []string{"production listener", "Keep ignoreChanges on the listener's `defaultActions`"}}},
		},
		{
			name: "a new task definition revision is a release",
			events: []ev{{op: apitype.OpReplace, typ: typeTaskDefinition, name: "web-dev",
				old: taskDef("nginx:1.27", map[string]string{"APP_ENV": "dev", "OLD": "x", "LOG_LEVEL": "debug"}, nil),
				new: with(taskDef("nginx:1.28", map[string]string{"APP_ENV": "dev", "NEW": "y", "LOG_LEVEL": "info"},
					map[string]string{"API_KEY": "arn:aws:ssm:eu-central-1:123456789012:parameter/web/api-key"}), "memory", "1024"),
				newOut: map[string]any{"revision": 2.0},
				diff:   []string{"containerDefinitions", "memory"}, replaceKeys: []string{"containerDefinitions", "memory"}}},
			want: []want{{Release, Info, "web-dev", []string{
				"registers revision `web-dev:2`", "ecs-bluegreen deploy --stack dev",
				"image: nginx:1.27 → nginx:1.28", "memory: 512 → 1024",
				"environment: +NEW, −OLD, ~LOG_LEVEL (values not shown)",
				"secrets: +API_KEY (arn:aws:ssm:eu-central-1:123456789012:parameter/web/api-key)"}}},
		},
		{
			name: "a release whose only change the engine hid (a secret config value)",
			events: []ev{{op: apitype.OpReplace, typ: typeTaskDefinition, name: "web-dev",
				old:  taskDef("nginx:1", map[string]string{"TOKEN": "[secret]"}, nil),
				new:  taskDef("nginx:1", map[string]string{"TOKEN": "[secret]"}, nil),
				diff: []string{"containerDefinitions"}, replaceKeys: []string{"containerDefinitions"}}},
			want: []want{{Release, Info, "web-dev", []string{"a new revision of `web-dev`", "changed: containerDefinitions (in values the report does not show)"}}},
		},
		{
			name: "the test listener opened to the internet",
			events: []ev{
				{op: apitype.OpSame, typ: typeListener, name: "web-dev-test", old: listenerInputs(8080), new: listenerInputs(8080)},
				{op: apitype.OpCreate, typ: typeIngressRule, name: "web-dev-test-0-0-0-0-0",
					new: map[string]any{"cidrIpv4": "0.0.0.0/0", "fromPort": 8080.0, "toPort": 8080.0, "ipProtocol": "tcp"}},
			},
			want: []want{{Access, High, "web-dev-test-0-0-0-0-0", []string{"Opens the test listener (TCP 8080) to the whole internet (0.0.0.0/0)", "internal CIDRs"}}},
		},
		{
			name: "an IPv6 world rule on another port",
			events: []ev{{op: apitype.OpCreate, typ: typeIngressRule, name: "ssh",
				new: map[string]any{"cidrIpv6": "::/0", "fromPort": 22.0, "toPort": 22.0, "ipProtocol": "tcp"}}},
			want: []want{{Access, High, "ssh", []string{"Opens TCP 22 to the whole internet (::/0)"}}},
		},
		{
			name: "the production listener open to the internet is expected",
			events: []ev{
				{op: apitype.OpSame, typ: typeListener, name: "web-dev-prod", old: listenerInputs(80), new: listenerInputs(80)},
				{op: apitype.OpCreate, typ: typeIngressRule, name: "web-dev-prod-0-0-0-0-0",
					new: map[string]any{"cidrIpv4": "0.0.0.0/0", "fromPort": 80.0, "toPort": 80.0, "ipProtocol": "tcp"}},
			},
			want: []want{{Access, Medium, "web-dev-prod-0-0-0-0-0", []string{"production listener (TCP 80)", "prodIngressCidrs"}}},
		},
		{
			name: "a widened CIDR and a rule from another security group",
			events: []ev{
				{op: apitype.OpSame, typ: typeListener, name: "web-dev-test", old: listenerInputs(8080), new: listenerInputs(8080)},
				{op: apitype.OpUpdate, typ: typeIngressRule, name: "web-dev-test-vpn",
					old:  map[string]any{"cidrIpv4": "10.1.0.0/16", "fromPort": 8080.0, "toPort": 8080.0, "ipProtocol": "tcp"},
					new:  map[string]any{"cidrIpv4": "10.0.0.0/8", "fromPort": 8080.0, "toPort": 8080.0, "ipProtocol": "tcp"},
					diff: []string{"cidrIpv4"}},
				{op: apitype.OpUpdate, typ: typeIngressRule, name: "web-dev-from-alb",
					old:  map[string]any{"referencedSecurityGroupId": "sg-1", "fromPort": 80.0, "toPort": 80.0, "ipProtocol": "tcp"},
					new:  map[string]any{"referencedSecurityGroupId": "sg-1", "fromPort": 8080.0, "toPort": 8080.0, "ipProtocol": "tcp"},
					diff: []string{"fromPort", "toPort"}},
			},
			want: []want{{Access, Medium, "web-dev-test-vpn", []string{"Now admits 10.0.0.0/8 on the test listener (TCP 8080)", "source: 10.1.0.0/16 → 10.0.0.0/8"}}},
		},
		{
			name: "role policy, attachment and trust policy changes",
			events: []ev{
				{op: apitype.OpCreate, typ: typeRolePolicy, name: "web-dev-hooks", new: map[string]any{
					"name": "invoke-lifecycle-hooks", "role": "web-dev-codedeploy",
					"policy": policy(map[string]any{"Effect": "Allow", "Action": []any{"lambda:InvokeFunction"}, "Resource": []any{"arn:aws:lambda:eu-central-1:123456789012:function:smoke"}})}},
				{op: apitype.OpDelete, typ: typeAttachment, name: "web-dev-extra", old: map[string]any{
					"role": "web-dev-task", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
				{op: apitype.OpUpdate, typ: typeRole, name: "web-dev-task", diff: []string{"assumeRolePolicy"},
					old: map[string]any{"name": "web-dev-task", "assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": []any{"ecs-tasks.amazonaws.com"}}})},
					new: map[string]any{"name": "web-dev-task", "assumeRolePolicy": policy(map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"AWS": "arn:aws:iam::999999999999:root"}})}},
			},
			want: []want{
				{Access, Medium, "web-dev-task", []string{"trusted: ecs-tasks.amazonaws.com → arn:aws:iam::999999999999:root"}},
				{Access, Medium, "web-dev-hooks", []string{"Adds inline policy `invoke-lifecycle-hooks` of IAM role `web-dev-codedeploy`",
					"+ Allow lambda:InvokeFunction on arn:aws:lambda:eu-central-1:123456789012:function:smoke"}},
				{Access, Medium, "web-dev-extra", []string{"Detaches `arn:aws:iam::aws:policy/ReadOnlyAccess` from IAM role `web-dev-task`"}},
			},
		},
		{
			name: "listeners and service after a CodeDeploy swap are owned, not drift",
			events: append(targetGroups(apitype.OpSame),
				ev{op: apitype.OpSame, typ: typeListener, name: "web-dev-prod", old: listenerInputs(80, forward(greenArn)), new: listenerInputs(80, forward(greenArn))},
				ev{op: apitype.OpSame, typ: typeListener, name: "web-dev-test", old: listenerInputs(8080, map[string]any{"type": "forward", "forward": map[string]any{
					"targetGroups": []any{map[string]any{"arn": blueArn, "weight": 0.0}, map[string]any{"arn": greenArn, "weight": 100.0}}}}),
					new: listenerInputs(8080)},
				ev{op: apitype.OpSame, typ: typeTaskDefinition, name: "web-dev", old: taskDef("nginx:2", nil, nil), new: taskDef("nginx:2", nil, nil),
					oldOut: map[string]any{"arn": td2}},
				ev{op: apitype.OpSame, typ: typeService, name: "web-dev",
					old: with(serviceInputs("subnet-a"), "loadBalancers", []any{map[string]any{"targetGroupArn": greenArn}}),
					new: serviceInputs("subnet-a")},
			),
			want: []want{
				{Owned, Info, "web-dev", []string{"recorded task definition is `web-dev:1`", "current revision is `web-dev:2`", "not drift", "`pulumi refresh`"}},
				{Owned, Info, "web-dev", []string{"target group `web-dev-green`", "starts them in `web-dev-blue`", "not drift"}},
				{Owned, Info, "web-dev-prod", []string{"production listener forwards to `web-dev-green`", "starts it on `web-dev-blue`"}},
				{Owned, Info, "web-dev-test", []string{"test listener forwards to `web-dev-green`"}},
			},
		},
		{
			name:   "nothing changes",
			events: append(targetGroups(apitype.OpSame), ev{op: apitype.OpSame, typ: typeListener, name: "web-dev-prod", old: listenerInputs(80, forward(blueArn)), new: listenerInputs(80, forward(blueArn))}),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := FromEvents(evs(tc.events...))
			var got []Finding
			got = append(got, r.Findings...)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(tc.want), r.Text())
			}
			for i, w := range tc.want {
				f := got[i]
				if f.Kind != w.kind || f.Severity != w.severity || f.Name != w.name {
					t.Errorf("finding %d: got %s/%s/%s, want %s/%s/%s\n%s", i, f.Kind, f.Severity, f.Name, w.kind, w.severity, w.name, r.Text())
				}
				text := f.Reason + "\n" + f.Action + "\n" + strings.Join(f.Details, "\n")
				for _, s := range w.contains {
					if !strings.Contains(text, s) {
						t.Errorf("finding %d (%s %s) lacks %q:\n%s", i, f.Kind, f.Name, s, text)
					}
				}
			}
			for _, k := range FailKinds {
				if got, want := r.Fails([]Kind{k}), hasKind(tc.want, k); got != want {
					t.Errorf("Fails([%s]) = %v, want %v", k, got, want)
				}
			}
			if r.Fails(nil) {
				t.Errorf("Fails(nil) = true for a preview without errors")
			}
		})
	}
}

func hasKind(ws []want, k Kind) bool {
	return slices.ContainsFunc(ws, func(w want) bool { return w.kind == k })
}

// replaced turns same-op target group events into replacements of key with a new value.
func replaced(es []ev, key string, v any) []ev {
	var out []ev
	for _, e := range es {
		e.new = with(e.new, key, v)
		e.diff, e.replaceKeys = []string{key}, []string{key}
		for _, op := range []apitype.OpType{apitype.OpCreateReplacement, apitype.OpReplace, apitype.OpDeleteReplaced} {
			e.op = op
			out = append(out, e)
		}
	}
	return out
}

func TestFromEventsChanges(t *testing.T) {
	events := append(replaced(targetGroups(apitype.OpSame), "port", 8080.0),
		ev{op: apitype.OpCreate, typ: typeIngressRule, name: "r", new: map[string]any{"cidrIpv4": "10.0.0.0/8", "fromPort": 1.0, "toPort": 1.0, "ipProtocol": "tcp"}},
		ev{op: apitype.OpUpdate, typ: typeService, name: "web-dev", old: serviceInputs("a"), new: with(serviceInputs("a"), "desiredCount", 2.0), diff: []string{"desiredCount"}},
		ev{op: apitype.OpSame, typ: typeListener, name: "web-dev-prod", old: listenerInputs(80, forward(blueArn)), new: listenerInputs(80, forward(blueArn))},
		ev{op: apitype.OpDelete, typ: typeCluster, name: "old", old: map[string]any{"name": "old"}, protect: true},
	)
	// Components, providers and the stack never count.
	compEvents := evs(events...)
	compEvents = append(compEvents, events2(
		apitype.StepEventMetadata{Op: apitype.OpCreate, URN: root + "::web-dev", Type: "ecsbluegreen:components:BlueGreenService",
			New: &apitype.StepEventStateMetadata{Custom: false}},
		apitype.StepEventMetadata{Op: apitype.OpSame, URN: "urn:pulumi:dev::ecs-bluegreen::pulumi:providers:aws::default", Type: "pulumi:providers:aws",
			Old: &apitype.StepEventStateMetadata{Custom: true}, New: &apitype.StepEventStateMetadata{Custom: true}},
	)...)
	r := FromEvents(compEvents)
	type row struct {
		op        Op
		name      string
		keys      string
		protected bool
	}
	var got []row
	for _, c := range r.Changes {
		got = append(got, row{c.Op, c.Name, strings.Join(c.Keys, ",") + "|" + strings.Join(c.ReplaceKeys, ","), c.Protected})
	}
	wantRows := []row{
		{OpCreate, "r", "|", false},
		{OpUpdate, "web-dev", "desiredCount|", false},
		{OpReplace, "web-dev-blue", "port|port", false},
		{OpReplace, "web-dev-green", "port|port", false},
		{OpDelete, "old", "|", true},
	}
	if !slices.Equal(got, wantRows) {
		t.Errorf("changes:\n got %v\nwant %v", got, wantRows)
	}
	if r.Unchanged != 1 || r.Stack != "dev" {
		t.Errorf("unchanged %d, stack %q; want 1, dev", r.Unchanged, r.Stack)
	}
	// The same events in another order give the same report.
	rev := slices.Clone(compEvents)
	slices.Reverse(rev)
	a, _ := r.JSON()
	b, _ := FromEvents(rev).JSON()
	if string(a) != string(b) {
		t.Errorf("report depends on event order:\n%s\n%s", a, b)
	}
}

func events2(mds ...apitype.StepEventMetadata) []events.EngineEvent {
	var out []events.EngineEvent
	for _, md := range mds {
		out = append(out, events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: md}}})
	}
	return out
}

func TestFromEventsErrors(t *testing.T) {
	es := []events.EngineEvent{
		{EngineEvent: apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "warning", Message: "using plugin from PATH"}}},
		{EngineEvent: apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "<{%fg 1%}>stack dev: image is required\n<{%reset%}>"}}},
	}
	r := FromEvents(es)
	if !slices.Equal(r.Errors, []string{"stack dev: image is required"}) {
		t.Fatalf("errors = %q", r.Errors)
	}
	if !r.Fails(nil) {
		t.Error("a failed preview must fail whatever --fail-on says")
	}
	if v := r.Verdict(); v.Emoji != "❌" || !strings.Contains(v.Text, "image is required") {
		t.Errorf("verdict = %+v", v)
	}
	if md := r.Markdown("dev"); !strings.Contains(md, "stack dev: image is required") {
		t.Errorf("markdown lacks the error:\n%s", md)
	}
}

func TestTopKey(t *testing.T) {
	for in, want := range map[string]string{
		"networkConfiguration.subnets[1]": "networkConfiguration",
		"defaultActions[0]":               "defaultActions",
		"port":                            "port",
		`["a.b"].c`:                       "a.b",
	} {
		if got := topKey(in); got != want {
			t.Errorf("topKey(%q) = %q, want %q", in, got, want)
		}
	}
}
