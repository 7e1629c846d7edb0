package components

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// fargateMemory lists, for each Fargate CPU size (CPU units), the memory sizes (MiB) Fargate
// accepts with it.
var fargateMemory = func() map[int][]int {
	steps := func(from, to, step int) []int {
		var out []int
		for m := from; m <= to; m += step {
			out = append(out, m)
		}
		return out
	}
	return map[int][]int{
		256:   {512, 1024, 2048},
		512:   steps(1024, 4096, 1024),
		1024:  steps(2048, 8192, 1024),
		2048:  steps(4096, 16384, 1024),
		4096:  steps(8192, 30720, 1024),
		8192:  steps(16384, 61440, 4096),
		16384: steps(32768, 122880, 8192),
	}
}()

// logRetentionDays are the retention periods CloudWatch Logs accepts.
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	envNamePattern         = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	containerNamePattern   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	platformVersionPattern = regexp.MustCompile(`^(LATEST|\d+\.\d+\.\d+)$`)
	ssmParamArn            = regexp.MustCompile(`^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/.+$`)
	secretsManagerArn      = regexp.MustCompile(`^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^:]+)(:[^:]*:[^:]*:[^:]*)?$`)
)

// ContainerHealthCheck is the container-level health check ECS runs inside the task.
type ContainerHealthCheck struct {
	// Command, e.g. ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]. Required.
	Command []string
	// IntervalSeconds 5–300. Default 15.
	IntervalSeconds int
	// TimeoutSeconds 2–60. Default 5.
	TimeoutSeconds int
	// Retries 1–10. Default 3.
	Retries int
	// StartPeriodSeconds 0–300. Default 30.
	StartPeriodSeconds int
}

// CapacityProvider is one entry of the service's capacity provider strategy.
type CapacityProvider struct {
	// Name is FARGATE or FARGATE_SPOT.
	Name string
	// Weight relative to the other providers, 0–1000.
	Weight int
	// Base tasks always placed on this provider, 0–100000.
	Base int
}

// Autoscaling makes desired count follow average CPU; while it is on, Pulumi ignores the
// service's desired count because the scaler owns it.
type Autoscaling struct {
	// MinCount and MaxCount bound the number of tasks, 1 ≤ MinCount ≤ MaxCount.
	MinCount, MaxCount int
	// TargetCPUPercent is the average CPU the scaler aims for, 10–90. Default 60.
	TargetCPUPercent int
}

// FargateServiceArgs configures [NewFargateService].
type FargateServiceArgs struct {
	// ClusterName of an existing ECS cluster. Nil creates a cluster with Container Insights.
	ClusterName pulumi.StringInput
	// ContainerInsights of a created cluster: "enabled", "enhanced" or "disabled". Default "enabled".
	ContainerInsights string

	// VpcID of the task security group. Required.
	VpcID pulumi.StringInput
	// SubnetIDs the tasks run in (private subnets). Required.
	SubnetIDs pulumi.StringArrayInput
	// AssignPublicIP gives tasks public IPs (only for public subnets without NAT). Default false.
	AssignPublicIP bool
	// LoadBalancerSecurityGroupID is the ALB's security group: the only source admitted on the
	// container port. Required.
	LoadBalancerSecurityGroupID pulumi.StringInput
	// TargetGroupArn is the target group the service starts on (the blue group). Required.
	TargetGroupArn pulumi.StringInput

	// Image of the container, e.g. "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:1.4.2". Required.
	Image pulumi.StringInput
	// ContainerName in the task definition and the AppSpec. Default "app".
	ContainerName string
	// ContainerPort the application listens on. Required.
	ContainerPort int
	// CPU units of the task: 256, 512, 1024, 2048, 4096, 8192 or 16384. Default 256.
	CPU int
	// MemoryMiB of the task; must be a size Fargate accepts with CPU. Default 512.
	MemoryMiB int
	// CPUArchitecture is X86_64 or ARM64. Default X86_64.
	CPUArchitecture string
	// Environment variables of the container.
	Environment map[string]string
	// Secrets maps environment variable names to SSM parameter or Secrets Manager ARNs. The
	// execution role may read exactly these, nothing else.
	Secrets map[string]string
	// HealthCheck of the container; nil for none (the target group health check still applies).
	HealthCheck *ContainerHealthCheck
	// LogRetentionDays of the log group; one of the periods CloudWatch accepts. Default 14.
	LogRetentionDays int

	// DesiredCount of tasks, 0–1000. Default 1.
	DesiredCount *int
	// CapacityProviders, empty for launch type FARGATE. With FARGATE_SPOT a created cluster gets
	// both providers associated.
	CapacityProviders []CapacityProvider
	// PlatformVersion of Fargate. Default "LATEST".
	PlatformVersion string
	// HealthCheckGracePeriodSeconds during which ALB health checks are ignored, 0–2147483647.
	// Default 60.
	HealthCheckGracePeriodSeconds *int
	// EnableExecuteCommand turns on ECS Exec and grants the task role the SSM channel. Default false.
	EnableExecuteCommand bool
	// Autoscaling of desired count; nil for none.
	Autoscaling *Autoscaling
	// Protect protects every child in Pulumi (cluster, service, roles, security groups, ...), so
	// `pulumi destroy` deletes nothing until it is turned off; the task definition excepted, since
	// every image change replaces it (and skipDestroy keeps its revisions anyway). Default false.
	Protect bool
	// Tags added to every taggable child and propagated to tasks.
	Tags map[string]string
}

// FargateService is an ECS Fargate service whose deployments are controlled by CodeDeploy.
type FargateService struct {
	pulumi.ResourceState

	// Cluster is nil when an existing cluster was given.
	Cluster        *ecs.Cluster
	LogGroup       *cloudwatch.LogGroup
	ExecutionRole  *iam.Role
	TaskRole       *iam.Role
	TaskDefinition *ecs.TaskDefinition
	SecurityGroup  *ec2.SecurityGroup
	Service        *ecs.Service

	ClusterName       pulumi.StringOutput
	ServiceName       pulumi.StringOutput
	TaskDefinitionArn pulumi.StringOutput
	TaskFamily        pulumi.StringOutput
	SecurityGroupID   pulumi.StringOutput
	LogGroupName      pulumi.StringOutput
	TaskRoleArn       pulumi.StringOutput
	ContainerName     string
	ContainerPort     int
	PlatformVersion   string
	AssignPublicIP    bool
}

func (a FargateServiceArgs) withDefaults() FargateServiceArgs {
	if a.ContainerInsights == "" {
		a.ContainerInsights = "enabled"
	}
	if a.ContainerName == "" {
		a.ContainerName = "app"
	}
	if a.CPU == 0 {
		a.CPU = 256
	}
	if a.MemoryMiB == 0 {
		a.MemoryMiB = 512
	}
	if a.CPUArchitecture == "" {
		a.CPUArchitecture = "X86_64"
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 14
	}
	if a.DesiredCount == nil {
		one := 1
		a.DesiredCount = &one
	}
	if a.PlatformVersion == "" {
		a.PlatformVersion = "LATEST"
	}
	if a.HealthCheckGracePeriodSeconds == nil {
		g := 60
		a.HealthCheckGracePeriodSeconds = &g
	}
	if hc := a.HealthCheck; hc != nil {
		c := *hc
		if c.IntervalSeconds == 0 {
			c.IntervalSeconds = 15
		}
		if c.TimeoutSeconds == 0 {
			c.TimeoutSeconds = 5
		}
		if c.Retries == 0 {
			c.Retries = 3
		}
		if c.StartPeriodSeconds == 0 {
			c.StartPeriodSeconds = 30
		}
		a.HealthCheck = &c
	}
	if as := a.Autoscaling; as != nil && as.TargetCPUPercent == 0 {
		c := *as
		c.TargetCPUPercent = 60
		a.Autoscaling = &c
	}
	return a
}

// Validate applies the documented defaults and reports every invalid field at once as a
// *ValidationError; the constructor calls it before registering anything.
func (a FargateServiceArgs) Validate(name string) error {
	a = a.withDefaults()
	p := newProblems("FargateServiceArgs for " + strconv.Quote(name))
	checkComponentName(p, name)
	p.required(
		field{"VpcID", a.VpcID == nil},
		field{"SubnetIDs", a.SubnetIDs == nil},
		field{"LoadBalancerSecurityGroupID", a.LoadBalancerSecurityGroupID == nil},
		field{"TargetGroupArn", a.TargetGroupArn == nil},
		field{"Image", a.Image == nil},
	)
	switch a.ContainerInsights {
	case "enabled", "enhanced", "disabled":
	default:
		p.addf("ContainerInsights", "%q must be enabled, enhanced or disabled", a.ContainerInsights)
	}
	if !containerNamePattern.MatchString(a.ContainerName) {
		p.addf("ContainerName", "%q must be letters, digits, hyphens and underscores", a.ContainerName)
	}
	checkPort(p, "ContainerPort", a.ContainerPort, 1)
	if mems, ok := fargateMemory[a.CPU]; !ok {
		p.addf("CPU", "%d is not a Fargate CPU size; use 256, 512, 1024, 2048, 4096, 8192 or 16384", a.CPU)
	} else if !slices.Contains(mems, a.MemoryMiB) {
		p.addf("MemoryMiB", "%d is not accepted with CPU %d; Fargate accepts %s", a.MemoryMiB, a.CPU, describeSizes(mems))
	}
	if a.CPUArchitecture != "X86_64" && a.CPUArchitecture != "ARM64" {
		p.addf("CPUArchitecture", "%q must be X86_64 or ARM64", a.CPUArchitecture)
	}
	for _, k := range sortedKeys(a.Environment) {
		if !envNamePattern.MatchString(k) {
			p.addf("Environment", "%q is not a valid variable name", k)
		}
		if _, dup := a.Secrets[k]; dup {
			p.addf("Environment", "%q is also a secret; a variable comes from one or the other", k)
		}
	}
	for _, k := range sortedKeys(a.Secrets) {
		if !envNamePattern.MatchString(k) {
			p.addf("Secrets", "%q is not a valid variable name", k)
		}
		v := a.Secrets[k]
		if !ssmParamArn.MatchString(v) && !secretsManagerArn.MatchString(v) {
			p.addf("Secrets["+k+"]", "%q must be an SSM parameter ARN (arn:aws:ssm:...:parameter/...) or a Secrets Manager secret ARN (arn:aws:secretsmanager:...:secret:...)", v)
		}
	}
	if hc := a.HealthCheck; hc != nil {
		if len(hc.Command) == 0 || (hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL") {
			p.add("HealthCheck.Command", `must start with "CMD" or "CMD-SHELL"`)
		}
		if hc.IntervalSeconds < 5 || hc.IntervalSeconds > 300 {
			p.addf("HealthCheck.IntervalSeconds", "%d is outside 5–300", hc.IntervalSeconds)
		}
		if hc.TimeoutSeconds < 2 || hc.TimeoutSeconds > 60 {
			p.addf("HealthCheck.TimeoutSeconds", "%d is outside 2–60", hc.TimeoutSeconds)
		}
		if hc.Retries < 1 || hc.Retries > 10 {
			p.addf("HealthCheck.Retries", "%d is outside 1–10", hc.Retries)
		}
		if hc.StartPeriodSeconds < 0 || hc.StartPeriodSeconds > 300 {
			p.addf("HealthCheck.StartPeriodSeconds", "%d is outside 0–300", hc.StartPeriodSeconds)
		}
	}
	if !slices.Contains(logRetentionDays, a.LogRetentionDays) {
		p.addf("LogRetentionDays", "%d is not a CloudWatch retention period; use one of %v", a.LogRetentionDays, logRetentionDays)
	}
	if d := *a.DesiredCount; d < 0 || d > 1000 {
		p.addf("DesiredCount", "%d is outside 0–1000", d)
	}
	for i, cp := range a.CapacityProviders {
		f := fmt.Sprintf("CapacityProviders[%d]", i)
		if cp.Name != "FARGATE" && cp.Name != "FARGATE_SPOT" {
			p.addf(f+".Name", "%q must be FARGATE or FARGATE_SPOT", cp.Name)
		}
		if cp.Weight < 0 || cp.Weight > 1000 {
			p.addf(f+".Weight", "%d is outside 0–1000", cp.Weight)
		}
		if cp.Base < 0 || cp.Base > 100000 {
			p.addf(f+".Base", "%d is outside 0–100000", cp.Base)
		}
	}
	if len(a.CapacityProviders) > 0 && totalWeight(a.CapacityProviders) == 0 {
		p.add("CapacityProviders", "at least one provider needs a weight above 0")
	}
	if !platformVersionPattern.MatchString(a.PlatformVersion) {
		p.addf("PlatformVersion", "%q must be LATEST or a version such as 1.4.0", a.PlatformVersion)
	}
	if g := *a.HealthCheckGracePeriodSeconds; g < 0 {
		p.addf("HealthCheckGracePeriodSeconds", "%d must not be negative", g)
	}
	if as := a.Autoscaling; as != nil {
		if as.MinCount < 1 || as.MaxCount < as.MinCount || as.MaxCount > 1000 {
			p.addf("Autoscaling", "MinCount %d and MaxCount %d must satisfy 1 ≤ MinCount ≤ MaxCount ≤ 1000", as.MinCount, as.MaxCount)
		}
		if as.TargetCPUPercent < 10 || as.TargetCPUPercent > 90 {
			p.addf("Autoscaling.TargetCPUPercent", "%d is outside 10–90", as.TargetCPUPercent)
		}
		if d := *a.DesiredCount; d < as.MinCount || d > as.MaxCount {
			p.addf("DesiredCount", "%d must lie within Autoscaling's MinCount–MaxCount (%d–%d)", d, as.MinCount, as.MaxCount)
		}
	}
	return p.err()
}

// NewFargateService registers an ECS Fargate service with the CODE_DEPLOY deployment controller,
// its task definition, roles, log group and task security group. The service ignores changes to
// its task definition and load balancers (CodeDeploy owns them after the first release) and to
// its desired count while autoscaling is on. It never waits for steady state: on CODE_DEPLOY
// services that wait never ends.
func NewFargateService(ctx *pulumi.Context, name string, args FargateServiceArgs, opts ...pulumi.ResourceOption) (*FargateService, error) {
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	args = args.withDefaults()
	c := &FargateService{
		ContainerName:   args.ContainerName,
		ContainerPort:   args.ContainerPort,
		PlatformVersion: args.PlatformVersion,
		AssignPublicIP:  args.AssignPublicIP,
	}
	if err := ctx.RegisterComponentResource(typePrefix+"FargateService", name, c, opts...); err != nil {
		return nil, fmt.Errorf("register fargate service %q: %w", name, err)
	}
	// Every child is parented to the component and protected with it.
	parent := pulumi.Composite(pulumi.Parent(c), pulumi.Protect(args.Protect))
	tags := tagMap(args.Tags, name)
	wrap := func(what string, err error) error { return fmt.Errorf("fargate service %q: %s: %w", name, what, err) }

	region := aws.GetRegionOutput(ctx, aws.GetRegionOutputArgs{}, pulumi.Parent(c))
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, pulumi.Parent(c))

	// Cluster.
	clusterName := args.ClusterName
	if clusterName == nil {
		cluster, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
			Name: pulumi.String(physicalName(name, "", maxGenericName)),
			Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
				Name:  pulumi.String("containerInsights"),
				Value: pulumi.String(args.ContainerInsights),
			}},
			Tags: tags,
		}, parent)
		if err != nil {
			return nil, wrap("cluster", err)
		}
		c.Cluster = cluster
		clusterName = cluster.Name
		if len(args.CapacityProviders) > 0 {
			if _, err := ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
				ClusterName:       cluster.Name,
				CapacityProviders: pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
			}, parent); err != nil {
				return nil, wrap("cluster capacity providers", err)
			}
		}
	}
	c.ClusterName = clusterName.ToStringOutput()

	// Logs.
	logGroup, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/ecs/" + name),
		RetentionInDays: pulumi.Int(args.LogRetentionDays),
		Tags:            tags,
	}, parent)
	if err != nil {
		return nil, wrap("log group", err)
	}
	c.LogGroup = logGroup

	// Roles.
	ecsTrust, err := assumeRolePolicy("ecs-tasks.amazonaws.com")
	if err != nil {
		return nil, wrap("trust policy", err)
	}
	c.ExecutionRole, err = iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Name:             pulumi.String(physicalName(name, "execution", maxIAMRoleName)),
		Description:      pulumi.String("ECS task execution role of " + name + ": pulls images, writes logs, reads the task's secrets"),
		AssumeRolePolicy: pulumi.String(ecsTrust),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, wrap("execution role", err)
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, name+"-execution", &iam.RolePolicyAttachmentArgs{
		Role:      c.ExecutionRole.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", partition.Partition()),
	}, parent); err != nil {
		return nil, wrap("execution role policy", err)
	}
	if doc, ok, err := secretsPolicy(args.Secrets); err != nil {
		return nil, wrap("secrets policy", err)
	} else if ok {
		if _, err := iam.NewRolePolicy(ctx, name+"-secrets", &iam.RolePolicyArgs{
			Name:   pulumi.String("read-task-secrets"),
			Role:   c.ExecutionRole.Name,
			Policy: pulumi.String(doc),
		}, parent); err != nil {
			return nil, wrap("secrets policy", err)
		}
	}
	c.TaskRole, err = iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Name:             pulumi.String(physicalName(name, "task", maxIAMRoleName)),
		Description:      pulumi.String("Role of the application in " + name + "'s tasks; attach its permissions here"),
		AssumeRolePolicy: pulumi.String(ecsTrust),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, wrap("task role", err)
	}
	if args.EnableExecuteCommand {
		doc, err := policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
			Sid:    "EcsExec",
			Effect: "Allow",
			Action: []string{
				"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
				"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
			},
			Resource: []string{"*"},
		}}}.json()
		if err != nil {
			return nil, wrap("ecs exec policy", err)
		}
		if _, err := iam.NewRolePolicy(ctx, name+"-exec", &iam.RolePolicyArgs{
			Name:   pulumi.String("ecs-exec"),
			Role:   c.TaskRole.Name,
			Policy: pulumi.String(doc),
		}, parent); err != nil {
			return nil, wrap("ecs exec policy", err)
		}
	}
	c.TaskRoleArn = c.TaskRole.Arn

	// Task definition. Replacing it registers a new revision; skipDestroy keeps the old one so
	// that CodeDeploy can roll back to it.
	containers := pulumi.All(args.Image, logGroup.Name, region.Name()).ApplyT(func(v []any) (string, error) {
		return containerDefinitions(args, v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)
	c.TaskDefinition, err = ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(physicalName(name, "", 255)),
		Cpu:                     pulumi.String(strconv.Itoa(args.CPU)),
		Memory:                  pulumi.String(strconv.Itoa(args.MemoryMiB)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.ToStringArray([]string{"FARGATE"}),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			CpuArchitecture:       pulumi.String(args.CPUArchitecture),
			OperatingSystemFamily: pulumi.String("LINUX"),
		},
		ExecutionRoleArn:     c.ExecutionRole.Arn,
		TaskRoleArn:          c.TaskRole.Arn,
		ContainerDefinitions: containers,
		SkipDestroy:          pulumi.Bool(true),
		Tags:                 tags,
	}, parent, pulumi.Protect(false)) // replaced by every image change; skipDestroy keeps it in AWS
	if err != nil {
		return nil, wrap("task definition", err)
	}
	c.TaskDefinitionArn = c.TaskDefinition.Arn
	c.TaskFamily = c.TaskDefinition.Family

	// Task security group: only the ALB reaches the container port.
	c.SecurityGroup, err = ec2.NewSecurityGroup(ctx, name+"-tasks", &ec2.SecurityGroupArgs{
		Name:        pulumi.String(physicalName(name, "tasks", 255)),
		Description: pulumi.String("Tasks of " + name + ": container port from the ALB only"),
		VpcId:       args.VpcID,
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, wrap("task security group", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-from-alb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           c.SecurityGroup.ID(),
		ReferencedSecurityGroupId: args.LoadBalancerSecurityGroupID,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		Description:               pulumi.String("container port from the load balancer"),
		Tags:                      tags,
	}, parent); err != nil {
		return nil, wrap("task ingress rule", err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-tasks-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: c.SecurityGroup.ID(),
		IpProtocol:      pulumi.String("-1"),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		Description:     pulumi.String("tasks reach image registries, AWS APIs and their dependencies"),
		Tags:            tags,
	}, parent); err != nil {
		return nil, wrap("task egress rule", err)
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-alb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           args.LoadBalancerSecurityGroupID,
		ReferencedSecurityGroupId: c.SecurityGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(args.ContainerPort),
		ToPort:                    pulumi.Int(args.ContainerPort),
		Description:               pulumi.String("load balancer to the tasks' container port"),
		Tags:                      tags,
	}, parent); err != nil {
		return nil, wrap("load balancer egress rule", err)
	}
	c.SecurityGroupID = c.SecurityGroup.ID().ToStringOutput()

	// Service.
	ignored := []string{"taskDefinition", "loadBalancers"}
	if args.Autoscaling != nil {
		ignored = append(ignored, "desiredCount")
	}
	sa := &ecs.ServiceArgs{
		Name:                 pulumi.String(physicalName(name, "", maxGenericName)),
		Cluster:              clusterName,
		TaskDefinition:       c.TaskDefinition.Arn,
		DesiredCount:         pulumi.Int(*args.DesiredCount),
		DeploymentController: &ecs.ServiceDeploymentControllerArgs{Type: pulumi.String("CODE_DEPLOY")},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: args.TargetGroupArn,
			ContainerName:  pulumi.String(args.ContainerName),
			ContainerPort:  pulumi.Int(args.ContainerPort),
		}},
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.SubnetIDs,
			SecurityGroups: pulumi.StringArray{c.SecurityGroup.ID()},
			AssignPublicIp: pulumi.Bool(args.AssignPublicIP),
		},
		PlatformVersion:               pulumi.String(args.PlatformVersion),
		HealthCheckGracePeriodSeconds: pulumi.Int(*args.HealthCheckGracePeriodSeconds),
		PropagateTags:                 pulumi.String("SERVICE"),
		EnableEcsManagedTags:          pulumi.Bool(true),
		EnableExecuteCommand:          pulumi.Bool(args.EnableExecuteCommand),
		WaitForSteadyState:            pulumi.Bool(false),
		Tags:                          tags,
	}
	if len(args.CapacityProviders) == 0 {
		sa.LaunchType = pulumi.String("FARGATE")
	} else {
		var strategies ecs.ServiceCapacityProviderStrategyArray
		for _, cp := range args.CapacityProviders {
			strategies = append(strategies, &ecs.ServiceCapacityProviderStrategyArgs{
				CapacityProvider: pulumi.String(cp.Name),
				Weight:           pulumi.Int(cp.Weight),
				Base:             pulumi.Int(cp.Base),
			})
		}
		sa.CapacityProviderStrategies = strategies
	}
	c.Service, err = ecs.NewService(ctx, name, sa, parent, pulumi.IgnoreChanges(ignored),
		pulumi.DependsOn([]pulumi.Resource{logGroup}))
	if err != nil {
		return nil, wrap("service", err)
	}
	c.ServiceName = c.Service.Name

	if as := args.Autoscaling; as != nil {
		target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
			ServiceNamespace:  pulumi.String("ecs"),
			ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
			ResourceId:        pulumi.Sprintf("service/%s/%s", clusterName, c.Service.Name),
			MinCapacity:       pulumi.Int(as.MinCount),
			MaxCapacity:       pulumi.Int(as.MaxCount),
		}, parent)
		if err != nil {
			return nil, wrap("autoscaling target", err)
		}
		if _, err := appautoscaling.NewPolicy(ctx, name+"-cpu", &appautoscaling.PolicyArgs{
			Name:              pulumi.String(physicalName(name, "cpu", 255)),
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue: pulumi.Float64(float64(as.TargetCPUPercent)),
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
				},
				ScaleInCooldown:  pulumi.Int(120),
				ScaleOutCooldown: pulumi.Int(60),
			},
		}, parent); err != nil {
			return nil, wrap("autoscaling policy", err)
		}
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":       c.ClusterName,
		"serviceName":       c.ServiceName,
		"taskDefinitionArn": c.TaskDefinitionArn,
		"securityGroupId":   c.SecurityGroupID,
		"logGroupName":      logGroup.Name,
		"containerName":     pulumi.String(c.ContainerName),
		"containerPort":     pulumi.Int(c.ContainerPort),
	}); err != nil {
		return nil, wrap("register outputs", err)
	}
	return c, nil
}

// containerDefinition is the subset of ECS's container definition this component writes.
type containerDefinition struct {
	Name             string               `json:"name"`
	Image            string               `json:"image"`
	Essential        bool                 `json:"essential"`
	PortMappings     []portMapping        `json:"portMappings"`
	Environment      []nameValue          `json:"environment"`
	Secrets          []secretRef          `json:"secrets"`
	LogConfiguration logConfiguration     `json:"logConfiguration"`
	HealthCheck      *containerHealthJSON `json:"healthCheck,omitempty"`
}

type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type secretRef struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type containerHealthJSON struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

// containerDefinitions renders the task's single container as the JSON ECS expects, with
// environment and secrets sorted so that the same Args always give the same document.
func containerDefinitions(args FargateServiceArgs, image, logGroup, region string) (string, error) {
	def := containerDefinition{
		Name:         args.ContainerName,
		Image:        image,
		Essential:    true,
		PortMappings: []portMapping{{ContainerPort: args.ContainerPort, Protocol: "tcp"}},
		Environment:  []nameValue{},
		Secrets:      []secretRef{},
		LogConfiguration: logConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        region,
				"awslogs-stream-prefix": args.ContainerName,
			},
		},
	}
	for _, k := range sortedKeys(args.Environment) {
		def.Environment = append(def.Environment, nameValue{Name: k, Value: args.Environment[k]})
	}
	for _, k := range sortedKeys(args.Secrets) {
		def.Secrets = append(def.Secrets, secretRef{Name: k, ValueFrom: args.Secrets[k]})
	}
	if hc := args.HealthCheck; hc != nil {
		def.HealthCheck = &containerHealthJSON{
			Command: hc.Command, Interval: hc.IntervalSeconds, Timeout: hc.TimeoutSeconds,
			Retries: hc.Retries, StartPeriod: hc.StartPeriodSeconds,
		}
	}
	b, err := json.Marshal([]containerDefinition{def})
	if err != nil {
		return "", fmt.Errorf("marshal container definitions: %w", err)
	}
	return string(b), nil
}

// secretsPolicy allows reading exactly the referenced SSM parameters and Secrets Manager secrets.
// ok is false when there are no secrets.
func secretsPolicy(secrets map[string]string) (doc string, ok bool, err error) {
	var params, sm []string
	for _, k := range sortedKeys(secrets) {
		v := secrets[k]
		if m := secretsManagerArn.FindStringSubmatch(v); m != nil {
			// A reference may name a JSON key or version after the secret ARN; the permission is
			// on the secret itself.
			sm = appendUnique(sm, m[1])
		} else {
			params = appendUnique(params, v)
		}
	}
	var st []policyStatement
	if len(params) > 0 {
		st = append(st, policyStatement{Sid: "ReadParameters", Effect: "Allow", Action: []string{"ssm:GetParameters"}, Resource: params})
	}
	if len(sm) > 0 {
		st = append(st, policyStatement{Sid: "ReadSecrets", Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: sm})
	}
	if len(st) == 0 {
		return "", false, nil
	}
	doc, err = policyDocument{Version: "2012-10-17", Statement: st}.json()
	return doc, err == nil, err
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func totalWeight(cps []CapacityProvider) int {
	t := 0
	for _, cp := range cps {
		t += cp.Weight
	}
	return t
}

// describeSizes renders a list of memory sizes compactly: "1024, 2048, …, 8192".
func describeSizes(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		parts[i] = strconv.Itoa(s)
	}
	if len(parts) > 4 {
		return parts[0] + ", " + parts[1] + ", …, " + parts[len(parts)-1] + " MiB"
	}
	return strings.Join(parts, ", ") + " MiB"
}
