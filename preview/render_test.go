package preview

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// A secret value must not appear in any format; environment values never appear either.
func TestSecretsNeverRendered(t *testing.T) {
	const (
		envValue    = "env-value-7f3a"  // a plain environment value
		secretPlain = "plaintext-9c1d"  // inside a secret envelope (as with --show-secrets)
		cipherText  = "ciphertext-44e2" // an encrypted form is not printable either
		secretCIDR  = "203.0.113.0/24"  // a CIDR from a secret config value
		secretImage = "registry.example/app:sekret-tag"
	)
	es := evs(
		ev{op: apitype.OpReplace, typ: typeTaskDefinition, name: "web-dev",
			old:  taskDef("nginx:1", map[string]string{"DB_PASSWORD": "old-" + envValue, "APP_ENV": "dev"}, nil),
			new:  taskDef("nginx:2", map[string]string{"DB_PASSWORD": envValue, "APP_ENV": "dev"}, nil),
			diff: []string{"containerDefinitions"}, replaceKeys: []string{"containerDefinitions"}},
		ev{op: apitype.OpReplace, typ: typeTaskDefinition, name: "worker",
			old:  taskDef("nginx:1", nil, nil),
			new:  with(taskDef("nginx:1", nil, nil), "containerDefinitions", secret(containers(secretImage, map[string]string{"K": secretPlain}, nil, 80))),
			diff: []string{"containerDefinitions"}, replaceKeys: []string{"containerDefinitions"}},
		ev{op: apitype.OpCreate, typ: typeIngressRule, name: "rule",
			new: map[string]any{"cidrIpv4": secret(secretCIDR), "fromPort": 8080.0, "toPort": 8080.0, "ipProtocol": "tcp"}},
		ev{op: apitype.OpCreate, typ: typeRolePolicy, name: "policy",
			new: map[string]any{"name": "p", "role": "r", "policy": map[string]any{sig.Key: sig.Secret, "ciphertext": cipherText}}},
		ev{op: apitype.OpUpdate, typ: typeService, name: "web-dev",
			old: serviceInputs("subnet-a"), new: with(serviceInputs("subnet-a"), "networkConfiguration", secret(secretPlain)),
			diff: []string{"networkConfiguration"}},
	)
	r := FromEvents(es)
	js, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{"markdown": r.Markdown("dev"), "text": r.Text(), "json": string(js)}
	for name, out := range formats {
		for _, leak := range []string{envValue, secretPlain, cipherText, secretCIDR, secretImage} {
			if strings.Contains(out, leak) {
				t.Errorf("%s output contains %q:\n%s", name, leak, out)
			}
		}
		if !strings.Contains(out, secretText) {
			t.Errorf("%s output never says %s:\n%s", name, secretText, out)
		}
		if !strings.Contains(out, "DB_PASSWORD") {
			t.Errorf("%s output lacks the changed variable's name:\n%s", name, out)
		}
	}
	if !r.Has(Access) || !r.Has(WillFail) || !r.Has(Release) {
		t.Errorf("secret values must not hide the findings:\n%s", r.Text())
	}
}

func TestParseFailOn(t *testing.T) {
	cases := []struct {
		in      string
		want    []Kind
		wantErr bool
	}{
		{"", nil, false},
		{"none", nil, false},
		{"will-fail", []Kind{WillFail}, false},
		{" release , WILL-FAIL,release", []Kind{WillFail, Release}, false},
		{"all", FailKinds, false},
		{"will-fail,downtime,access,release", FailKinds, false},
		{"codedeploy-owned", nil, true},
		{"will_fail", nil, true},
	}
	for _, tc := range cases {
		got, err := ParseFailOn(tc.in)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("ParseFailOn(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "will-fail, downtime, access, release") {
			t.Errorf("error %q does not list the kinds", err)
		}
	}
}

func TestVerdict(t *testing.T) {
	f := func(k Kind, urn string) Finding { return Finding{Kind: k, URN: urn} }
	cases := []struct {
		r    Report
		want string
	}{
		{Report{}, "✅ No changes"},
		{Report{Changes: []Change{{Op: OpUpdate}, {Op: OpCreate}}}, "📝 2 changes, nothing that needs attention"},
		{Report{Findings: []Finding{f(Release, "a")}}, "🚀 A new task definition revision for the next `ecs-bluegreen deploy`"},
		{Report{Findings: []Finding{f(WillFail, "s"), f(WillFail, "s"), f(Release, "t")}}, "⛔ 1 change will fail on a CODE_DEPLOY service; also 1 release"},
		{Report{Findings: []Finding{f(Downtime, "a"), f(Downtime, "b"), f(Access, "c"), f(Owned, "d")}}, "⚠️ 2 changes cause downtime or loss; also 1 access"},
		{Report{Findings: []Finding{f(Access, "c")}}, "🔐 1 change to access"},
		{Report{Findings: []Finding{f(Downtime, "a"), f(Downtime, "a")}}, "⚠️ 1 change causes downtime or loss"},
		{Report{Findings: []Finding{f(Owned, "l"), f(Owned, "s")}}, "✅ No changes; 2 differences owned by CodeDeploy (not drift)"},
	}
	for _, tc := range cases {
		v := tc.r.Verdict()
		if got := v.Emoji + " " + v.Text; got != tc.want {
			t.Errorf("verdict = %q, want %q", got, tc.want)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	r := FromEvents(evs(
		ev{op: apitype.OpUpdate, typ: typeService, name: "web-dev", old: serviceInputs("a"), new: serviceInputs("b"), diff: []string{"networkConfiguration"}, protect: true},
	))
	r.Stack = "dev"
	out, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"schemaVersion", "stack", "verdict", "counts", "kinds", "changes", "findings", "ownership", "errors"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("JSON lacks %q:\n%s", key, out)
		}
	}
	if doc["schemaVersion"] != float64(SchemaVersion) {
		t.Errorf("schemaVersion = %v", doc["schemaVersion"])
	}
	counts := doc["counts"].(map[string]any)
	if counts["update"] != 1.0 || counts["create"] != 0.0 || counts["same"] != 0.0 {
		t.Errorf("counts = %v", counts)
	}
	if doc["kinds"].(map[string]any)["will-fail"] != 1.0 {
		t.Errorf("kinds = %v", doc["kinds"])
	}
	change := doc["changes"].([]any)[0].(map[string]any)
	if change["op"] != "update" || change["protected"] != true || change["keys"].([]any)[0] != "networkConfiguration" {
		t.Errorf("change = %v", change)
	}
	finding := doc["findings"].([]any)[0].(map[string]any)
	for _, key := range []string{"kind", "severity", "type", "name", "urn", "op", "reason", "action", "details"} {
		if _, ok := finding[key]; !ok {
			t.Errorf("finding lacks %q: %v", key, finding)
		}
	}
	// An empty report still has every list, as lists.
	out, _ = (&Report{}).JSON()
	if !strings.Contains(string(out), `"changes": []`) || !strings.Contains(string(out), `"findings": []`) || !strings.Contains(string(out), `"errors": []`) {
		t.Errorf("empty report:\n%s", out)
	}
}

func TestMarkdownLayout(t *testing.T) {
	var es []ev
	es = append(es, replaced(targetGroups(apitype.OpSame), "port", 8080.0)...)
	es = append(es, ev{op: apitype.OpDelete, typ: typeCluster, name: "gone", old: map[string]any{"name": "gone"}, protect: true})
	md := FromEvents(evs(es...)).Markdown("dev")
	lines := strings.Split(md, "\n")
	if lines[0] != Marker("dev") || !strings.HasPrefix(lines[1], "### ⚠️ `dev`: 3 changes cause downtime or loss") {
		t.Errorf("head:\n%s", md)
	}
	for _, s := range []string{
		"| Operation | Type | Name | Changed keys |",
		"| replace | `aws:lb/targetGroup:TargetGroup` | `web-dev-blue` | `port`† |",
		"| delete 🔒 | `aws:ecs/cluster:Cluster` | `gone` | — |",
		"† forces the replacement.",
		"🔒 protected",
		"<sub>CodeDeploy owns the listeners' `defaultActions`",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	// The replace rows come after creates and updates and before deletes.
	if strings.Index(md, "| replace |") > strings.Index(md, "| delete") {
		t.Errorf("changes not grouped create/update/replace/delete:\n%s", md)
	}
}

func TestMarkdownFoldsLongTables(t *testing.T) {
	var es []ev
	for i := 0; i <= maxTableRows; i++ {
		es = append(es, ev{op: apitype.OpCreate, typ: "aws:cloudwatch/logGroup:LogGroup", name: "lg" + string(rune('a'+i)), new: map[string]any{}})
	}
	md := FromEvents(evs(es...)).Markdown("dev")
	if !strings.Contains(md, "<details><summary>21 changes</summary>") {
		t.Errorf("a long table is not folded:\n%s", md)
	}
}
