package components_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ecs-bluegreen/ecs-bluegreen/components"
	"github.com/ecs-bluegreen/ecs-bluegreen/internal/recorder"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// baseArgs is a valid composite configuration; tests change what they examine.
func baseArgs() components.BlueGreenServiceArgs {
	return components.BlueGreenServiceArgs{
		VpcID:                 pulumi.String("vpc-0123456789abcdef0"),
		LoadBalancerSubnetIDs: pulumi.ToStringArray([]string{"subnet-pub-a", "subnet-pub-b"}),
		TaskSubnetIDs:         pulumi.ToStringArray([]string{"subnet-prv-a", "subnet-prv-b"}),
		Service: components.FargateServiceArgs{
			Image:         pulumi.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:1.0.0"),
			ContainerPort: 8080,
		},
	}
}

func deploy(t *testing.T, name string, args components.BlueGreenServiceArgs) *recorder.Mocks {
	t.Helper()
	m, err := recorder.Run(t, "test", nil, func(ctx *pulumi.Context) error {
		_, err := components.NewBlueGreenService(ctx, name, args)
		return err
	})
	if err != nil {
		t.Fatalf("NewBlueGreenService: %v", err)
	}
	return m
}

func one(t *testing.T, m *recorder.Mocks, typ, name string) recorder.Resource {
	t.Helper()
	r, ok := m.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %q; registered: %v", typ, name, m.CountByType())
	}
	return r
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, s)
	}
	return v
}

func TestLoadBalancer(t *testing.T) {
	m := deploy(t, "shop", baseArgs())

	for _, color := range []string{"blue", "green"} {
		tg := one(t, m, "aws:lb/targetGroup:TargetGroup", "shop-"+color)
		if tg.String("targetType") != "ip" || tg.Input("port") != float64(8080) || tg.String("protocol") != "HTTP" {
			t.Errorf("%s target group: type %v port %v protocol %v, want ip 8080 HTTP", color, tg.Input("targetType"), tg.Input("port"), tg.Input("protocol"))
		}
		if tg.Input("deregistrationDelay") != float64(30) {
			t.Errorf("%s deregistration delay = %v, want the fast default 30", color, tg.Input("deregistrationDelay"))
		}
		hc, _ := tg.Input("healthCheck").(map[string]any)
		if hc["interval"] != float64(10) || hc["healthyThreshold"] != float64(2) || hc["path"] != "/" || hc["matcher"] != "200-399" {
			t.Errorf("%s health check = %v, want fast defaults", color, hc)
		}
		if tg.String("name") != "shop-"+color {
			t.Errorf("%s target group name = %q", color, tg.String("name"))
		}
	}

	blueArn := one(t, m, "aws:lb/targetGroup:TargetGroup", "shop-blue").Outputs["arn"].StringValue()
	for _, kind := range []string{"prod", "test"} {
		l := one(t, m, "aws:lb/listener:Listener", "shop-"+kind)
		if !slices.Equal(l.IgnoreChanges, []string{"defaultActions"}) {
			t.Errorf("%s listener ignoreChanges = %v, want [defaultActions] (CodeDeploy owns traffic)", kind, l.IgnoreChanges)
		}
		if !strings.Contains(fmt.Sprint(l.Input("defaultActions")), blueArn) {
			t.Errorf("%s listener starts on %v, want the blue group", kind, l.Input("defaultActions"))
		}
	}
	if p := one(t, m, "aws:lb/listener:Listener", "shop-prod").Input("port"); p != float64(80) {
		t.Errorf("prod listener port = %v, want 80", p)
	}
	if p := one(t, m, "aws:lb/listener:Listener", "shop-test").Input("port"); p != float64(8080) {
		t.Errorf("test listener port = %v, want 8080", p)
	}

	// Nobody reaches the test listener by default; production is open on its port only.
	for _, r := range m.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.Input("fromPort") == float64(8080) && r.String("cidrIpv4") != "" {
			t.Errorf("test listener reachable from %s by default", r.String("cidrIpv4"))
		}
	}
	prodRule := one(t, m, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "shop-prod-0-0-0-0-0")
	if prodRule.Input("fromPort") != float64(80) || prodRule.String("cidrIpv4") != "0.0.0.0/0" {
		t.Errorf("prod ingress = %v from %v", prodRule.Input("fromPort"), prodRule.Input("cidrIpv4"))
	}
}

func TestLoadBalancerHTTPSAndTestCIDRs(t *testing.T) {
	args := baseArgs()
	args.LoadBalancer.HTTPS = true
	args.LoadBalancer.CertificateArn = pulumi.String("arn:aws:acm:eu-west-1:123456789012:certificate/abc")
	args.LoadBalancer.TestIngressCIDRs = []string{"10.0.0.0/8"}
	args.LoadBalancer.DropInvalidHeaderFields = true
	m := deploy(t, "shop", args)

	prod := one(t, m, "aws:lb/listener:Listener", "shop-prod")
	if prod.String("protocol") != "HTTPS" || prod.Input("port") != float64(443) || prod.String("sslPolicy") != components.DefaultTLSPolicy {
		t.Errorf("prod listener = %v:%v policy %v", prod.Input("protocol"), prod.Input("port"), prod.Input("sslPolicy"))
	}
	if test := one(t, m, "aws:lb/listener:Listener", "shop-test"); test.String("protocol") != "HTTPS" || test.Input("port") != float64(8443) {
		t.Errorf("test listener = %v:%v, want HTTPS:8443 (same protocol as production)", test.Input("protocol"), test.Input("port"))
	}
	redirect := one(t, m, "aws:lb/listener:Listener", "shop-redirect")
	actions := fmt.Sprint(redirect.Input("defaultActions"))
	if redirect.Input("port") != float64(80) || !strings.Contains(actions, "HTTP_301") || !strings.Contains(actions, "443") {
		t.Errorf("redirect listener = port %v actions %s", redirect.Input("port"), actions)
	}
	if len(redirect.IgnoreChanges) != 0 {
		t.Errorf("the redirect listener is not CodeDeploy's; ignoreChanges = %v", redirect.IgnoreChanges)
	}
	testRule := one(t, m, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "shop-test-10-0-0-0-8")
	if testRule.Input("fromPort") != float64(8443) || testRule.String("cidrIpv4") != "10.0.0.0/8" {
		t.Errorf("test ingress = %v from %v", testRule.Input("fromPort"), testRule.Input("cidrIpv4"))
	}
	if lb := one(t, m, "aws:lb/loadBalancer:LoadBalancer", "shop"); lb.Input("dropInvalidHeaderFields") != true || lb.Input("internal") != false {
		t.Errorf("alb drop invalid headers %v internal %v", lb.Input("dropInvalidHeaderFields"), lb.Input("internal"))
	}
}

func TestFargateService(t *testing.T) {
	args := baseArgs()
	args.Service.Environment = map[string]string{"B": "2", "A": "1"}
	args.Service.Secrets = map[string]string{
		"DB":  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf:password::",
		"KEY": "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/key",
	}
	args.Service.HealthCheck = &components.ContainerHealthCheck{Command: []string{"CMD-SHELL", "curl -f localhost:8080/health"}}
	m := deploy(t, "shop", args)

	svc := one(t, m, "aws:ecs/service:Service", "shop")
	if dc, _ := svc.Input("deploymentController").(map[string]any); dc["type"] != "CODE_DEPLOY" {
		t.Errorf("deployment controller = %v, want CODE_DEPLOY", dc)
	}
	if !slices.Equal(svc.IgnoreChanges, []string{"taskDefinition", "loadBalancers"}) {
		t.Errorf("service ignoreChanges = %v, want [taskDefinition loadBalancers]", svc.IgnoreChanges)
	}
	if svc.Input("waitForSteadyState") != false {
		t.Errorf("waitForSteadyState = %v: it never finishes on CODE_DEPLOY services", svc.Input("waitForSteadyState"))
	}
	if svc.String("launchType") != "FARGATE" || svc.String("propagateTags") != "SERVICE" {
		t.Errorf("launch type %v propagate %v", svc.Input("launchType"), svc.Input("propagateTags"))
	}
	blueArn := one(t, m, "aws:lb/targetGroup:TargetGroup", "shop-blue").Outputs["arn"].StringValue()
	if lbs := fmt.Sprint(svc.Input("loadBalancers")); !strings.Contains(lbs, blueArn) || !strings.Contains(lbs, "containerName:app") {
		t.Errorf("service load balancers = %s, want the blue group and container app", lbs)
	}
	nc, _ := svc.Input("networkConfiguration").(map[string]any)
	if fmt.Sprint(nc["subnets"]) != "[subnet-prv-a subnet-prv-b]" || nc["assignPublicIp"] != false {
		t.Errorf("network configuration = %v, want the private subnets without public IPs", nc)
	}

	td := one(t, m, "aws:ecs/taskDefinition:TaskDefinition", "shop")
	if td.Input("skipDestroy") != true {
		t.Error("task definition must keep old revisions (skipDestroy) so rollbacks have a target")
	}
	if td.String("cpu") != "256" || td.String("memory") != "512" || td.String("networkMode") != "awsvpc" {
		t.Errorf("task definition cpu %v memory %v mode %v", td.Input("cpu"), td.Input("memory"), td.Input("networkMode"))
	}
	var containers []map[string]any
	if err := json.Unmarshal([]byte(td.String("containerDefinitions")), &containers); err != nil || len(containers) != 1 {
		t.Fatalf("container definitions: %v %s", err, td.String("containerDefinitions"))
	}
	c := containers[0]
	if c["image"] != "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:1.0.0" || c["name"] != "app" {
		t.Errorf("container = %v", c)
	}
	if got := fmt.Sprint(c["environment"]); got != "[map[name:A value:1] map[name:B value:2]]" {
		t.Errorf("environment = %s, want sorted name/value pairs", got)
	}
	if got := fmt.Sprint(c["secrets"]); !strings.Contains(got, "name:DB valueFrom:arn:aws:secretsmanager") || !strings.Contains(got, "name:KEY valueFrom:arn:aws:ssm") {
		t.Errorf("secrets = %s", got)
	}
	logOpts := fmt.Sprint(c["logConfiguration"])
	if !strings.Contains(logOpts, "awslogs-group:/ecs/shop") || !strings.Contains(logOpts, "awslogs-region:"+recorder.Region) {
		t.Errorf("log configuration = %s", logOpts)
	}
	if hc, _ := c["healthCheck"].(map[string]any); hc["retries"] != float64(3) || hc["interval"] != float64(15) {
		t.Errorf("container health check = %v, want defaults applied", hc)
	}

	// The execution role reads exactly the referenced secrets.
	policy := decodeJSON(t, one(t, m, "aws:iam/rolePolicy:RolePolicy", "shop-secrets").String("policy"))
	got := fmt.Sprint(policy["Statement"])
	if !strings.Contains(got, "ssm:GetParameters") || !strings.Contains(got, "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/key") ||
		!strings.Contains(got, "secretsmanager:GetSecretValue") || !strings.Contains(got, "secret:shop/db-AbCdEf]") || strings.Contains(got, "*") {
		t.Errorf("secrets policy = %s, want exactly the two ARNs (the secret without its JSON-key suffix)", got)
	}
	trust := decodeJSON(t, one(t, m, "aws:iam/role:Role", "shop-execution").String("assumeRolePolicy"))
	if !strings.Contains(fmt.Sprint(trust), "ecs-tasks.amazonaws.com") {
		t.Errorf("execution role trust = %v", trust)
	}

	// Only the ALB's security group reaches the container port.
	rule := one(t, m, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "shop-from-alb")
	albSG := one(t, m, "aws:ec2/securityGroup:SecurityGroup", "shop-alb")
	if rule.Input("fromPort") != float64(8080) || rule.String("cidrIpv4") != "" || rule.String("referencedSecurityGroupId") == "" {
		t.Errorf("task ingress = %v", rule.Inputs)
	}
	if !slices.ContainsFunc(m.Resources(), func(r recorder.Resource) bool { return r.Name == albSG.Name }) {
		t.Error("no ALB security group")
	}
}

func TestFargateServiceAutoscalingAndSpot(t *testing.T) {
	args := baseArgs()
	three := 3
	args.Service.DesiredCount = &three
	args.Service.Autoscaling = &components.Autoscaling{MinCount: 2, MaxCount: 6}
	args.Service.CapacityProviders = []components.CapacityProvider{{Name: "FARGATE", Weight: 1, Base: 1}, {Name: "FARGATE_SPOT", Weight: 3}}
	m := deploy(t, "shop", args)
	svc := one(t, m, "aws:ecs/service:Service", "shop")
	if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
		t.Errorf("ignoreChanges = %v, want desiredCount while autoscaling owns it", svc.IgnoreChanges)
	}
	if svc.Input("launchType") != nil || !strings.Contains(fmt.Sprint(svc.Input("capacityProviderStrategies")), "FARGATE_SPOT") {
		t.Errorf("launch type %v strategies %v", svc.Input("launchType"), svc.Input("capacityProviderStrategies"))
	}
	policy := one(t, m, "aws:appautoscaling/policy:Policy", "shop-cpu")
	if !strings.Contains(fmt.Sprint(policy.Input("targetTrackingScalingPolicyConfiguration")), "targetValue:60") {
		t.Errorf("scaling policy = %v", policy.Input("targetTrackingScalingPolicyConfiguration"))
	}
	if len(m.OfType("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")) != 1 {
		t.Error("a created cluster must have FARGATE and FARGATE_SPOT associated")
	}
}

func TestExistingCluster(t *testing.T) {
	args := baseArgs()
	args.Service.ClusterName = pulumi.String("shared")
	m := deploy(t, "shop", args)
	if n := len(m.OfType("aws:ecs/cluster:Cluster")); n != 0 {
		t.Errorf("%d clusters created with an existing one given", n)
	}
	if got := one(t, m, "aws:ecs/service:Service", "shop").String("cluster"); got != "shared" {
		t.Errorf("service cluster = %q", got)
	}
	dg := one(t, m, "aws:codedeploy/deploymentGroup:DeploymentGroup", "shop")
	if !strings.Contains(fmt.Sprint(dg.Input("ecsService")), "clusterName:shared") {
		t.Errorf("deployment group service = %v", dg.Input("ecsService"))
	}
}

func TestCodeDeploy(t *testing.T) {
	args := baseArgs()
	args.CodeDeploy.Traffic = components.TrafficShift{Type: components.Canary, Percentage: 10, IntervalMinutes: 5}
	args.CodeDeploy.ReadyWaitMinutes = 20
	args.CodeDeploy.AlarmNames = []string{"shop-errors"}
	args.CodeDeploy.LifecycleHooks = map[string]string{"AfterAllowTestTraffic": "arn:aws:lambda:eu-west-1:123456789012:function:smoke"}
	args.CodeDeploy.NotificationTopicArn = pulumi.String("arn:aws:sns:eu-west-1:123456789012:deploys")
	m := deploy(t, "shop", args)

	dg := one(t, m, "aws:codedeploy/deploymentGroup:DeploymentGroup", "shop")
	style := fmt.Sprint(dg.Input("deploymentStyle"))
	if style != "map[deploymentOption:WITH_TRAFFIC_CONTROL deploymentType:BLUE_GREEN]" {
		t.Errorf("deployment style = %s", style)
	}
	if dg.String("deploymentConfigName") != "CodeDeployDefault.ECSCanary10Percent5Minutes" {
		t.Errorf("config = %q, want the predefined canary", dg.String("deploymentConfigName"))
	}
	if n := len(m.OfType("aws:codedeploy/deploymentConfig:DeploymentConfig")); n != 0 {
		t.Errorf("%d custom configs created for a predefined combination", n)
	}
	// Both target groups, paired with both listeners.
	pair, _ := dg.Input("loadBalancerInfo").(map[string]any)["targetGroupPairInfo"].(map[string]any)
	if got := fmt.Sprint(pair["targetGroups"]); got != "[map[name:shop-blue] map[name:shop-green]]" {
		t.Errorf("target groups = %s", got)
	}
	prodArn := one(t, m, "aws:lb/listener:Listener", "shop-prod").Outputs["arn"].StringValue()
	testArn := one(t, m, "aws:lb/listener:Listener", "shop-test").Outputs["arn"].StringValue()
	if fmt.Sprint(pair["prodTrafficRoute"]) != "map[listenerArns:["+prodArn+"]]" || fmt.Sprint(pair["testTrafficRoute"]) != "map[listenerArns:["+testArn+"]]" {
		t.Errorf("traffic routes = prod %v test %v", pair["prodTrafficRoute"], pair["testTrafficRoute"])
	}
	bg, _ := dg.Input("blueGreenDeploymentConfig").(map[string]any)
	if got := fmt.Sprint(bg["deploymentReadyOption"]); got != "map[actionOnTimeout:STOP_DEPLOYMENT waitTimeInMinutes:20]" {
		t.Errorf("ready option = %s", got)
	}
	if got := fmt.Sprint(bg["terminateBlueInstancesOnDeploymentSuccess"]); got != "map[action:TERMINATE terminationWaitTimeInMinutes:5]" {
		t.Errorf("termination = %s", got)
	}
	if got := fmt.Sprint(dg.Input("autoRollbackConfiguration")); got != "map[enabled:true events:[DEPLOYMENT_FAILURE DEPLOYMENT_STOP_ON_ALARM DEPLOYMENT_STOP_ON_REQUEST]]" {
		t.Errorf("auto rollback = %s", got)
	}
	alarms := m.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(alarms) != 4 {
		t.Fatalf("%d alarms, want 5xx and latency on both groups", len(alarms))
	}
	alarmCfg := fmt.Sprint(dg.Input("alarmConfiguration"))
	for _, a := range alarms {
		if !strings.Contains(alarmCfg, a.String("name")) {
			t.Errorf("alarm %s is not wired into the deployment group: %s", a.String("name"), alarmCfg)
		}
	}
	if !strings.Contains(alarmCfg, "shop-errors") {
		t.Errorf("given alarm missing: %s", alarmCfg)
	}
	if !strings.Contains(fmt.Sprint(dg.Input("triggerConfigurations")), "arn:aws:sns:eu-west-1:123456789012:deploys") {
		t.Errorf("notifications = %v", dg.Input("triggerConfigurations"))
	}

	role := one(t, m, "aws:iam/role:Role", "shop-codedeploy")
	if !strings.Contains(role.String("assumeRolePolicy"), `"Service":["codedeploy.amazonaws.com"]`) {
		t.Errorf("codedeploy trust = %s", role.String("assumeRolePolicy"))
	}
	if att := one(t, m, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "shop-codedeploy"); att.String("policyArn") != "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS" {
		t.Errorf("codedeploy policy = %s", att.String("policyArn"))
	}
	hooks := decodeJSON(t, one(t, m, "aws:iam/rolePolicy:RolePolicy", "shop-hooks").String("policy"))
	if got := fmt.Sprint(hooks["Statement"]); !strings.Contains(got, "lambda:InvokeFunction") || !strings.Contains(got, "[arn:aws:lambda:eu-west-1:123456789012:function:smoke]") {
		t.Errorf("hook policy = %s, want invoke on exactly the hook function", got)
	}
}

func TestCodeDeployCustomConfigAndContinue(t *testing.T) {
	args := baseArgs()
	args.CodeDeploy.Traffic = components.TrafficShift{Type: components.Linear, Percentage: 25, IntervalMinutes: 2}
	args.CodeDeploy.Alarms.Disabled = true
	zero := 0
	args.CodeDeploy.TerminationWaitMinutes = &zero
	m := deploy(t, "shop", args)
	cfg := one(t, m, "aws:codedeploy/deploymentConfig:DeploymentConfig", "shop")
	if got := fmt.Sprint(cfg.Input("trafficRoutingConfig")); got != "map[timeBasedLinear:map[interval:2 percentage:25] type:TimeBasedLinear]" {
		t.Errorf("custom config = %s", got)
	}
	dg := one(t, m, "aws:codedeploy/deploymentGroup:DeploymentGroup", "shop")
	if dg.String("deploymentConfigName") != cfg.String("deploymentConfigName") {
		t.Errorf("group uses %q, config is %q", dg.String("deploymentConfigName"), cfg.String("deploymentConfigName"))
	}
	bg, _ := dg.Input("blueGreenDeploymentConfig").(map[string]any)
	if got := fmt.Sprint(bg["deploymentReadyOption"]); got != "map[actionOnTimeout:CONTINUE_DEPLOYMENT]" {
		t.Errorf("ready option = %s: CONTINUE_DEPLOYMENT must not carry a wait time", got)
	}
	if !strings.Contains(fmt.Sprint(bg), "terminationWaitTimeInMinutes:0") {
		t.Errorf("termination wait 0 was not kept: %v", bg)
	}
	if len(m.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")) != 0 || dg.Input("alarmConfiguration") != nil {
		t.Error("alarms disabled but created or wired")
	}
}

func TestRegistry(t *testing.T) {
	args := baseArgs()
	args.Registry = &components.ImageRegistryArgs{KeepImages: 15}
	m := deploy(t, "shop", args)
	repo := one(t, m, "aws:ecr/repository:Repository", "shop")
	if repo.String("imageTagMutability") != "IMMUTABLE" || !strings.Contains(fmt.Sprint(repo.Input("imageScanningConfiguration")), "scanOnPush:true") {
		t.Errorf("repository = %v", repo.Inputs)
	}
	policy := one(t, m, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "shop").String("policy")
	if !strings.Contains(policy, `"countNumber":15`) || !strings.Contains(policy, `"imageCountMoreThan"`) {
		t.Errorf("lifecycle policy = %s", policy)
	}
}

func TestChildrenAreParentedAndNamedFromTheComponent(t *testing.T) {
	m := deploy(t, "shop", baseArgs())
	for _, r := range m.Resources() {
		if r.Type == "ecsbluegreen:components:BlueGreenService" {
			continue
		}
		if r.Parent == "" || !strings.Contains(r.Parent, "ecsbluegreen:components:") {
			t.Errorf("%s %s has parent %q, want a component", r.Type, r.Name, r.Parent)
		}
		if !strings.HasPrefix(r.Name, "shop") {
			t.Errorf("%s %s is not named from the component", r.Type, r.Name)
		}
	}
}

func TestTwoInstancesDoNotCollide(t *testing.T) {
	m, err := recorder.Run(t, "test", nil, func(ctx *pulumi.Context) error {
		for _, name := range []string{"shop", "shop-admin"} {
			if _, err := components.NewBlueGreenService(ctx, name, baseArgs()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	logical := map[string]bool{}
	physical := map[string]string{}
	for _, r := range m.Resources() {
		key := r.Type + "::" + r.Name
		if logical[key] {
			t.Errorf("two resources named %s", key)
		}
		logical[key] = true
		if n := r.String("name"); n != "" && r.Type != "aws:iam/rolePolicy:RolePolicy" {
			pk := r.Type + "::" + n
			if other, dup := physical[pk]; dup {
				t.Errorf("%s and %s share the AWS name %q", other, r.Name, n)
			}
			physical[pk] = r.Name
		}
	}
}

func TestNamesFitAWSLimits(t *testing.T) {
	long := "checkout-payments-reconciliation-service-production"
	m := deploy(t, long, baseArgs())
	limits := map[string]int{
		"aws:lb/loadBalancer:LoadBalancer": 32,
		"aws:lb/targetGroup:TargetGroup":   32,
		"aws:iam/role:Role":                64,
	}
	seen := map[string]bool{}
	for typ, max := range limits {
		for _, r := range m.OfType(typ) {
			n := r.String("name")
			if len(n) > max || n == "" || strings.HasSuffix(n, "-") || strings.HasPrefix(n, "-") {
				t.Errorf("%s name %q (%d chars) does not fit %d", typ, n, len(n), max)
			}
			if seen[n] {
				t.Errorf("name %q used twice", n)
			}
			seen[n] = true
		}
	}
	// Deterministic: the same component name gives the same names.
	again := deploy(t, long, baseArgs())
	for _, typ := range []string{"aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"} {
		a, b := m.OfType(typ), again.OfType(typ)
		for i := range a {
			if a[i].String("name") != b[i].String("name") {
				t.Errorf("%s name changed between runs: %q vs %q", typ, a[i].String("name"), b[i].String("name"))
			}
		}
	}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*components.BlueGreenServiceArgs)
		want   []string
	}{
		{"memory not accepted with cpu", func(a *components.BlueGreenServiceArgs) { a.Service.CPU, a.Service.MemoryMiB = 512, 512 },
			[]string{"Service.MemoryMiB: 512 is not accepted with CPU 512"}},
		{"unknown cpu", func(a *components.BlueGreenServiceArgs) { a.Service.CPU = 300 }, []string{"Service.CPU: 300 is not a Fargate CPU size"}},
		{"https without certificate", func(a *components.BlueGreenServiceArgs) { a.LoadBalancer.HTTPS = true },
			[]string{"LoadBalancer.CertificateArn: is required when HTTPS is set"}},
		{"test listener open to the internet", func(a *components.BlueGreenServiceArgs) { a.LoadBalancer.TestIngressCIDRs = []string{"0.0.0.0/0"} },
			[]string{"LoadBalancer.TestIngressCIDRs[0]", "opens the test listener to the internet"}},
		{"same ports", func(a *components.BlueGreenServiceArgs) {
			a.LoadBalancer.ProdPort, a.LoadBalancer.TestPort = 8080, 8080
		},
			[]string{"LoadBalancer.TestPort: 8080 must differ from ProdPort"}},
		{"privileged test port", func(a *components.BlueGreenServiceArgs) { a.LoadBalancer.TestPort = 81 },
			[]string{"LoadBalancer.TestPort: 81 is outside 1024–65535"}},
		{"canary without interval", func(a *components.BlueGreenServiceArgs) {
			a.CodeDeploy.Traffic = components.TrafficShift{Type: components.Canary, Percentage: 10}
		}, []string{"CodeDeploy.Traffic.IntervalMinutes: 0 is outside 1–2880"}},
		{"unknown hook event", func(a *components.BlueGreenServiceArgs) {
			a.CodeDeploy.LifecycleHooks = map[string]string{"Install": "arn:aws:lambda:eu-west-1:1:function:x"}
		}, []string{`CodeDeploy.LifecycleHooks: "Install" is not an ECS hook event`}},
		{"secret that is not an ARN", func(a *components.BlueGreenServiceArgs) { a.Service.Secrets = map[string]string{"DB": "password"} },
			[]string{"Service.Secrets[DB]: \"password\" must be an SSM parameter ARN"}},
		{"wiring set by the caller", func(a *components.BlueGreenServiceArgs) { a.Service.TargetGroupArn = pulumi.String("arn") },
			[]string{"Service.TargetGroupArn: is wired by BlueGreenService; leave it empty"}},
		{"health check timeout not below interval", func(a *components.BlueGreenServiceArgs) {
			a.LoadBalancer.HealthCheck = components.HealthCheck{IntervalSeconds: 5, TimeoutSeconds: 5}
		}, []string{"LoadBalancer.HealthCheck.TimeoutSeconds: 5 must be less than IntervalSeconds (5)"}},
		{"too many alarms", func(a *components.BlueGreenServiceArgs) {
			a.CodeDeploy.AlarmNames = []string{"a", "b", "c", "d", "e", "f", "g"}
		}, []string{"CodeDeploy.AlarmNames: 11 alarms in all"}},
		{"several problems at once", func(a *components.BlueGreenServiceArgs) {
			a.Service.ContainerPort = 0
			a.Service.LogRetentionDays = 10
			a.VpcID = nil
		}, []string{"VpcID: is required", "Service.ContainerPort: 0 is outside 1–65535", "Service.LogRetentionDays: 10 is not a CloudWatch retention period"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := baseArgs()
			tt.mutate(&args)
			m, err := recorder.Run(t, "test", nil, func(ctx *pulumi.Context) error {
				_, err := components.NewBlueGreenService(ctx, "shop", args)
				return err
			})
			var verr *components.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a *ValidationError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if n := len(m.Resources()); n != 0 {
				t.Errorf("%d resources registered before validation failed", n)
			}
		})
	}
}

func TestValidationOfBadComponentName(t *testing.T) {
	err := baseArgs().Validate("Shop_1")
	if err == nil || strings.Count(err.Error(), "name:") != 1 || !strings.Contains(err.Error(), "lowercase letters, digits and hyphens") {
		t.Errorf("err = %v, want one name problem", err)
	}
}
