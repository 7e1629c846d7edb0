package components

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BlueGreenServiceArgs configures [NewBlueGreenService]. The composite fills in the wiring
// between its parts (VPC, subnets, security groups, target groups, listeners, names); the fields
// of LoadBalancer, Service and CodeDeploy that carry such wiring must be left empty.
type BlueGreenServiceArgs struct {
	// VpcID of everything. Required.
	VpcID pulumi.StringInput
	// LoadBalancerSubnetIDs host the ALB: public subnets, or private ones for an internal ALB.
	// Required.
	LoadBalancerSubnetIDs pulumi.StringArrayInput
	// TaskSubnetIDs host the tasks: private subnets with a route to the internet or VPC
	// endpoints. Required.
	TaskSubnetIDs pulumi.StringArrayInput

	// LoadBalancer options; leave VpcID, SubnetIDs and TargetPort empty (TargetPort is the
	// service's ContainerPort).
	LoadBalancer LoadBalancerArgs
	// Service options; leave VpcID, SubnetIDs, LoadBalancerSecurityGroupID and TargetGroupArn
	// empty.
	Service FargateServiceArgs
	// CodeDeploy options; leave the cluster, service, target group, listener and ARN-suffix
	// fields empty.
	CodeDeploy CodeDeployArgs
	// Registry, when not nil, adds an ECR repository for the service's images. Default nil.
	Registry *ImageRegistryArgs

	// Protect protects every resource of the service in Pulumi, so a `pulumi destroy` deletes
	// nothing (rather than the unprotected half, such as security-group rules) until it is
	// turned off, and turns on the ALB's deletion protection. Default false.
	Protect bool
	// Tags added to every taggable child.
	Tags map[string]string
}

// BlueGreenService is an ECS Fargate service behind an ALB, released blue/green by CodeDeploy.
// Its output fields are everything the release step and callers need.
type BlueGreenService struct {
	pulumi.ResourceState

	LoadBalancer *LoadBalancer
	Service      *FargateService
	CodeDeploy   *CodeDeploy
	// Registry is nil unless Args.Registry was given.
	Registry *ImageRegistry

	AlbDNSName                pulumi.StringOutput
	ProdURL                   pulumi.StringOutput
	TestURL                   pulumi.StringOutput
	ClusterName               pulumi.StringOutput
	ServiceName               pulumi.StringOutput
	TaskDefinitionArn         pulumi.StringOutput
	ContainerName             pulumi.StringOutput
	ContainerPort             pulumi.IntOutput
	CodeDeployApplication     pulumi.StringOutput
	CodeDeployDeploymentGroup pulumi.StringOutput
	DeploymentConfigName      pulumi.StringOutput
	ProdListenerArn           pulumi.StringOutput
	TestListenerArn           pulumi.StringOutput
	BlueTargetGroupName       pulumi.StringOutput
	GreenTargetGroupName      pulumi.StringOutput
	SubnetIDs                 pulumi.StringArrayOutput
	TaskSecurityGroupIDs      pulumi.StringArrayOutput
	PlatformVersion           pulumi.StringOutput
	AssignPublicIP            pulumi.BoolOutput
	// LifecycleHooks maps hook events to Lambda functions, as the AppSpec must name them.
	LifecycleHooks pulumi.StringMapOutput
	// RepositoryURL is empty without a registry.
	RepositoryURL pulumi.StringOutput
}

// wiring carries the values that connect the parts; each exists only once the part that
// produces it is registered.
type wiring struct {
	lbSecurityGroup, blueTargetGroupArn             pulumi.StringInput
	clusterName, serviceName                        pulumi.StringInput
	blueName, greenName, prodListener, testListener pulumi.StringInput
	lbArnSuffix, blueArnSuffix, greenArnSuffix      pulumi.StringInput
}

// placeholders stands in for every wired value, so that every part's Args can be validated
// before anything is registered.
func placeholders() wiring {
	p := pulumi.String("")
	return wiring{p, p, p, p, p, p, p, p, p, p, p}
}

// Validate reports every invalid field of the composite and its parts at once as a
// *ValidationError whose field paths start with the part ("Service.MemoryMiB").
func (a BlueGreenServiceArgs) Validate(name string) error {
	p := newProblems("BlueGreenServiceArgs for " + strconv.Quote(name))
	checkComponentName(p, name)
	p.required(
		field{"VpcID", a.VpcID == nil},
		field{"LoadBalancerSubnetIDs", a.LoadBalancerSubnetIDs == nil},
		field{"TaskSubnetIDs", a.TaskSubnetIDs == nil},
	)
	set := func(field string, isSet bool) {
		if isSet {
			p.add(field, "is wired by BlueGreenService; leave it empty")
		}
	}
	set("LoadBalancer.VpcID", a.LoadBalancer.VpcID != nil)
	set("LoadBalancer.SubnetIDs", a.LoadBalancer.SubnetIDs != nil)
	set("LoadBalancer.TargetPort", a.LoadBalancer.TargetPort != 0)
	set("Service.VpcID", a.Service.VpcID != nil)
	set("Service.SubnetIDs", a.Service.SubnetIDs != nil)
	set("Service.LoadBalancerSecurityGroupID", a.Service.LoadBalancerSecurityGroupID != nil)
	set("Service.TargetGroupArn", a.Service.TargetGroupArn != nil)
	cd := a.CodeDeploy
	set("CodeDeploy.ClusterName", cd.ClusterName != nil)
	set("CodeDeploy.ServiceName", cd.ServiceName != nil)
	set("CodeDeploy.BlueTargetGroupName", cd.BlueTargetGroupName != nil)
	set("CodeDeploy.GreenTargetGroupName", cd.GreenTargetGroupName != nil)
	set("CodeDeploy.ProdListenerArn", cd.ProdListenerArn != nil)
	set("CodeDeploy.TestListenerArn", cd.TestListenerArn != nil)
	set("CodeDeploy.LoadBalancerArnSuffix", cd.LoadBalancerArnSuffix != nil)
	// Validate every part now, with stand-ins for the wiring, so that all problems surface at
	// once and before anything is registered.
	lbArgs, svcArgs, cdArgs := a.wire(placeholders())
	p.merge("LoadBalancer", lbArgs.Validate(name))
	p.merge("Service", svcArgs.Validate(name))
	p.merge("CodeDeploy", cdArgs.Validate(name))
	if a.Registry != nil {
		p.merge("Registry", a.Registry.Validate(name))
	}
	return p.err()
}

// wire returns the parts' Args with the composite's wiring filled in.
func (a BlueGreenServiceArgs) wire(w wiring) (LoadBalancerArgs, FargateServiceArgs, CodeDeployArgs) {
	lbArgs := a.LoadBalancer
	lbArgs.VpcID = a.VpcID
	lbArgs.SubnetIDs = a.LoadBalancerSubnetIDs
	lbArgs.TargetPort = a.Service.ContainerPort
	lbArgs.DeletionProtection = lbArgs.DeletionProtection || a.Protect
	lbArgs.Tags = mergeTags(a.Tags, lbArgs.Tags)

	svcArgs := a.Service
	svcArgs.VpcID = a.VpcID
	svcArgs.SubnetIDs = a.TaskSubnetIDs
	svcArgs.LoadBalancerSecurityGroupID = w.lbSecurityGroup
	svcArgs.TargetGroupArn = w.blueTargetGroupArn
	svcArgs.Protect = svcArgs.Protect || a.Protect
	svcArgs.Tags = mergeTags(a.Tags, svcArgs.Tags)

	cdArgs := a.CodeDeploy
	cdArgs.ClusterName = w.clusterName
	cdArgs.ServiceName = w.serviceName
	cdArgs.BlueTargetGroupName = w.blueName
	cdArgs.GreenTargetGroupName = w.greenName
	cdArgs.ProdListenerArn = w.prodListener
	cdArgs.TestListenerArn = w.testListener
	cdArgs.LoadBalancerArnSuffix = w.lbArnSuffix
	cdArgs.BlueTargetGroupArnSuffix = w.blueArnSuffix
	cdArgs.GreenTargetGroupArnSuffix = w.greenArnSuffix
	cdArgs.Protect = cdArgs.Protect || a.Protect
	cdArgs.Tags = mergeTags(a.Tags, cdArgs.Tags)
	return lbArgs, svcArgs, cdArgs
}

// NewBlueGreenService registers a complete blue/green ECS Fargate service: load balancer, service,
// CodeDeploy and optionally an image registry, children named "<name>-…" and parented to it.
func NewBlueGreenService(ctx *pulumi.Context, name string, args BlueGreenServiceArgs, opts ...pulumi.ResourceOption) (*BlueGreenService, error) {
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	c := &BlueGreenService{}
	if err := ctx.RegisterComponentResource(typePrefix+"BlueGreenService", name, c, opts...); err != nil {
		return nil, fmt.Errorf("register blue/green service %q: %w", name, err)
	}
	parent := pulumi.Parent(c)

	c.RepositoryURL = pulumi.String("").ToStringOutput()
	if args.Registry != nil {
		reg := *args.Registry
		reg.Protect = reg.Protect || args.Protect
		reg.Tags = mergeTags(args.Tags, reg.Tags)
		registry, err := NewImageRegistry(ctx, name, reg, parent)
		if err != nil {
			return nil, err
		}
		c.Registry = registry
		c.RepositoryURL = registry.RepositoryURL
	}

	var w wiring
	lbArgs, _, _ := args.wire(w)
	loadBalancer, err := NewLoadBalancer(ctx, name, lbArgs, parent)
	if err != nil {
		return nil, err
	}
	c.LoadBalancer = loadBalancer

	w.lbSecurityGroup, w.blueTargetGroupArn = loadBalancer.SecurityGroupID, loadBalancer.BlueTargetGroupArn
	w.blueName, w.greenName = loadBalancer.BlueTargetGroupName, loadBalancer.GreenTargetGroupName
	w.prodListener, w.testListener = loadBalancer.ProdListenerArn, loadBalancer.TestListenerArn
	w.lbArnSuffix = loadBalancer.ArnSuffix
	w.blueArnSuffix, w.greenArnSuffix = loadBalancer.BlueTargetGroupSuffix, loadBalancer.GreenTargetGroupSuffix
	_, svcArgs, _ := args.wire(w)
	service, err := NewFargateService(ctx, name, svcArgs, parent)
	if err != nil {
		return nil, err
	}
	c.Service = service

	w.clusterName, w.serviceName = service.ClusterName, service.ServiceName
	_, _, cdArgs := args.wire(w)
	deploy, err := NewCodeDeploy(ctx, name, cdArgs, parent)
	if err != nil {
		return nil, err
	}
	c.CodeDeploy = deploy

	hooks := pulumi.StringMap{}
	for ev, fn := range args.CodeDeploy.LifecycleHooks {
		hooks[ev] = pulumi.String(fn)
	}
	c.AlbDNSName = loadBalancer.DNSName
	c.ProdURL = loadBalancer.ProdURL
	c.TestURL = loadBalancer.TestURL
	c.ClusterName = service.ClusterName
	c.ServiceName = service.ServiceName
	c.TaskDefinitionArn = service.TaskDefinitionArn
	c.ContainerName = pulumi.String(service.ContainerName).ToStringOutput()
	c.ContainerPort = pulumi.Int(service.ContainerPort).ToIntOutput()
	c.CodeDeployApplication = deploy.ApplicationName
	c.CodeDeployDeploymentGroup = deploy.DeploymentGroupName
	c.DeploymentConfigName = deploy.DeploymentConfigName
	c.ProdListenerArn = loadBalancer.ProdListenerArn
	c.TestListenerArn = loadBalancer.TestListenerArn
	c.BlueTargetGroupName = loadBalancer.BlueTargetGroupName
	c.GreenTargetGroupName = loadBalancer.GreenTargetGroupName
	c.SubnetIDs = args.TaskSubnetIDs.ToStringArrayOutput()
	c.TaskSecurityGroupIDs = pulumi.StringArray{service.SecurityGroupID}.ToStringArrayOutput()
	c.PlatformVersion = pulumi.String(service.PlatformVersion).ToStringOutput()
	c.AssignPublicIP = pulumi.Bool(service.AssignPublicIP).ToBoolOutput()
	c.LifecycleHooks = hooks.ToStringMapOutput()

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"albDnsName":                c.AlbDNSName,
		"prodUrl":                   c.ProdURL,
		"testUrl":                   c.TestURL,
		"clusterName":               c.ClusterName,
		"serviceName":               c.ServiceName,
		"taskDefinitionArn":         c.TaskDefinitionArn,
		"codeDeployApplication":     c.CodeDeployApplication,
		"codeDeployDeploymentGroup": c.CodeDeployDeploymentGroup,
		"repositoryUrl":             c.RepositoryURL,
	}); err != nil {
		return nil, fmt.Errorf("blue/green service %q: register outputs: %w", name, err)
	}
	return c, nil
}

// mergeTags returns base overlaid with extra; nil when both are empty.
func mergeTags(base, extra map[string]string) map[string]string {
	if len(base) == 0 && len(extra) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
