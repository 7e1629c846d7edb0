package infra

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Project is the Pulumi project name and so the namespace of every config key.
const Project = "ecs-bluegreen"

// Config is the whole stack configuration. Each field is one key under the project namespace
// (`ecs-bluegreen:<key>`); the `config` tag names it and the `doc` tag describes it. Pulumi.yaml
// declares the same keys, types and defaults (a test keeps the two equal), so `pulumi config`
// documents and type-checks them, and [Load] applies [Defaults] once for keys a stack leaves out.
type Config struct {
	ServiceName string `config:"serviceName" doc:"Name of the service; resources are named <serviceName>-<stack>. Lowercase letters, digits and hyphens."`
	Image       string `config:"image" doc:"Container image to run, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:1.4.2. Set by 'ecs-bluegreen deploy --image'."`

	ContainerName        string            `config:"containerName" doc:"Name of the container in the task definition and the AppSpec."`
	ContainerPort        int               `config:"containerPort" doc:"Port the application listens on."`
	CPU                  int               `config:"cpu" doc:"Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384."`
	Memory               int               `config:"memory" doc:"Task memory in MiB; must be a size Fargate accepts with cpu."`
	CPUArchitecture      string            `config:"cpuArchitecture" doc:"X86_64 or ARM64."`
	DesiredCount         int               `config:"desiredCount" doc:"Number of tasks (the starting count when autoscaling is on)."`
	Environment          map[string]string `config:"environment" doc:"Environment variables of the container (name: value)."`
	Secrets              map[string]string `config:"secrets" doc:"Secret environment variables: name: SSM parameter ARN or Secrets Manager secret ARN. Only these are readable by the execution role."`
	LogRetentionDays     int               `config:"logRetentionDays" doc:"Retention of the service's CloudWatch log group, in days."`
	PlatformVersion      string            `config:"platformVersion" doc:"Fargate platform version: LATEST or e.g. 1.4.0."`
	UseSpot              bool              `config:"useSpot" doc:"Run on FARGATE_SPOT with one FARGATE task as a base (weights 1 FARGATE : 3 FARGATE_SPOT)."`
	EnableExecuteCommand bool              `config:"enableExecuteCommand" doc:"Turn on ECS Exec."`
	AutoscalingMinCount  int               `config:"autoscalingMinCount" doc:"Minimum tasks under CPU target tracking; 0 turns autoscaling off."`
	AutoscalingMaxCount  int               `config:"autoscalingMaxCount" doc:"Maximum tasks under CPU target tracking."`
	AutoscalingCPU       int               `config:"autoscalingCpuPercent" doc:"Average CPU percent that autoscaling aims for, 10-90."`

	CreateVpc        bool     `config:"createVpc" doc:"Create a VPC for this stack (public and private subnets, one NAT gateway). When false, vpcId, publicSubnetIds and privateSubnetIds are required."`
	VpcCidr          string   `config:"vpcCidr" doc:"CIDR block of a created VPC."`
	VpcAzCount       int      `config:"vpcAzCount" doc:"Availability zones of a created VPC, 2-3."`
	VpcID            string   `config:"vpcId" doc:"Existing VPC (when createVpc is false)."`
	PublicSubnetIDs  []string `config:"publicSubnetIds" doc:"Existing subnets for the load balancer (private ones when internal is true)."`
	PrivateSubnetIDs []string `config:"privateSubnetIds" doc:"Existing private subnets for the tasks."`

	Internal                bool     `config:"internal" doc:"Make the load balancer internal instead of internet-facing."`
	DomainName              string   `config:"domainName" doc:"DNS name that points at the load balancer (the certificate's name with HTTPS); prodUrl and testUrl use it. Empty: the ALB's DNS name."`
	CertificateArn          string   `config:"certificateArn" doc:"ACM certificate ARN; when set both listeners serve HTTPS and port 80 redirects to HTTPS."`
	ProdPort                int      `config:"prodPort" doc:"Production listener port; 0 means 80, or 443 with HTTPS."`
	TestPort                int      `config:"testPort" doc:"Test listener port, 1024-65535; 0 means 8080, or 8443 with HTTPS."`
	ProdIngressCIDRs        []string `config:"prodIngressCidrs" doc:"CIDRs that may reach the production listener; empty means 0.0.0.0/0 for an internet-facing load balancer."`
	TestListenerCIDRs       []string `config:"testListenerCidrs" doc:"CIDRs that may reach the test listener (CI runners, VPN). Empty means nobody; 0.0.0.0/0 is refused."`
	DeletionProtection      bool     `config:"deletionProtection" doc:"Turn on the ALB's deletion protection and protect the load balancer, listeners, target groups, cluster, service, CodeDeploy application and group and registry in Pulumi."`
	DropInvalidHeaderFields bool     `config:"dropInvalidHeaderFields" doc:"Make the ALB drop headers with invalid names."`

	HealthCheckPath            string `config:"healthCheckPath" doc:"Target group health check path."`
	HealthCheckMatcher         string `config:"healthCheckMatcher" doc:"HTTP codes that count as healthy, e.g. 200 or 200-399."`
	HealthCheckIntervalSeconds int    `config:"healthCheckIntervalSeconds" doc:"Seconds between health checks, 5-300."`
	HealthCheckTimeoutSeconds  int    `config:"healthCheckTimeoutSeconds" doc:"Health check timeout in seconds, less than the interval."`
	HealthyThreshold           int    `config:"healthyThreshold" doc:"Consecutive successes that make a target healthy, 2-10."`
	UnhealthyThreshold         int    `config:"unhealthyThreshold" doc:"Consecutive failures that make a target unhealthy, 2-10."`
	DeregistrationDelaySeconds int    `config:"deregistrationDelaySeconds" doc:"Seconds a draining target keeps its connections, 0-3600."`

	DeploymentStrategy     string            `config:"deploymentStrategy" doc:"How traffic moves to the new tasks: AllAtOnce, Canary or Linear."`
	TrafficPercentage      int               `config:"trafficPercentage" doc:"Canary/Linear: percent of traffic per step, 1-99."`
	TrafficIntervalMinutes int               `config:"trafficIntervalMinutes" doc:"Canary/Linear: minutes between steps."`
	ReadyWaitMinutes       int               `config:"readyWaitMinutes" doc:"Minutes CodeDeploy waits with test traffic only, for the smoke gate or an approval, before stopping the release; 0 continues at once."`
	TerminationWaitMinutes int               `config:"terminationWaitMinutes" doc:"Minutes the old tasks stay after a successful release (the instant-rollback window)."`
	Alarms                 bool              `config:"alarms" doc:"Create 5xx and p99-latency alarms on both target groups that stop and roll back a release."`
	Alarm5xxThreshold      int               `config:"alarm5xxThreshold" doc:"Target 5xx responses per minute that trip the 5xx alarm."`
	AlarmLatencyMs         int               `config:"alarmLatencyMs" doc:"p99 target response time in milliseconds that trips the latency alarm."`
	AlarmNames             []string          `config:"alarmNames" doc:"Existing CloudWatch alarms that also stop and roll back a release."`
	NotificationTopicArn   string            `config:"notificationTopicArn" doc:"SNS topic for deployment events; empty for none."`
	LifecycleHooks         map[string]string `config:"lifecycleHooks" doc:"Lambda hooks: BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic or AfterAllowTraffic: function ARN."`

	CreateRegistry     bool `config:"createRegistry" doc:"Create an ECR repository (scan on push, immutable tags) for the service's images."`
	RegistryKeepImages int  `config:"registryKeepImages" doc:"Images the repository's lifecycle policy keeps."`

	SmokeEnabled               bool   `config:"smokeEnabled" doc:"Run the release step's HTTP smoke gate against the test listener when readyWaitMinutes > 0."`
	SmokePath                  string `config:"smokePath" doc:"Path the smoke gate requests on the test listener."`
	SmokeExpectedStatus        []int  `config:"smokeExpectedStatus" doc:"HTTP status codes the smoke gate accepts."`
	SmokeSuccesses             int    `config:"smokeSuccesses" doc:"Consecutive successful checks the smoke gate requires."`
	SmokeIntervalSeconds       int    `config:"smokeIntervalSeconds" doc:"Seconds between smoke checks."`
	SmokeRequestTimeoutSeconds int    `config:"smokeRequestTimeoutSeconds" doc:"Timeout of one smoke request, in seconds."`
	SmokeTimeoutSeconds        int    `config:"smokeTimeoutSeconds" doc:"Total time the smoke gate may take, in seconds; must fit in readyWaitMinutes."`

	Tags map[string]string `config:"tags" doc:"Tags added to every resource."`
}

// Defaults returns the value of every key a stack leaves out. Pulumi.yaml declares the same
// defaults; keys without one here (image) are required.
func Defaults() Config {
	return Config{
		ServiceName:                "web",
		ContainerName:              "app",
		ContainerPort:              8080,
		CPU:                        256,
		Memory:                     512,
		CPUArchitecture:            "X86_64",
		DesiredCount:               1,
		Environment:                map[string]string{},
		Secrets:                    map[string]string{},
		LogRetentionDays:           14,
		PlatformVersion:            "LATEST",
		AutoscalingCPU:             60,
		VpcCidr:                    "10.40.0.0/16",
		VpcAzCount:                 2,
		PublicSubnetIDs:            []string{},
		PrivateSubnetIDs:           []string{},
		ProdIngressCIDRs:           []string{},
		TestListenerCIDRs:          []string{},
		DropInvalidHeaderFields:    true,
		HealthCheckPath:            "/",
		HealthCheckMatcher:         "200-399",
		HealthCheckIntervalSeconds: 10,
		HealthCheckTimeoutSeconds:  5,
		HealthyThreshold:           2,
		UnhealthyThreshold:         3,
		DeregistrationDelaySeconds: 30,
		DeploymentStrategy:         "AllAtOnce",
		TerminationWaitMinutes:     5,
		Alarms:                     true,
		Alarm5xxThreshold:          10,
		AlarmLatencyMs:             1000,
		AlarmNames:                 []string{},
		LifecycleHooks:             map[string]string{},
		RegistryKeepImages:         30,
		SmokeEnabled:               true,
		SmokePath:                  "/",
		SmokeExpectedStatus:        []int{200},
		SmokeSuccesses:             3,
		SmokeIntervalSeconds:       2,
		SmokeRequestTimeoutSeconds: 5,
		SmokeTimeoutSeconds:        120,
		Tags:                       map[string]string{},
	}
}

// requiredKeys have no default: a stack must set them.
var requiredKeys = map[string]bool{"image": true}

// Key is one config key as declared: name, Go type and description.
type Key struct {
	Name  string
	Type  reflect.Type
	Doc   string
	index int
}

// Keys lists every config key in declaration order.
func Keys() []Key {
	t := reflect.TypeOf(Config{})
	keys := make([]Key, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		keys = append(keys, Key{Name: f.Tag.Get("config"), Type: f.Type, Doc: f.Tag.Get("doc"), index: i})
	}
	return keys
}

// Lookup returns the raw value of a config key and whether the stack sets it. In a Pulumi
// program it is ctx.GetConfig with the project namespace.
type Lookup func(key string) (string, bool)

// Load reads every key of the named stack through lookup, applies [Defaults] to the keys the
// stack leaves out, and validates the result, including everything the components would refuse.
// It never panics: every unreadable or invalid value is reported in one error that names the key
// and says what is accepted.
func Load(lookup Lookup, stack string) (Config, error) {
	cfg := Defaults()
	v := reflect.ValueOf(&cfg).Elem()
	var problems []string
	for _, k := range Keys() {
		raw, ok := lookup(Project + ":" + k.Name)
		if !ok {
			if requiredKeys[k.Name] {
				problems = append(problems, fmt.Sprintf("%s:%s: is required", Project, k.Name))
			}
			continue
		}
		if err := decode(raw, v.Field(k.index)); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%s: %v", Project, k.Name, err))
		}
	}
	// A value that could not be decoded keeps its default, so the rest is still worth checking.
	problems = append(problems, cfg.validate()...)
	args := cfg.ServiceArgs()
	args.VpcID = pulumi.String("vpc-placeholder")
	args.LoadBalancerSubnetIDs = pulumi.StringArray{}
	args.TaskSubnetIDs = pulumi.StringArray{}
	// A key the checks above already reported is not reported again in the components' words.
	reported := map[string]bool{}
	for _, p := range problems {
		reported[strings.SplitN(p, ": ", 2)[0]] = true
	}
	for _, p := range translate(args.Validate(ComponentName(cfg.ServiceName, stack))) {
		if !reported[strings.SplitN(p, ": ", 2)[0]] {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return Config{}, fmt.Errorf("invalid stack configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

// decode parses a raw config value into a field of the matching kind. Strings are taken as
// they are; other kinds are JSON, which is how Pulumi hands typed and structured values to
// programs.
func decode(raw string, field reflect.Value) error {
	if field.Kind() == reflect.String {
		field.SetString(raw)
		return nil
	}
	ptr := reflect.New(field.Type())
	if err := json.Unmarshal([]byte(raw), ptr.Interface()); err != nil {
		return fmt.Errorf("%q is not %s", raw, describeType(field.Type()))
	}
	field.Set(ptr.Elem())
	return nil
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(describeType(t.Elem()), "a ") + "s"
	case reflect.Map:
		return "a map of strings to strings"
	default:
		return "a string"
	}
}

// contextLookup reads config from a running Pulumi program.
func contextLookup(ctx *pulumi.Context) Lookup {
	return func(key string) (string, bool) { return ctx.GetConfig(key) }
}
