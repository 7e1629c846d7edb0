package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// DefaultTLSPolicy is the ALB security policy used for HTTPS listeners unless Args say otherwise:
// TLS 1.3 with TLS 1.2 fallback.
const DefaultTLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// HealthCheck configures the target groups' health check. Zero fields take the defaults, which
// are chosen so that a new task set becomes healthy in about 20 seconds (the AWS defaults take
// 2.5 minutes).
type HealthCheck struct {
	// Path requested on each target. Default "/".
	Path string
	// Matcher is the HTTP codes that count as healthy, e.g. "200" or "200-399". Default "200-399".
	Matcher string
	// IntervalSeconds between checks, 5–300. Default 10.
	IntervalSeconds int
	// TimeoutSeconds per check, 2–120 and less than IntervalSeconds. Default 5.
	TimeoutSeconds int
	// HealthyThreshold consecutive successes, 2–10. Default 2.
	HealthyThreshold int
	// UnhealthyThreshold consecutive failures, 2–10. Default 3.
	UnhealthyThreshold int
}

func (h HealthCheck) withDefaults() HealthCheck {
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Matcher == "" {
		h.Matcher = "200-399"
	}
	if h.IntervalSeconds == 0 {
		h.IntervalSeconds = 10
	}
	if h.TimeoutSeconds == 0 {
		h.TimeoutSeconds = 5
	}
	if h.HealthyThreshold == 0 {
		h.HealthyThreshold = 2
	}
	if h.UnhealthyThreshold == 0 {
		h.UnhealthyThreshold = 3
	}
	return h
}

func (h HealthCheck) validate(p *problems, field string) {
	if !strings.HasPrefix(h.Path, "/") || len(h.Path) > 1024 {
		p.addf(field+".Path", "%q must start with \"/\" and be at most 1024 characters", h.Path)
	}
	if !validMatcher(h.Matcher) {
		p.addf(field+".Matcher", "%q must be HTTP codes 200–499 as \"200\", \"200,204\" or \"200-399\"", h.Matcher)
	}
	if h.IntervalSeconds < 5 || h.IntervalSeconds > 300 {
		p.addf(field+".IntervalSeconds", "%d is outside 5–300", h.IntervalSeconds)
	}
	if h.TimeoutSeconds < 2 || h.TimeoutSeconds > 120 {
		p.addf(field+".TimeoutSeconds", "%d is outside 2–120", h.TimeoutSeconds)
	} else if h.TimeoutSeconds >= h.IntervalSeconds {
		p.addf(field+".TimeoutSeconds", "%d must be less than IntervalSeconds (%d)", h.TimeoutSeconds, h.IntervalSeconds)
	}
	if h.HealthyThreshold < 2 || h.HealthyThreshold > 10 {
		p.addf(field+".HealthyThreshold", "%d is outside 2–10", h.HealthyThreshold)
	}
	if h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10 {
		p.addf(field+".UnhealthyThreshold", "%d is outside 2–10", h.UnhealthyThreshold)
	}
}

// validMatcher accepts what an ALB target group accepts: codes 200–499, listed or as one range.
func validMatcher(m string) bool {
	if m == "" {
		return false
	}
	code := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 200 && n <= 499
	}
	if lo, hi, ok := strings.Cut(m, "-"); ok {
		a, okA := code(lo)
		b, okB := code(hi)
		return okA && okB && a <= b
	}
	for _, part := range strings.Split(m, ",") {
		if _, ok := code(part); !ok {
			return false
		}
	}
	return true
}

// LoadBalancerArgs configures [NewLoadBalancer].
type LoadBalancerArgs struct {
	// VpcID is the VPC of the load balancer and its target groups. Required.
	VpcID pulumi.StringInput
	// SubnetIDs the ALB is placed in: public subnets for an internet-facing ALB, private ones for
	// an internal ALB. At least two, in different availability zones. Required.
	SubnetIDs pulumi.StringArrayInput
	// Internal makes the ALB internal (reachable only inside the VPC). Default false
	// (internet-facing).
	Internal bool
	// TargetPort is the container port the target groups send traffic to. Required.
	TargetPort int

	// HTTPS serves the production and test listeners over TLS with CertificateArn. Default false.
	HTTPS bool
	// CertificateArn is the ACM certificate of the HTTPS listeners. Required with HTTPS.
	CertificateArn pulumi.StringInput
	// TLSPolicy is the ALB security policy of HTTPS listeners. Default [DefaultTLSPolicy].
	TLSPolicy string
	// DomainName is the DNS name clients use for the ALB (the certificate's name with HTTPS);
	// ProdURL and TestURL are built on it. Default: the ALB's own DNS name.
	DomainName string
	// DisableHTTPRedirect, with HTTPS, omits the port-80 listener that redirects HTTP to HTTPS.
	// Default false (the redirect exists).
	DisableHTTPRedirect bool

	// ProdPort is the production listener's port. Default 80, or 443 with HTTPS.
	ProdPort int
	// TestPort is the test listener's port, used by CodeDeploy to route test traffic to the
	// replacement task set before the swap. 1024–65535, different from ProdPort. Default 8080, or
	// 8443 with HTTPS.
	TestPort int
	// ProdIngressCIDRs may reach the production listener (and the HTTP redirect). Default
	// ["0.0.0.0/0"] for an internet-facing ALB; required for an internal one.
	ProdIngressCIDRs []string
	// TestIngressCIDRs may reach the test listener. Default none: the listener exists for
	// CodeDeploy but nobody can reach it until CIDRs are given. 0.0.0.0/0 (or ::/0) is refused
	// unless AllowPublicTestListener is set.
	TestIngressCIDRs []string
	// AllowPublicTestListener permits an internet-wide TestIngressCIDRs entry. Default false.
	AllowPublicTestListener bool

	// HealthCheck of both target groups. Zero fields take fast defaults (see [HealthCheck]).
	HealthCheck HealthCheck
	// DeregistrationDelaySeconds a draining target keeps its connections, 0–3600. Nil means 30
	// (the AWS default of 300 slows every cutover and rollback by five minutes).
	DeregistrationDelaySeconds *int
	// IdleTimeoutSeconds of the ALB, 1–4000. Default 60.
	IdleTimeoutSeconds int
	// DeletionProtection turns on the ALB's deletion protection and protects every child in
	// Pulumi, so `pulumi destroy` deletes nothing until it is turned off. Default false.
	DeletionProtection bool
	// DropInvalidHeaderFields makes the ALB drop HTTP headers with invalid names. Default false.
	DropInvalidHeaderFields bool
	// Tags added to every taggable child.
	Tags map[string]string
}

// LoadBalancer is an application load balancer prepared for CodeDeploy blue/green releases.
// Which target group serves production changes with every release: read it from the listener or
// the deployment, never assume it is Blue.
type LoadBalancer struct {
	pulumi.ResourceState

	LoadBalancer  *lb.LoadBalancer
	SecurityGroup *ec2.SecurityGroup
	ProdListener  *lb.Listener
	TestListener  *lb.Listener
	// RedirectListener is the HTTP→HTTPS redirect; nil without HTTPS or with DisableHTTPRedirect.
	RedirectListener *lb.Listener
	Blue             *lb.TargetGroup
	Green            *lb.TargetGroup

	DNSName                pulumi.StringOutput
	ArnSuffix              pulumi.StringOutput
	SecurityGroupID        pulumi.StringOutput
	ProdListenerArn        pulumi.StringOutput
	TestListenerArn        pulumi.StringOutput
	BlueTargetGroupName    pulumi.StringOutput
	GreenTargetGroupName   pulumi.StringOutput
	BlueTargetGroupArn     pulumi.StringOutput
	GreenTargetGroupArn    pulumi.StringOutput
	BlueTargetGroupSuffix  pulumi.StringOutput
	GreenTargetGroupSuffix pulumi.StringOutput
	// ProdURL and TestURL are the listeners' base URLs, e.g. "https://<dns>:8443".
	ProdURL pulumi.StringOutput
	TestURL pulumi.StringOutput
}

// withDefaults returns a copy of args with every documented default applied.
func (a LoadBalancerArgs) withDefaults() LoadBalancerArgs {
	if a.TLSPolicy == "" {
		a.TLSPolicy = DefaultTLSPolicy
	}
	if a.ProdPort == 0 {
		a.ProdPort = 80
		if a.HTTPS {
			a.ProdPort = 443
		}
	}
	if a.TestPort == 0 {
		a.TestPort = 8080
		if a.HTTPS {
			a.TestPort = 8443
		}
	}
	if a.ProdIngressCIDRs == nil && !a.Internal {
		a.ProdIngressCIDRs = []string{"0.0.0.0/0"}
	}
	a.HealthCheck = a.HealthCheck.withDefaults()
	if a.DeregistrationDelaySeconds == nil {
		d := 30
		a.DeregistrationDelaySeconds = &d
	}
	if a.IdleTimeoutSeconds == 0 {
		a.IdleTimeoutSeconds = 60
	}
	return a
}

// Validate applies the documented defaults and reports every invalid field at once as a
// *ValidationError; the constructor calls it before registering anything.
func (a LoadBalancerArgs) Validate(name string) error {
	a = a.withDefaults()
	p := newProblems("LoadBalancerArgs for " + strconv.Quote(name))
	checkComponentName(p, name)
	p.required(field{"VpcID", a.VpcID == nil}, field{"SubnetIDs", a.SubnetIDs == nil})
	checkPort(p, "TargetPort", a.TargetPort, 1)
	if a.HTTPS && a.CertificateArn == nil {
		p.add("CertificateArn", "is required when HTTPS is set")
	}
	if !a.HTTPS && a.CertificateArn != nil {
		p.add("CertificateArn", "is set but HTTPS is not; set HTTPS to serve TLS")
	}
	if a.DomainName != "" && !domainPattern.MatchString(a.DomainName) {
		p.addf("DomainName", "%q is not a DNS name such as shop.example.com", a.DomainName)
	}
	if a.HTTPS && !strings.HasPrefix(a.TLSPolicy, "ELBSecurityPolicy-") {
		p.addf("TLSPolicy", "%q is not an ELB security policy name (ELBSecurityPolicy-...)", a.TLSPolicy)
	}
	checkPort(p, "ProdPort", a.ProdPort, 1)
	checkPort(p, "TestPort", a.TestPort, 1024)
	if a.TestPort == a.ProdPort {
		p.addf("TestPort", "%d must differ from ProdPort", a.TestPort)
	}
	if a.HTTPS && !a.DisableHTTPRedirect && (a.ProdPort == 80 || a.TestPort == 80) {
		p.add("ProdPort", "port 80 is taken by the HTTP→HTTPS redirect; set DisableHTTPRedirect or another port")
	}
	if a.Internal && len(a.ProdIngressCIDRs) == 0 {
		p.add("ProdIngressCIDRs", "is required for an internal load balancer (for example the VPC CIDR)")
	}
	checkCIDRs(p, "ProdIngressCIDRs", a.ProdIngressCIDRs, true)
	checkCIDRs(p, "TestIngressCIDRs", a.TestIngressCIDRs, a.AllowPublicTestListener)
	a.HealthCheck.validate(p, "HealthCheck")
	if d := *a.DeregistrationDelaySeconds; d < 0 || d > 3600 {
		p.addf("DeregistrationDelaySeconds", "%d is outside 0–3600", d)
	}
	if a.IdleTimeoutSeconds < 1 || a.IdleTimeoutSeconds > 4000 {
		p.addf("IdleTimeoutSeconds", "%d is outside 1–4000", a.IdleTimeoutSeconds)
	}
	return p.err()
}

func checkPort(p *problems, field string, port, min int) {
	if port < min || port > 65535 {
		p.addf(field, "%d is outside %d–65535", port, min)
	}
}

// checkCIDRs validates CIDR blocks; with allowWorld false, blocks open to the whole internet are
// refused.
func checkCIDRs(p *problems, field string, cidrs []string, allowWorld bool) {
	for i, c := range cidrs {
		prefix, err := netip.ParsePrefix(c)
		if err != nil {
			p.addf(fmt.Sprintf("%s[%d]", field, i), "%q is not a CIDR block such as 10.0.0.0/16", c)
			continue
		}
		if prefix.Masked() != prefix {
			p.addf(fmt.Sprintf("%s[%d]", field, i), "%q has host bits set; write %s", c, prefix.Masked())
		}
		if prefix.Bits() == 0 && !allowWorld {
			p.addf(fmt.Sprintf("%s[%d]", field, i), "%q opens the test listener to the internet; give internal CIDRs or set AllowPublicTestListener", c)
		}
	}
}

// NewLoadBalancer registers an ALB with a production listener, a test listener, and the blue and
// green target groups that CodeDeploy swaps between them. Both listeners start forwarding to Blue;
// after that CodeDeploy owns their default actions, which Pulumi therefore ignores.
func NewLoadBalancer(ctx *pulumi.Context, name string, args LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	args = args.withDefaults()
	c := &LoadBalancer{}
	if err := ctx.RegisterComponentResource(typePrefix+"LoadBalancer", name, c, opts...); err != nil {
		return nil, fmt.Errorf("register load balancer %q: %w", name, err)
	}
	// Every child is parented to the component and protected with it.
	parent := pulumi.Composite(pulumi.Parent(c), pulumi.Protect(args.DeletionProtection))
	tags := tagMap(args.Tags, name)

	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		Name:        pulumi.String(physicalName(name, "alb", 255)),
		Description: pulumi.String("ALB of " + name + " (production and test listeners)"),
		VpcId:       args.VpcID,
		Tags:        tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("load balancer %q: security group: %w", name, err)
	}
	c.SecurityGroup = sg

	ingress := func(listener string, port int, cidrs []string) error {
		for _, cidr := range cidrs {
			ruleName := fmt.Sprintf("%s-%s-%s", name, listener, cidrSlug(cidr))
			_, err := vpc.NewSecurityGroupIngressRule(ctx, ruleName, &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: sg.ID(),
				Description:     pulumi.String(fmt.Sprintf("%s listener from %s", listener, cidr)),
				IpProtocol:      pulumi.String("tcp"),
				FromPort:        pulumi.Int(port),
				ToPort:          pulumi.Int(port),
				CidrIpv4:        cidrV4(cidr),
				CidrIpv6:        cidrV6(cidr),
				Tags:            tags,
			}, parent)
			if err != nil {
				return fmt.Errorf("load balancer %q: ingress rule %s: %w", name, ruleName, err)
			}
		}
		return nil
	}
	if err := ingress("prod", args.ProdPort, args.ProdIngressCIDRs); err != nil {
		return nil, err
	}
	if err := ingress("test", args.TestPort, args.TestIngressCIDRs); err != nil {
		return nil, err
	}
	redirect := args.HTTPS && !args.DisableHTTPRedirect
	if redirect {
		if err := ingress("redirect", 80, args.ProdIngressCIDRs); err != nil {
			return nil, err
		}
	}

	alb, err := lb.NewLoadBalancer(ctx, name, &lb.LoadBalancerArgs{
		Name:                     pulumi.String(physicalName(name, "", maxLoadBalancerName)),
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(args.Internal),
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		Subnets:                  args.SubnetIDs,
		IdleTimeout:              pulumi.Int(args.IdleTimeoutSeconds),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		DropInvalidHeaderFields:  pulumi.Bool(args.DropInvalidHeaderFields),
		Tags:                     tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("load balancer %q: alb: %w", name, err)
	}
	c.LoadBalancer = alb

	hc := args.HealthCheck
	targetGroup := func(color string) (*lb.TargetGroup, error) {
		tg, err := lb.NewTargetGroup(ctx, name+"-"+color, &lb.TargetGroupArgs{
			Name:                pulumi.String(physicalName(name, color, maxTargetGroupName)),
			VpcId:               args.VpcID,
			TargetType:          pulumi.String("ip"),
			Protocol:            pulumi.String("HTTP"),
			Port:                pulumi.Int(args.TargetPort),
			DeregistrationDelay: pulumi.Int(*args.DeregistrationDelaySeconds),
			HealthCheck: &lb.TargetGroupHealthCheckArgs{
				Enabled:            pulumi.Bool(true),
				Protocol:           pulumi.String("HTTP"),
				Path:               pulumi.String(hc.Path),
				Matcher:            pulumi.String(hc.Matcher),
				Interval:           pulumi.Int(hc.IntervalSeconds),
				Timeout:            pulumi.Int(hc.TimeoutSeconds),
				HealthyThreshold:   pulumi.Int(hc.HealthyThreshold),
				UnhealthyThreshold: pulumi.Int(hc.UnhealthyThreshold),
			},
			Tags: tags,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("load balancer %q: %s target group: %w", name, color, err)
		}
		return tg, nil
	}
	if c.Blue, err = targetGroup("blue"); err != nil {
		return nil, err
	}
	if c.Green, err = targetGroup("green"); err != nil {
		return nil, err
	}

	protocol := "HTTP"
	scheme := "http"
	if args.HTTPS {
		protocol, scheme = "HTTPS", "https"
	}
	// CodeDeploy rewrites both listeners' default actions on every release.
	ownedByCodeDeploy := pulumi.IgnoreChanges([]string{"defaultActions"})
	listener := func(kind string, port int) (*lb.Listener, error) {
		la := &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(port),
			Protocol:        pulumi.String(protocol),
			DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: c.Blue.Arn,
			}},
			Tags: tags,
		}
		if args.HTTPS {
			la.CertificateArn = args.CertificateArn
			la.SslPolicy = pulumi.String(args.TLSPolicy)
		}
		l, err := lb.NewListener(ctx, name+"-"+kind, la, parent, ownedByCodeDeploy,
			pulumi.DependsOn([]pulumi.Resource{c.Green}))
		if err != nil {
			return nil, fmt.Errorf("load balancer %q: %s listener: %w", name, kind, err)
		}
		return l, nil
	}
	if c.ProdListener, err = listener("prod", args.ProdPort); err != nil {
		return nil, err
	}
	if c.TestListener, err = listener("test", args.TestPort); err != nil {
		return nil, err
	}
	if redirect {
		c.RedirectListener, err = lb.NewListener(ctx, name+"-redirect", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
				Type: pulumi.String("redirect"),
				Redirect: &lb.ListenerDefaultActionRedirectArgs{
					Protocol:   pulumi.String("HTTPS"),
					Port:       pulumi.String(strconv.Itoa(args.ProdPort)),
					StatusCode: pulumi.String("HTTP_301"),
				},
			}},
			Tags: tags,
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("load balancer %q: redirect listener: %w", name, err)
		}
	}

	c.DNSName = alb.DnsName
	c.ArnSuffix = alb.ArnSuffix
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.ProdListenerArn = c.ProdListener.Arn
	c.TestListenerArn = c.TestListener.Arn
	c.BlueTargetGroupName = c.Blue.Name
	c.GreenTargetGroupName = c.Green.Name
	c.BlueTargetGroupArn = c.Blue.Arn
	c.GreenTargetGroupArn = c.Green.Arn
	c.BlueTargetGroupSuffix = c.Blue.ArnSuffix
	c.GreenTargetGroupSuffix = c.Green.ArnSuffix
	host := alb.DnsName
	if args.DomainName != "" {
		host = pulumi.String(args.DomainName).ToStringOutput()
	}
	c.ProdURL = listenerURL(scheme, host, args.ProdPort)
	c.TestURL = listenerURL(scheme, host, args.TestPort)

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"dnsName":              c.DNSName,
		"prodUrl":              c.ProdURL,
		"testUrl":              c.TestURL,
		"securityGroupId":      c.SecurityGroupID,
		"prodListenerArn":      c.ProdListenerArn,
		"testListenerArn":      c.TestListenerArn,
		"blueTargetGroupName":  c.BlueTargetGroupName,
		"greenTargetGroupName": c.GreenTargetGroupName,
	}); err != nil {
		return nil, fmt.Errorf("load balancer %q: register outputs: %w", name, err)
	}
	return c, nil
}

// listenerURL is the base URL of a listener; default ports are left out.
func listenerURL(scheme string, dns pulumi.StringOutput, port int) pulumi.StringOutput {
	if (scheme == "http" && port == 80) || (scheme == "https" && port == 443) {
		return pulumi.Sprintf("%s://%s", scheme, dns)
	}
	return pulumi.Sprintf("%s://%s:%d", scheme, dns, port)
}

func cidrV4(c string) pulumi.StringPtrInput {
	if strings.Contains(c, ":") {
		return nil
	}
	return pulumi.String(c)
}

func cidrV6(c string) pulumi.StringPtrInput {
	if !strings.Contains(c, ":") {
		return nil
	}
	return pulumi.String(c)
}

// cidrSlug turns a CIDR block into a stable resource-name fragment: "10.0.0.0/8" → "10-0-0-0-8".
func cidrSlug(c string) string {
	return strings.NewReplacer(".", "-", "/", "-", ":", "-").Replace(c)
}

// tagMap merges the caller's tags with the component tag that ties a resource to its component.
func tagMap(tags map[string]string, component string) pulumi.StringMap {
	m := pulumi.StringMap{"ecs-bluegreen:component": pulumi.String(component)}
	for k, v := range tags {
		m[k] = pulumi.String(v)
	}
	return m
}
