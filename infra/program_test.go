package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/recorder"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// stackConfig reads a committed Pulumi.<stack>.yaml and returns its config the way the engine
// hands it to a program: strings as they are, everything else as JSON.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatalf("Pulumi.%s.yaml: %v", stack, err)
	}
	out := map[string]string{}
	for k, v := range file.Config {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("Pulumi.%s.yaml: %s: %v", stack, k, err)
		}
		out[k] = string(b)
	}
	return out
}

// run runs the program under the recording mocks and returns what it registered and its
// resolved outputs.
func run(t *testing.T, stack string, config map[string]string) (*recorder.Mocks, map[string]any, error) {
	t.Helper()
	resolved := make(chan map[string]any, 1)
	m, err := recorder.Run(t, stack, config, func(ctx *pulumi.Context) error {
		outs, err := build(ctx)
		if err != nil {
			return err
		}
		outs.ToMapOutput().ApplyT(func(v map[string]any) map[string]any {
			resolved <- v
			return v
		})
		return nil
	})
	if err != nil {
		return m, nil, err
	}
	select {
	case outputs := <-resolved:
		return m, outputs, nil
	case <-time.After(30 * time.Second):
		t.Fatal("the program's outputs never resolved")
		return nil, nil, nil
	}
}

func TestStacks(t *testing.T) {
	type want struct {
		counts  map[string]int
		outputs map[string]any
	}
	tests := map[string]want{
		"dev": {
			counts: map[string]int{
				"awsx:ec2:Vpc":                                              1,
				"aws:lb/loadBalancer:LoadBalancer":                          1,
				"aws:lb/targetGroup:TargetGroup":                            2,
				"aws:lb/listener:Listener":                                  2,
				"aws:ecs/cluster:Cluster":                                   1,
				"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1,
				"aws:ecs/service:Service":                                   1,
				"aws:ecs/taskDefinition:TaskDefinition":                     1,
				"aws:iam/role:Role":                                         3,
				"aws:iam/rolePolicy:RolePolicy":                             1, // ECS Exec
				"aws:codedeploy/application:Application":                    1,
				"aws:codedeploy/deploymentGroup:DeploymentGroup":            1,
				"aws:codedeploy/deploymentConfig:DeploymentConfig":          0,
				"aws:cloudwatch/metricAlarm:MetricAlarm":                    0,
				"aws:ecr/repository:Repository":                             1,
				"aws:ecr/lifecyclePolicy:LifecyclePolicy":                   1,
				"aws:appautoscaling/target:Target":                          0,
				"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3, // prod 0.0.0.0/0, test VPC CIDR, tasks from ALB
			},
			outputs: map[string]any{
				OutputProdURL:                   "http://web-dev-",
				OutputTestURL:                   ":8080",
				OutputClusterName:               "web-dev",
				OutputServiceName:               "web-dev",
				OutputContainerName:             "app",
				OutputContainerPort:             float64(80),
				OutputCodeDeployApplication:     "web-dev",
				OutputCodeDeployDeploymentGroup: "web-dev",
				OutputBlueTargetGroupName:       "web-dev-blue",
				OutputGreenTargetGroupName:      "web-dev-green",
				OutputTaskDefinitionArn:         "task-definition/web-dev:1",
				OutputDeploymentConfigName:      "CodeDeployDefault.ECSAllAtOnce",
				OutputPlatformVersion:           "LATEST",
				OutputRegion:                    recorder.Region,
				OutputRepositoryURL:             ".dkr.ecr.",
			},
		},
		"prod": {
			counts: map[string]int{
				"awsx:ec2:Vpc":                                              0,
				"aws:lb/loadBalancer:LoadBalancer":                          1,
				"aws:lb/targetGroup:TargetGroup":                            2,
				"aws:lb/listener:Listener":                                  3, // prod, test, HTTP→HTTPS redirect
				"aws:ecs/cluster:Cluster":                                   1,
				"aws:ecs/service:Service":                                   1,
				"aws:ecs/taskDefinition:TaskDefinition":                     1,
				"aws:iam/role:Role":                                         3,
				"aws:iam/rolePolicy:RolePolicy":                             1, // secrets
				"aws:codedeploy/application:Application":                    1,
				"aws:codedeploy/deploymentGroup:DeploymentGroup":            1,
				"aws:codedeploy/deploymentConfig:DeploymentConfig":          1, // 20% canary is not predefined
				"aws:cloudwatch/metricAlarm:MetricAlarm":                    4,
				"aws:ecr/repository:Repository":                             0,
				"aws:appautoscaling/target:Target":                          1,
				"aws:appautoscaling/policy:Policy":                          1,
				"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4, // 443, 80 redirect, test from 10/8, tasks
			},
			outputs: map[string]any{
				OutputProdURL:                   "https://web.example.com",
				OutputTestURL:                   "https://web.example.com:8443",
				OutputContainerPort:             float64(8080),
				OutputCodeDeployDeploymentGroup: "web-prod",
				OutputBlueTargetGroupName:       "web-prod-blue",
				OutputGreenTargetGroupName:      "web-prod-green",
				OutputDeploymentConfigName:      "web-prod-canary-20pct-10min",
				OutputPlatformVersion:           "1.4.0",
				OutputVpcID:                     "vpc-0a1b2c3d4e5f60718",
				OutputRepositoryURL:             "",
			},
		},
	}
	for stack, w := range tests {
		t.Run(stack, func(t *testing.T) {
			m, outs, err := run(t, stack, stackConfig(t, stack))
			if err != nil {
				t.Fatalf("program failed with the committed Pulumi.%s.yaml: %v", stack, err)
			}
			counts := m.CountByType()
			t.Logf("%s registers %d resources: %v", stack, len(m.Resources()), counts)
			for typ, n := range w.counts {
				if counts[typ] != n {
					t.Errorf("%s: %d registered, want %d", typ, counts[typ], n)
				}
			}
			for _, key := range Outputs {
				if _, ok := outs[key]; !ok {
					t.Errorf("output %s is missing", key)
				}
			}
			for key, want := range w.outputs {
				got := outs[key]
				if s, ok := want.(string); ok && s != "" {
					if gs, _ := got.(string); !strings.Contains(gs, s) {
						t.Errorf("output %s = %v, want it to contain %q", key, got, s)
					}
				} else if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("output %s = %v, want %v", key, got, want)
				}
			}
			for _, key := range []string{OutputSubnetIDs, OutputTaskSecurityGroupIDs} {
				if list, _ := outs[key].([]string); len(list) == 0 {
					t.Errorf("output %s = %v, want a non-empty list", key, outs[key])
				}
			}
			smoke, _ := outs[OutputSmokeCheck].(map[string]any)
			if smoke["enabled"] != true || smoke["path"] == nil || smoke["expectedStatus"] == nil {
				t.Errorf("output smokeCheck = %v, want enabled with path and statuses", smoke)
			}
		})
	}
}

func TestStackDifferences(t *testing.T) {
	dev, devOuts, err := run(t, "dev", stackConfig(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	prod, prodOuts, err := run(t, "prod", stackConfig(t, "prod"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("dev tasks run in the created VPC's private subnets", func(t *testing.T) {
		vpc := dev.OfType("awsx:ec2:Vpc")[0]
		if vpc.Input("cidrBlock") != "10.40.0.0/16" {
			t.Errorf("vpc cidr = %v", vpc.Input("cidrBlock"))
		}
		subnets := fmt.Sprint(devOuts[OutputSubnetIDs])
		if !strings.Contains(subnets, "subnet-prv") || strings.Contains(subnets, "subnet-pub") {
			t.Errorf("dev task subnets = %s, want the VPC's private subnets only", subnets)
		}
		lb := dev.OfType("aws:lb/loadBalancer:LoadBalancer")[0]
		if !strings.Contains(fmt.Sprint(lb.Input("subnets")), "subnet-pub") {
			t.Errorf("dev ALB subnets = %v, want the public ones", lb.Input("subnets"))
		}
	})
	t.Run("prod uses the configured network", func(t *testing.T) {
		if got := fmt.Sprint(prodOuts[OutputSubnetIDs]); got != "[subnet-0123456789abcdef0 subnet-0fedcba9876543210 subnet-0a0b0c0d0e0f01020]" {
			t.Errorf("prod subnetIds = %s", got)
		}
		svc := prod.OfType("aws:ecs/service:Service")[0]
		nc, _ := svc.Input("networkConfiguration").(map[string]any)
		if nc["assignPublicIp"] != false {
			t.Errorf("prod tasks assignPublicIp = %v, want false", nc["assignPublicIp"])
		}
	})
	t.Run("prod is HTTPS with a redirect, dev is HTTP", func(t *testing.T) {
		for _, l := range prod.OfType("aws:lb/listener:Listener") {
			switch {
			case strings.HasSuffix(l.Name, "-redirect"):
				if l.Input("port") != float64(80) || !strings.Contains(fmt.Sprint(l.Input("defaultActions")), "HTTPS") {
					t.Errorf("redirect listener = port %v actions %v", l.Input("port"), l.Input("defaultActions"))
				}
			default:
				if l.Input("protocol") != "HTTPS" || !strings.HasPrefix(l.String("certificateArn"), "arn:aws:acm:") || l.String("sslPolicy") == "" {
					t.Errorf("%s: protocol %v cert %v policy %v, want HTTPS with certificate and TLS policy", l.Name, l.Input("protocol"), l.Input("certificateArn"), l.Input("sslPolicy"))
				}
			}
		}
		for _, l := range dev.OfType("aws:lb/listener:Listener") {
			if l.Input("protocol") != "HTTP" {
				t.Errorf("dev %s protocol = %v", l.Name, l.Input("protocol"))
			}
		}
	})
	t.Run("prod protects every resource but the task definition, so a destroy deletes nothing; dev protects nothing", func(t *testing.T) {
		if td := prod.OfType("aws:ecs/taskDefinition:TaskDefinition")[0]; td.Protect {
			t.Error("a protected task definition blocks every image change (each replaces it)")
		}
		for _, r := range prod.Resources() {
			if r.Custom && !r.Protect && r.Type != "aws:ecs/taskDefinition:TaskDefinition" {
				t.Errorf("prod %s %s is not protected", r.Type, r.Name)
			}
		}
		if lb := prod.OfType("aws:lb/loadBalancer:LoadBalancer")[0]; lb.Input("enableDeletionProtection") != true {
			t.Errorf("prod ALB deletion protection = %v", lb.Input("enableDeletionProtection"))
		}
		for _, r := range dev.Resources() {
			if r.Protect {
				t.Errorf("dev %s %s is protected", r.Type, r.Name)
			}
		}
	})
	t.Run("prod autoscaling owns desired count", func(t *testing.T) {
		svc := prod.OfType("aws:ecs/service:Service")[0]
		if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
			t.Errorf("prod service ignoreChanges = %v, want desiredCount", svc.IgnoreChanges)
		}
		if svc := dev.OfType("aws:ecs/service:Service")[0]; slices.Contains(svc.IgnoreChanges, "desiredCount") {
			t.Errorf("dev service ignores desiredCount without autoscaling")
		}
	})
	t.Run("prod waits for the smoke gate, dev continues at once", func(t *testing.T) {
		ready := func(m *recorder.Mocks) string {
			dg := m.OfType("aws:codedeploy/deploymentGroup:DeploymentGroup")[0]
			bg, _ := dg.Input("blueGreenDeploymentConfig").(map[string]any)
			return fmt.Sprint(bg["deploymentReadyOption"])
		}
		if got := ready(prod); got != "map[actionOnTimeout:STOP_DEPLOYMENT waitTimeInMinutes:30]" {
			t.Errorf("prod ready option = %s", got)
		}
		if got := ready(dev); got != "map[actionOnTimeout:CONTINUE_DEPLOYMENT]" {
			t.Errorf("dev ready option = %s", got)
		}
	})
	t.Run("IAM and other global names differ between the stacks", func(t *testing.T) {
		names := func(m *recorder.Mocks) []string {
			var out []string
			for _, r := range m.OfType("aws:iam/role:Role") {
				out = append(out, r.String("name"))
			}
			sort.Strings(out)
			return out
		}
		d, p := names(dev), names(prod)
		for _, n := range d {
			if slices.Contains(p, n) {
				t.Errorf("role name %q is used by both stacks", n)
			}
		}
	})
}

func TestOutputsListMatchesProgram(t *testing.T) {
	_, outs, err := run(t, "dev", stackConfig(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for k := range outs {
		got = append(got, k)
	}
	sort.Strings(got)
	want := slices.Clone(Outputs)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("program exports %v, infra.Outputs lists %v", got, want)
	}
}

func TestComponentName(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"web", "dev"}:          "web-dev",
		{"web", "Prod_EU.1"}:    "web-prod-eu-1",
		{"shop", "org/x/stage"}: "shop-org-x-stage",
	} {
		if got := ComponentName(in[0], in[1]); got != want {
			t.Errorf("ComponentName(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
