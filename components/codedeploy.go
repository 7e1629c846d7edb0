package components

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codedeploy"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Traffic shifting strategies of [TrafficShift].
const (
	AllAtOnce = "AllAtOnce"
	Canary    = "Canary"
	Linear    = "Linear"
)

// Lifecycle hook events an ECS AppSpec may name, in the order CodeDeploy runs them.
var HookEvents = []string{"BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"}

// predefinedConfigs maps (strategy, percentage, interval) to CodeDeploy's predefined ECS configs.
var predefinedConfigs = map[TrafficShift]string{
	{Type: AllAtOnce}: "CodeDeployDefault.ECSAllAtOnce",
	{Type: Canary, Percentage: 10, IntervalMinutes: 5}:  "CodeDeployDefault.ECSCanary10Percent5Minutes",
	{Type: Canary, Percentage: 10, IntervalMinutes: 15}: "CodeDeployDefault.ECSCanary10Percent15Minutes",
	{Type: Linear, Percentage: 10, IntervalMinutes: 1}:  "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
	{Type: Linear, Percentage: 10, IntervalMinutes: 3}:  "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
}

// TrafficShift says how CodeDeploy moves production traffic to the new task set. A combination
// that matches a predefined CodeDeploy configuration uses it; any other creates a custom
// time-based configuration.
type TrafficShift struct {
	// Type is AllAtOnce, Canary (Percentage first, the rest after IntervalMinutes) or Linear
	// (Percentage more every IntervalMinutes). Default AllAtOnce.
	Type string
	// Percentage of traffic per step, 1–99. Required for Canary and Linear.
	Percentage int
	// IntervalMinutes between steps, 1–2880. Required for Canary and Linear.
	IntervalMinutes int
}

// Alarms configures the CloudWatch alarms the component creates on both target groups (they
// swap roles on every release, so both are watched).
type Alarms struct {
	// Disabled skips creating alarms; AlarmNames still apply. Default false.
	Disabled bool
	// Target5xxThreshold is the number of target 5xx responses per period that trips the alarm.
	// Default 10.
	Target5xxThreshold int
	// LatencyThresholdSeconds is the p99 target response time that trips the alarm. Default 1.
	LatencyThresholdSeconds float64
	// PeriodSeconds of each evaluation: 10, 30 or a multiple of 60. Default 60.
	PeriodSeconds int
	// EvaluationPeriods that must breach, 1–10. Default 2.
	EvaluationPeriods int
}

// CodeDeployArgs configures [NewCodeDeploy].
type CodeDeployArgs struct {
	// ClusterName and ServiceName identify the ECS service. Required.
	ClusterName, ServiceName pulumi.StringInput
	// BlueTargetGroupName and GreenTargetGroupName are the two target groups CodeDeploy swaps.
	// Required.
	BlueTargetGroupName, GreenTargetGroupName pulumi.StringInput
	// ProdListenerArn and TestListenerArn are the listeners CodeDeploy reroutes. Required.
	ProdListenerArn, TestListenerArn pulumi.StringInput
	// LoadBalancerArnSuffix and the target groups' ARN suffixes are the alarms' metric
	// dimensions. Required unless Alarms.Disabled.
	LoadBalancerArnSuffix, BlueTargetGroupArnSuffix, GreenTargetGroupArnSuffix pulumi.StringInput

	// Traffic is the traffic-shifting strategy. Default all at once.
	Traffic TrafficShift
	// ReadyWaitMinutes, when above 0, makes CodeDeploy wait up to that long after test traffic is
	// routed for an approval or smoke test (ContinueDeployment) and stop the release when none
	// comes. 0 continues at once. 0–2880. Default 0.
	ReadyWaitMinutes int
	// TerminationWaitMinutes the original task set is kept after a successful release: the
	// window in which a rollback is instant. 0–2880. Nil means 5.
	TerminationWaitMinutes *int
	// DisableAutoRollback turns off rolling back on failure, alarm and stop request. Default false.
	DisableAutoRollback bool
	// Alarms created on the target groups and wired into the deployment group.
	Alarms Alarms
	// AlarmNames are existing CloudWatch alarms that also stop and roll back a release.
	AlarmNames []string
	// LifecycleHooks maps hook events (see [HookEvents]) to Lambda function ARNs. The service role
	// may invoke exactly these functions. Default none.
	LifecycleHooks map[string]string
	// NotificationTopicArn receives deployment events through SNS; nil for none.
	NotificationTopicArn pulumi.StringInput
	// Protect protects every child in Pulumi (role, application, group, alarms, ...). Default false.
	Protect bool
	// Tags added to every taggable child.
	Tags map[string]string
}

// CodeDeploy is a CodeDeploy application and blue/green deployment group for one ECS service.
type CodeDeploy struct {
	pulumi.ResourceState

	ServiceRole     *iam.Role
	Application     *codedeploy.Application
	DeploymentGroup *codedeploy.DeploymentGroup
	// DeploymentConfig is nil when a predefined configuration is used.
	DeploymentConfig *codedeploy.DeploymentConfig
	Alarms           []*cloudwatch.MetricAlarm

	ApplicationName      pulumi.StringOutput
	DeploymentGroupName  pulumi.StringOutput
	DeploymentConfigName pulumi.StringOutput
	ServiceRoleArn       pulumi.StringOutput
	// AlarmNames are all alarms the deployment group watches (created and given).
	AlarmNames pulumi.StringArrayOutput
}

func (a CodeDeployArgs) withDefaults() CodeDeployArgs {
	if a.Traffic.Type == "" {
		a.Traffic.Type = AllAtOnce
	}
	if a.TerminationWaitMinutes == nil {
		five := 5
		a.TerminationWaitMinutes = &five
	}
	if !a.Alarms.Disabled {
		if a.Alarms.Target5xxThreshold == 0 {
			a.Alarms.Target5xxThreshold = 10
		}
		if a.Alarms.LatencyThresholdSeconds == 0 {
			a.Alarms.LatencyThresholdSeconds = 1
		}
		if a.Alarms.PeriodSeconds == 0 {
			a.Alarms.PeriodSeconds = 60
		}
		if a.Alarms.EvaluationPeriods == 0 {
			a.Alarms.EvaluationPeriods = 2
		}
	}
	return a
}

// Validate applies the documented defaults and reports every invalid field at once as a
// *ValidationError; the constructor calls it before registering anything.
func (a CodeDeployArgs) Validate(name string) error {
	a = a.withDefaults()
	p := newProblems("CodeDeployArgs for " + strconv.Quote(name))
	checkComponentName(p, name)
	p.required(
		field{"ClusterName", a.ClusterName == nil},
		field{"ServiceName", a.ServiceName == nil},
		field{"BlueTargetGroupName", a.BlueTargetGroupName == nil},
		field{"GreenTargetGroupName", a.GreenTargetGroupName == nil},
		field{"ProdListenerArn", a.ProdListenerArn == nil},
		field{"TestListenerArn", a.TestListenerArn == nil},
	)
	if !a.Alarms.Disabled && (a.LoadBalancerArnSuffix == nil || a.BlueTargetGroupArnSuffix == nil || a.GreenTargetGroupArnSuffix == nil) {
		p.add("LoadBalancerArnSuffix", "and both target group ARN suffixes are required for the alarms (or set Alarms.Disabled)")
	}
	t := a.Traffic
	switch t.Type {
	case AllAtOnce:
		if t.Percentage != 0 || t.IntervalMinutes != 0 {
			p.add("Traffic", "AllAtOnce takes no Percentage or IntervalMinutes")
		}
	case Canary, Linear:
		if t.Percentage < 1 || t.Percentage > 99 {
			p.addf("Traffic.Percentage", "%d is outside 1–99 (required for %s)", t.Percentage, t.Type)
		}
		if t.IntervalMinutes < 1 || t.IntervalMinutes > 2880 {
			p.addf("Traffic.IntervalMinutes", "%d is outside 1–2880 (required for %s)", t.IntervalMinutes, t.Type)
		}
	default:
		p.addf("Traffic.Type", "%q must be AllAtOnce, Canary or Linear", t.Type)
	}
	if a.ReadyWaitMinutes < 0 || a.ReadyWaitMinutes > 2880 {
		p.addf("ReadyWaitMinutes", "%d is outside 0–2880 (0 continues at once)", a.ReadyWaitMinutes)
	}
	if w := *a.TerminationWaitMinutes; w < 0 || w > 2880 {
		p.addf("TerminationWaitMinutes", "%d is outside 0–2880", w)
	}
	if !a.Alarms.Disabled {
		al := a.Alarms
		if al.Target5xxThreshold < 1 {
			p.addf("Alarms.Target5xxThreshold", "%d must be at least 1", al.Target5xxThreshold)
		}
		if al.LatencyThresholdSeconds <= 0 || al.LatencyThresholdSeconds > 60 {
			p.addf("Alarms.LatencyThresholdSeconds", "%g is outside (0, 60]", al.LatencyThresholdSeconds)
		}
		if al.PeriodSeconds != 10 && al.PeriodSeconds != 30 && (al.PeriodSeconds < 60 || al.PeriodSeconds%60 != 0) {
			p.addf("Alarms.PeriodSeconds", "%d must be 10, 30 or a multiple of 60", al.PeriodSeconds)
		}
		if al.EvaluationPeriods < 1 || al.EvaluationPeriods > 10 {
			p.addf("Alarms.EvaluationPeriods", "%d is outside 1–10", al.EvaluationPeriods)
		}
	}
	if n := len(a.AlarmNames) + 4; n > 10 && !a.Alarms.Disabled {
		p.addf("AlarmNames", "%d alarms in all (4 created + %d given); a deployment group takes at most 10", n, len(a.AlarmNames))
	} else if len(a.AlarmNames) > 10 {
		p.addf("AlarmNames", "%d given; a deployment group takes at most 10", len(a.AlarmNames))
	}
	for _, ev := range sortedKeys(a.LifecycleHooks) {
		if !slices.Contains(HookEvents, ev) {
			p.addf("LifecycleHooks", "%q is not an ECS hook event; use one of %v", ev, HookEvents)
		}
		if a.LifecycleHooks[ev] == "" {
			p.addf("LifecycleHooks["+ev+"]", "needs a Lambda function ARN")
		}
	}
	return p.err()
}

// predefined returns the predefined configuration for t, or "" when a custom one is needed.
func (t TrafficShift) predefined() string { return predefinedConfigs[t] }

// NewCodeDeploy registers the CodeDeploy side of blue/green releases: the service role, the
// application, a custom deployment configuration when needed, the alarms and the blue/green
// deployment group with traffic control.
func NewCodeDeploy(ctx *pulumi.Context, name string, args CodeDeployArgs, opts ...pulumi.ResourceOption) (*CodeDeploy, error) {
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	args = args.withDefaults()
	c := &CodeDeploy{}
	if err := ctx.RegisterComponentResource(typePrefix+"CodeDeploy", name, c, opts...); err != nil {
		return nil, fmt.Errorf("register codedeploy %q: %w", name, err)
	}
	// Every child is parented to the component and protected with it.
	parent := pulumi.Composite(pulumi.Parent(c), pulumi.Protect(args.Protect))
	tags := tagMap(args.Tags, name)
	wrap := func(what string, err error) error { return fmt.Errorf("codedeploy %q: %s: %w", name, what, err) }
	partition := aws.GetPartitionOutput(ctx, aws.GetPartitionOutputArgs{}, pulumi.Parent(c))

	// Service role.
	trust, err := assumeRolePolicy("codedeploy.amazonaws.com")
	if err != nil {
		return nil, wrap("trust policy", err)
	}
	c.ServiceRole, err = iam.NewRole(ctx, name+"-codedeploy", &iam.RoleArgs{
		Name:             pulumi.String(physicalName(name, "codedeploy", maxIAMRoleName)),
		Description:      pulumi.String("CodeDeploy service role of " + name + " (ECS blue/green)"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	}, parent)
	if err != nil {
		return nil, wrap("service role", err)
	}
	roleAttachment, err := iam.NewRolePolicyAttachment(ctx, name+"-codedeploy", &iam.RolePolicyAttachmentArgs{
		Role:      c.ServiceRole.Name,
		PolicyArn: pulumi.Sprintf("arn:%s:iam::aws:policy/AWSCodeDeployRoleForECS", partition.Partition()),
	}, parent)
	if err != nil {
		return nil, wrap("service role policy", err)
	}
	roleReady := []pulumi.Resource{roleAttachment}
	if len(args.LifecycleHooks) > 0 {
		var fns []string
		for _, ev := range sortedKeys(args.LifecycleHooks) {
			fns = appendUnique(fns, args.LifecycleHooks[ev])
		}
		doc, err := policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
			Sid: "InvokeLifecycleHooks", Effect: "Allow", Action: []string{"lambda:InvokeFunction"}, Resource: fns,
		}}}.json()
		if err != nil {
			return nil, wrap("hook policy", err)
		}
		hookPolicy, err := iam.NewRolePolicy(ctx, name+"-hooks", &iam.RolePolicyArgs{
			Name:   pulumi.String("invoke-lifecycle-hooks"),
			Role:   c.ServiceRole.Name,
			Policy: pulumi.String(doc),
		}, parent)
		if err != nil {
			return nil, wrap("hook policy", err)
		}
		roleReady = append(roleReady, hookPolicy)
	}
	c.ServiceRoleArn = c.ServiceRole.Arn

	c.Application, err = codedeploy.NewApplication(ctx, name, &codedeploy.ApplicationArgs{
		Name:            pulumi.String(physicalName(name, "", maxGenericName)),
		ComputePlatform: pulumi.String("ECS"),
		Tags:            tags,
	}, parent)
	if err != nil {
		return nil, wrap("application", err)
	}
	c.ApplicationName = c.Application.Name

	// Deployment configuration.
	if predefined := args.Traffic.predefined(); predefined != "" {
		c.DeploymentConfigName = pulumi.String(predefined).ToStringOutput()
	} else {
		t := args.Traffic
		routing := &codedeploy.DeploymentConfigTrafficRoutingConfigArgs{}
		if t.Type == Canary {
			routing.Type = pulumi.String("TimeBasedCanary")
			routing.TimeBasedCanary = &codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs{
				Percentage: pulumi.Int(t.Percentage), Interval: pulumi.Int(t.IntervalMinutes),
			}
		} else {
			routing.Type = pulumi.String("TimeBasedLinear")
			routing.TimeBasedLinear = &codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs{
				Percentage: pulumi.Int(t.Percentage), Interval: pulumi.Int(t.IntervalMinutes),
			}
		}
		configName := fmt.Sprintf("%s-%dpct-%dmin", strings.ToLower(t.Type), t.Percentage, t.IntervalMinutes)
		c.DeploymentConfig, err = codedeploy.NewDeploymentConfig(ctx, name, &codedeploy.DeploymentConfigArgs{
			DeploymentConfigName: pulumi.String(physicalName(name, configName, maxGenericName)),
			ComputePlatform:      pulumi.String("ECS"),
			TrafficRoutingConfig: routing,
		}, parent)
		if err != nil {
			return nil, wrap("deployment config", err)
		}
		c.DeploymentConfigName = c.DeploymentConfig.DeploymentConfigName
	}

	// Alarms on both target groups, since each serves production every other release.
	alarmNames := pulumi.StringArray{}
	if !args.Alarms.Disabled {
		groups := []struct {
			color  string
			suffix pulumi.StringInput
		}{{"blue", args.BlueTargetGroupArnSuffix}, {"green", args.GreenTargetGroupArnSuffix}}
		for _, g := range groups {
			dims := pulumi.StringMap{"LoadBalancer": args.LoadBalancerArnSuffix, "TargetGroup": g.suffix}
			alarm5xx, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+g.color+"-5xx", &cloudwatch.MetricAlarmArgs{
				Name:               pulumi.String(physicalName(name, g.color+"-target-5xx", 255)),
				AlarmDescription:   pulumi.String(fmt.Sprintf("%s %s target group: at least %d target 5xx responses per %ds; stops and rolls back a release", name, g.color, args.Alarms.Target5xxThreshold, args.Alarms.PeriodSeconds)),
				Namespace:          pulumi.String("AWS/ApplicationELB"),
				MetricName:         pulumi.String("HTTPCode_Target_5XX_Count"),
				Statistic:          pulumi.String("Sum"),
				Dimensions:         dims,
				Period:             pulumi.Int(args.Alarms.PeriodSeconds),
				EvaluationPeriods:  pulumi.Int(args.Alarms.EvaluationPeriods),
				Threshold:          pulumi.Float64(float64(args.Alarms.Target5xxThreshold)),
				ComparisonOperator: pulumi.String("GreaterThanOrEqualToThreshold"),
				TreatMissingData:   pulumi.String("notBreaching"),
				Tags:               tags,
			}, parent)
			if err != nil {
				return nil, wrap(g.color+" 5xx alarm", err)
			}
			latency, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+g.color+"-latency", &cloudwatch.MetricAlarmArgs{
				Name:               pulumi.String(physicalName(name, g.color+"-p99-latency", 255)),
				AlarmDescription:   pulumi.String(fmt.Sprintf("%s %s target group: p99 response time above %gs; stops and rolls back a release", name, g.color, args.Alarms.LatencyThresholdSeconds)),
				Namespace:          pulumi.String("AWS/ApplicationELB"),
				MetricName:         pulumi.String("TargetResponseTime"),
				ExtendedStatistic:  pulumi.String("p99"),
				Dimensions:         dims,
				Period:             pulumi.Int(args.Alarms.PeriodSeconds),
				EvaluationPeriods:  pulumi.Int(args.Alarms.EvaluationPeriods),
				Threshold:          pulumi.Float64(args.Alarms.LatencyThresholdSeconds),
				ComparisonOperator: pulumi.String("GreaterThanThreshold"),
				TreatMissingData:   pulumi.String("notBreaching"),
				Tags:               tags,
			}, parent)
			if err != nil {
				return nil, wrap(g.color+" latency alarm", err)
			}
			c.Alarms = append(c.Alarms, alarm5xx, latency)
			alarmNames = append(alarmNames, alarm5xx.Name, latency.Name)
		}
	}
	for _, n := range args.AlarmNames {
		alarmNames = append(alarmNames, pulumi.String(n))
	}
	c.AlarmNames = alarmNames.ToStringArrayOutput()

	readyOption := &codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs{
		ActionOnTimeout: pulumi.String("CONTINUE_DEPLOYMENT"),
	}
	if args.ReadyWaitMinutes > 0 {
		// The API rejects a wait time together with CONTINUE_DEPLOYMENT.
		readyOption = &codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs{
			ActionOnTimeout:   pulumi.String("STOP_DEPLOYMENT"),
			WaitTimeInMinutes: pulumi.Int(args.ReadyWaitMinutes),
		}
	}
	dg := &codedeploy.DeploymentGroupArgs{
		AppName:              c.Application.Name,
		DeploymentGroupName:  pulumi.String(physicalName(name, "", maxGenericName)),
		ServiceRoleArn:       c.ServiceRole.Arn,
		DeploymentConfigName: c.DeploymentConfigName,
		DeploymentStyle: &codedeploy.DeploymentGroupDeploymentStyleArgs{
			DeploymentType:   pulumi.String("BLUE_GREEN"),
			DeploymentOption: pulumi.String("WITH_TRAFFIC_CONTROL"),
		},
		BlueGreenDeploymentConfig: &codedeploy.DeploymentGroupBlueGreenDeploymentConfigArgs{
			DeploymentReadyOption: readyOption,
			TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.DeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccessArgs{
				Action:                       pulumi.String("TERMINATE"),
				TerminationWaitTimeInMinutes: pulumi.Int(*args.TerminationWaitMinutes),
			},
		},
		EcsService: &codedeploy.DeploymentGroupEcsServiceArgs{
			ClusterName: args.ClusterName,
			ServiceName: args.ServiceName,
		},
		LoadBalancerInfo: &codedeploy.DeploymentGroupLoadBalancerInfoArgs{
			TargetGroupPairInfo: &codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoArgs{
				ProdTrafficRoute: &codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRouteArgs{
					ListenerArns: pulumi.StringArray{args.ProdListenerArn},
				},
				TestTrafficRoute: &codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRouteArgs{
					ListenerArns: pulumi.StringArray{args.TestListenerArn},
				},
				TargetGroups: codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArray{
					&codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs{Name: args.BlueTargetGroupName},
					&codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs{Name: args.GreenTargetGroupName},
				},
			},
		},
		AutoRollbackConfiguration: &codedeploy.DeploymentGroupAutoRollbackConfigurationArgs{
			Enabled: pulumi.Bool(!args.DisableAutoRollback),
			Events:  pulumi.ToStringArray([]string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"}),
		},
		Tags: tags,
	}
	if len(alarmNames) > 0 {
		dg.AlarmConfiguration = &codedeploy.DeploymentGroupAlarmConfigurationArgs{
			Enabled: pulumi.Bool(true),
			Alarms:  alarmNames,
		}
	}
	if args.NotificationTopicArn != nil {
		dg.TriggerConfigurations = codedeploy.DeploymentGroupTriggerConfigurationArray{
			&codedeploy.DeploymentGroupTriggerConfigurationArgs{
				TriggerName:      pulumi.String("deployment-events"),
				TriggerTargetArn: args.NotificationTopicArn,
				TriggerEvents: pulumi.ToStringArray([]string{
					"DeploymentStart", "DeploymentSuccess", "DeploymentFailure",
					"DeploymentStop", "DeploymentRollback", "DeploymentReady",
				}),
			},
		}
	}
	c.DeploymentGroup, err = codedeploy.NewDeploymentGroup(ctx, name, dg, parent, pulumi.DependsOn(roleReady))
	if err != nil {
		return nil, wrap("deployment group", err)
	}
	c.DeploymentGroupName = c.DeploymentGroup.DeploymentGroupName

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"applicationName":      c.ApplicationName,
		"deploymentGroupName":  c.DeploymentGroupName,
		"deploymentConfigName": c.DeploymentConfigName,
		"serviceRoleArn":       c.ServiceRoleArn,
		"alarmNames":           c.AlarmNames,
	}); err != nil {
		return nil, wrap("register outputs", err)
	}
	return c, nil
}
