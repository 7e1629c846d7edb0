package testprovider

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumiprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// VpcType is the awsx component the double constructs.
const VpcType = "awsx:ec2:Vpc"

// DefaultAvailabilityZones is how many zones the double's awsx:ec2:Vpc spans when neither
// numberOfAvailabilityZones nor availabilityZoneNames is given (awsx's documented default).
const DefaultAvailabilityZones = 3

// Construct builds awsx components (awsx plugin only).
func (s *Server) Construct(ctx context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	if err := s.record("Construct", "", req.GetType(), req.GetDryRun()); err != nil {
		return nil, err
	}
	if s.cfg.Package != "awsx" {
		return nil, fmt.Errorf("testprovider: the %s double has no components (asked for %s)", s.cfg.Package, req.GetType())
	}
	if req.GetType() != VpcType {
		return nil, fmt.Errorf("testprovider: component %q is not implemented by the test double", req.GetType())
	}
	if s.cfg.EngineConn == nil {
		return nil, errors.New("testprovider: Construct needs the engine connection (plugin not started by the engine)")
	}
	return pulumiprovider.Construct(ctx, req, s.cfg.EngineConn, constructVpc)
}

// vpcArgs are the awsx:ec2:Vpc inputs the double honours; the rest are accepted and ignored.
type vpcArgs struct {
	CidrBlock                 *string  `pulumi:"cidrBlock"`
	NumberOfAvailabilityZones *int     `pulumi:"numberOfAvailabilityZones"`
	AvailabilityZoneNames     []string `pulumi:"availabilityZoneNames"`
}

// vpcComponent is the double's awsx:ec2:Vpc.
type vpcComponent struct {
	pulumi.ResourceState

	VpcID             pulumi.StringOutput      `pulumi:"vpcId"`
	PublicSubnetIDs   pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs  pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	IsolatedSubnetIDs pulumi.StringArrayOutput `pulumi:"isolatedSubnetIds"`
}

// awsResource is a child registered by type token, without the aws SDK.
type awsResource struct {
	pulumi.CustomResourceState
}

// subnetPlan is one subnet of the layout.
type subnetPlan struct {
	name, zone, cidr string
	public           bool
}

// planSubnets lays out, per zone i, a private /20 at third octet 16*i and a public /22 at
// 128+4*i of a VPC CIDR of /16 or larger.
func planSubnets(name, cidr string, zones []string) ([]subnetPlan, error) {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("vpc cidrBlock: %w", err)
	}
	ip := ipnet.IP.To4()
	if ones, _ := ipnet.Mask.Size(); ip == nil || ones > 16 {
		return nil, fmt.Errorf("vpc cidrBlock %s: the test double needs an IPv4 /16 or larger", cidr)
	}
	if len(zones) == 0 || len(zones) > 8 {
		return nil, fmt.Errorf("vpc: %d availability zones; the test double supports 1 to 8", len(zones))
	}
	var plans []subnetPlan
	for i, zone := range zones {
		plans = append(plans,
			subnetPlan{name: fmt.Sprintf("%s-private-%d", name, i+1), zone: zone, public: false,
				cidr: fmt.Sprintf("%d.%d.%d.0/20", ip[0], ip[1], 16*i)},
			subnetPlan{name: fmt.Sprintf("%s-public-%d", name, i+1), zone: zone, public: true,
				cidr: fmt.Sprintf("%d.%d.%d.0/22", ip[0], ip[1], 128+4*i)},
		)
	}
	return plans, nil
}

func vpcZones(args vpcArgs, region string) ([]string, error) {
	if len(args.AvailabilityZoneNames) > 0 {
		return args.AvailabilityZoneNames, nil
	}
	n := DefaultAvailabilityZones
	if args.NumberOfAvailabilityZones != nil {
		n = *args.NumberOfAvailabilityZones
	}
	if n < 1 || n > 8 {
		return nil, fmt.Errorf("vpc numberOfAvailabilityZones %d: the test double supports 1 to 8", n)
	}
	zones := make([]string, n)
	for i := range zones {
		zones[i] = region + string(rune('a'+i))
	}
	return zones, nil
}

func constructVpc(ctx *pulumi.Context, typ, name string, inputs pulumiprovider.ConstructInputs,
	options pulumi.ResourceOption,
) (*pulumiprovider.ConstructResult, error) {
	var args vpcArgs
	if err := inputs.CopyTo(&args); err != nil {
		return nil, fmt.Errorf("vpc %s: reading inputs: %w", name, err)
	}
	region, ok := ctx.GetConfig("aws:region")
	if !ok || region == "" {
		region = DefaultRegion
	}
	cidr := "10.0.0.0/16"
	if args.CidrBlock != nil {
		cidr = *args.CidrBlock
	}
	zones, err := vpcZones(args, region)
	if err != nil {
		return nil, fmt.Errorf("vpc %s: %w", name, err)
	}
	plans, err := planSubnets(name, cidr, zones)
	if err != nil {
		return nil, fmt.Errorf("vpc %s: %w", name, err)
	}

	comp := &vpcComponent{}
	if err := ctx.RegisterComponentResource(typ, name, comp, options); err != nil {
		return nil, fmt.Errorf("vpc %s: registering component: %w", name, err)
	}
	child := []pulumi.ResourceOption{pulumi.Parent(comp), pulumi.Version(AWSVersion)}

	var vpc awsResource
	if err := ctx.RegisterResource("aws:ec2/vpc:Vpc", name, pulumi.Map{
		"cidrBlock":          pulumi.String(cidr),
		"enableDnsHostnames": pulumi.Bool(true),
		"enableDnsSupport":   pulumi.Bool(true),
		"tags":               pulumi.StringMap{"Name": pulumi.String(name)},
	}, &vpc, child...); err != nil {
		return nil, fmt.Errorf("vpc %s: registering vpc: %w", name, err)
	}

	var public, private pulumi.StringArray
	for _, p := range plans {
		var subnet awsResource
		if err := ctx.RegisterResource("aws:ec2/subnet:Subnet", p.name, pulumi.Map{
			"vpcId":               vpc.ID(),
			"cidrBlock":           pulumi.String(p.cidr),
			"availabilityZone":    pulumi.String(p.zone),
			"mapPublicIpOnLaunch": pulumi.Bool(p.public),
			"tags":                pulumi.StringMap{"Name": pulumi.String(p.name)},
		}, &subnet, child...); err != nil {
			return nil, fmt.Errorf("vpc %s: registering subnet %s: %w", name, p.name, err)
		}
		if p.public {
			public = append(public, subnet.ID().ToStringOutput())
		} else {
			private = append(private, subnet.ID().ToStringOutput())
		}
	}

	comp.VpcID = vpc.ID().ToStringOutput()
	comp.PublicSubnetIDs = public.ToStringArrayOutput()
	comp.PrivateSubnetIDs = private.ToStringArrayOutput()
	comp.IsolatedSubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"vpcId":             comp.VpcID,
		"publicSubnetIds":   comp.PublicSubnetIDs,
		"privateSubnetIds":  comp.PrivateSubnetIDs,
		"isolatedSubnetIds": comp.IsolatedSubnetIDs,
	}); err != nil {
		return nil, fmt.Errorf("vpc %s: registering outputs: %w", name, err)
	}
	return pulumiprovider.NewConstructResult(comp)
}
