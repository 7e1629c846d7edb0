package infra

import (
	"maps"
	"strings"
	"testing"
)

func TestInvalidConfiguration(t *testing.T) {
	tests := []struct {
		name  string
		stack string
		set   map[string]string // keys without the project prefix
		unset []string
		want  []string
	}{
		{"image missing", "dev", nil, []string{"image"}, []string{"ecs-bluegreen:image: is required"}},
		{"cpu not a number", "dev", map[string]string{"cpu": "a lot"}, nil, []string{`ecs-bluegreen:cpu: "a lot" is not a whole number`}},
		{"memory not accepted with cpu", "dev", map[string]string{"cpu": "1024", "memory": "512"}, nil,
			[]string{"ecs-bluegreen:memory: 512 is not accepted with CPU 1024; Fargate accepts 2048, 3072, …, 8192 MiB"}},
		{"unknown cpu size", "dev", map[string]string{"cpu": "300"}, nil, []string{"ecs-bluegreen:cpu: 300 is not a Fargate CPU size"}},
		{"deployment strategy unknown", "dev", map[string]string{"deploymentStrategy": "BlueGreen"}, nil,
			[]string{`ecs-bluegreen:deploymentStrategy: "BlueGreen" must be AllAtOnce, Canary or Linear`}},
		{"canary without percentage", "dev", map[string]string{"deploymentStrategy": "Canary", "trafficIntervalMinutes": "5"}, nil,
			[]string{"ecs-bluegreen:trafficPercentage: 0 is outside 1–99 (required for Canary)"}},
		{"all at once with a percentage", "dev", map[string]string{"trafficPercentage": "10"}, nil,
			[]string{"ecs-bluegreen:deploymentStrategy: AllAtOnce takes no Percentage or IntervalMinutes"}},
		{"ready wait too long", "dev", map[string]string{"readyWaitMinutes": "5000"}, nil,
			[]string{"ecs-bluegreen:readyWaitMinutes: 5000 is outside 0–2880"}},
		{"test listener open to the internet", "dev", map[string]string{"testListenerCidrs": `["0.0.0.0/0"]`}, nil,
			[]string{"ecs-bluegreen:testListenerCidrs: \"0.0.0.0/0\" opens the test listener to the internet"}},
		{"cidr list of the wrong type", "dev", map[string]string{"testListenerCidrs": `"10.0.0.0/8"`}, nil,
			[]string{`ecs-bluegreen:testListenerCidrs: "\"10.0.0.0/8\"" is not a list of strings`}},
		{"existing network without subnets", "prod", map[string]string{"privateSubnetIds": "[]"}, nil,
			[]string{"ecs-bluegreen:privateSubnetIds: needs at least two subnet IDs"}},
		{"existing network without vpc", "prod", nil, []string{"vpcId"},
			[]string{`ecs-bluegreen:vpcId: "" must be an existing VPC ID`}},
		{"created vpc with an existing vpc id", "dev", map[string]string{"vpcId": "vpc-123"}, nil,
			[]string{"ecs-bluegreen:vpcId: must be empty when createVpc is true"}},
		{"vpc cidr too small", "dev", map[string]string{"vpcCidr": "10.0.0.0/28"}, nil,
			[]string{`ecs-bluegreen:vpcCidr: "10.0.0.0/28" must be an IPv4 CIDR block from /16 to /24`}},
		{"certificate that is not ACM", "prod", map[string]string{"certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}, nil,
			[]string{"ecs-bluegreen:certificateArn: \"arn:aws:iam::123456789012:server-certificate/x\" is not an ACM certificate ARN"}},
		{"secret that is not an ARN", "prod", map[string]string{"secrets": `{"DB":"hunter2"}`}, nil,
			[]string{`ecs-bluegreen:secrets: "hunter2" must be an SSM parameter ARN`}},
		{"environment variable name", "dev", map[string]string{"environment": `{"1BAD":"x"}`}, nil,
			[]string{`ecs-bluegreen:environment: "1BAD" is not a valid variable name`}},
		{"log retention not offered by CloudWatch", "dev", map[string]string{"logRetentionDays": "10"}, nil,
			[]string{"ecs-bluegreen:logRetentionDays: 10 is not a CloudWatch retention period"}},
		{"smoke gate longer than the ready wait", "prod", map[string]string{"smokeTimeoutSeconds": "1800"}, nil,
			[]string{"ecs-bluegreen:smokeTimeoutSeconds: 1800 must be shorter than readyWaitMinutes (30 min)"}},
		{"smoke status not HTTP", "dev", map[string]string{"smokeExpectedStatus": "[200, 700]"}, nil,
			[]string{"ecs-bluegreen:smokeExpectedStatus: 700 is not an HTTP status code"}},
		{"health check matcher", "dev", map[string]string{"healthCheckMatcher": "ok"}, nil,
			[]string{`ecs-bluegreen:healthCheckMatcher: "ok" must be HTTP codes 200–499`}},
		{"autoscaling max below desired", "prod", map[string]string{"autoscalingMaxCount": "2"}, nil,
			[]string{"ecs-bluegreen:autoscalingMinCount: MinCount 3 and MaxCount 2 must satisfy"}},
		{"bad service name", "dev", map[string]string{"serviceName": "Web_App"}, nil,
			[]string{`ecs-bluegreen:serviceName: "Web_App" must be 2-32 lowercase letters`}},
		{"lifecycle hook event", "dev", map[string]string{"lifecycleHooks": `{"Install":"arn:aws:lambda:eu-central-1:123456789012:function:x"}`}, nil,
			[]string{`ecs-bluegreen:lifecycleHooks: "Install" is not an ECS hook event`}},
		{"several problems reported together", "dev", map[string]string{"cpu": "300", "containerPort": "0", "testPort": "80", "alarmLatencyMs": "0"}, nil,
			[]string{"ecs-bluegreen:cpu:", "ecs-bluegreen:containerPort:", "ecs-bluegreen:testPort:", "ecs-bluegreen:alarmLatencyMs:"}},
	}
	if len(tests) < 15 {
		t.Fatalf("the issue asks for at least 15 invalid configurations; have %d", len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := maps.Clone(stackConfig(t, tt.stack))
			for k, v := range tt.set {
				cfg[Project+":"+k] = v
			}
			for _, k := range tt.unset {
				delete(cfg, Project+":"+k)
			}
			m, _, err := run(t, tt.stack, cfg)
			if err == nil {
				t.Fatal("program accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if n := len(m.Resources()); n != 0 {
				t.Errorf("%d resources registered before the configuration was refused", n)
			}
		})
	}
}

func TestLoadAppliesDefaultsOnce(t *testing.T) {
	cfg, err := Load(func(key string) (string, bool) {
		if key == Project+":image" {
			return "nginx:1", true
		}
		return "", false
	}, "dev")
	if err == nil {
		t.Fatal("an existing network without IDs must be refused (createVpc defaults to false)")
	}
	cfg, err = Load(func(key string) (string, bool) {
		switch key {
		case Project + ":image":
			return "nginx:1", true
		case Project + ":createVpc":
			return "true", true
		}
		return "", false
	}, "dev")
	if err != nil {
		t.Fatal(err)
	}
	d := Defaults()
	if cfg.CPU != d.CPU || cfg.HealthCheckIntervalSeconds != 10 || cfg.DeregistrationDelaySeconds != 30 || cfg.TerminationWaitMinutes != 5 || !cfg.DropInvalidHeaderFields {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}
