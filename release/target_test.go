package release

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

func validOutputs() map[string]any {
	return map[string]any{
		OutAlbDNSName: "alb.example.com", OutProdURL: "http://alb.example.com", OutTestURL: "http://alb.example.com:8443",
		OutClusterName: "c", OutServiceName: "s", OutTaskDefinitionArn: "arn:aws:ecs:eu-west-1:1:task-definition/web:2",
		OutContainerName: "web", OutContainerPort: 8080.0, OutCodeDeployApplication: "app", OutCodeDeployGroup: "dg",
		OutProdListenerArn: "arn:prod", OutTestListenerArn: "arn:test", OutBlueTargetGroupName: "tg-a", OutGreenTargetGroupName: "tg-b",
		OutSubnetIDs: []any{"subnet-1", "subnet-2"}, OutTaskSecurityGroupIDs: []any{"sg-1"}, OutRegion: "eu-west-1",
		OutAssignPublicIP: true, OutPlatformVersion: "1.4.0",
		OutLifecycleHooks: map[string]any{"BeforeInstall": "fn"},
		OutSmokeCheck: map[string]any{"enabled": true, "path": "/health", "expectedStatus": []any{200.0, 204.0},
			"consecutiveSuccesses": 3.0, "intervalSeconds": 5.0, "requestTimeoutSeconds": 2.0, "totalTimeoutSeconds": 120.0},
	}
}

func toOutputMap(m map[string]any) auto.OutputMap {
	out := auto.OutputMap{}
	for k, v := range m {
		out[k] = auto.OutputValue{Value: v}
	}
	return out
}

func TestTargetFromOutputs(t *testing.T) {
	tgt, err := TargetFromOutputs("dev", toOutputMap(validOutputs()))
	if err != nil {
		t.Fatal(err)
	}
	if tgt.ContainerPort != 8080 || !tgt.AssignPublicIP || tgt.PlatformVersion != "1.4.0" || tgt.Hooks["BeforeInstall"] != "fn" ||
		len(tgt.Subnets) != 2 || tgt.BlueTargetGroup != "tg-a" || tgt.Region != "eu-west-1" {
		t.Errorf("target %+v", tgt)
	}
	want := SmokeConfig{Enabled: true, Path: "/health", ExpectedStatus: []int{200, 204}, ConsecutiveSuccesses: 3,
		Interval: 5 * time.Second, RequestTimeout: 2 * time.Second, TotalTimeout: 2 * time.Minute}
	if tgt.Smoke.Path != want.Path || tgt.Smoke.Interval != want.Interval || tgt.Smoke.TotalTimeout != want.TotalTimeout ||
		len(tgt.Smoke.ExpectedStatus) != 2 || tgt.Smoke.ConsecutiveSuccesses != 3 || !tgt.Smoke.Enabled {
		t.Errorf("smoke %+v, want %+v", tgt.Smoke, want)
	}
	if tgt.SmokeURL() != "http://alb.example.com:8443/health" {
		t.Errorf("smoke URL %s", tgt.SmokeURL())
	}
	tgt.Smoke.BaseURL = "https://shop.example.com:8443/"
	if tgt.SmokeURL() != "https://shop.example.com:8443/health" {
		t.Errorf("smoke URL with a base URL override: %s", tgt.SmokeURL())
	}
	tgt.Smoke.BaseURL = "shop.example.com"
	if err := tgt.Smoke.Validate(); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("Validate of a bad base URL: %v", err)
	}
}

func TestTargetFromOutputsErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name   string
		modify func(m map[string]any)
		want   []string
	}{
		{"missing task definition", func(m map[string]any) { delete(m, OutTaskDefinitionArn) }, []string{`"taskDefinitionArn": missing`}},
		{"port as string", func(m map[string]any) { m[OutContainerPort] = "8080" }, []string{`"containerPort": want a number, got string`}},
		{"port fractional", func(m map[string]any) { m[OutContainerPort] = 80.5 }, []string{`"containerPort": want an integer`}},
		{"subnets not a list", func(m map[string]any) { m[OutSubnetIDs] = "subnet-1" }, []string{`"subnetIds": want a list of strings`}},
		{"subnet element", func(m map[string]any) { m[OutSubnetIDs] = []any{"subnet-1", 3.0} }, []string{`"subnetIds": element 1`}},
		{"empty groups", func(m map[string]any) { m[OutTaskSecurityGroupIDs] = []any{} }, []string{`"taskSecurityGroupIds": empty list`}},
		{"public ip string", func(m map[string]any) { m[OutAssignPublicIP] = "false" }, []string{`"assignPublicIp": want a bool`}},
		{"test url not a url", func(m map[string]any) { m[OutTestURL] = "alb:8443" }, []string{`"testUrl": want an http(s) URL`}},
		{"unknown hook", func(m map[string]any) { m[OutLifecycleHooks] = map[string]any{"Install": "fn"} }, []string{`"lifecycleHooks": Install is not`}},
		{"smoke field missing", func(m map[string]any) { delete(m[OutSmokeCheck].(map[string]any), "path") }, []string{`"smokeCheck.path": missing`}},
		{"smoke status mistyped", func(m map[string]any) { m[OutSmokeCheck].(map[string]any)["expectedStatus"] = []any{"200"} }, []string{`"smokeCheck.expectedStatus": want a number`}},
		{"several at once", func(m map[string]any) { delete(m, OutRegion); m[OutServiceName] = 1.0 },
			[]string{`"region": missing`, `"serviceName": want a string`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := validOutputs()
			tc.modify(m)
			_, err := TargetFromOutputs("dev", toOutputMap(m))
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v, want a UsageError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %s:\n%v", w, err)
				}
			}
		})
	}
}

func TestTargetOptionalOutputs(t *testing.T) {
	m := validOutputs()
	delete(m, OutLifecycleHooks)
	delete(m, OutPlatformVersion)
	tgt, err := TargetFromOutputs("dev", toOutputMap(m))
	if err != nil || tgt.Hooks != nil || tgt.PlatformVersion != "" {
		t.Errorf("target %+v, err %v: hooks and platform version are optional", tgt, err)
	}
}
