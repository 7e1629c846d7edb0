package testprovider

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account ID the double reports.
const Account = "123456789012"

// DefaultRegion is the region the double reports when the provider config sets none.
const DefaultRegion = "us-east-1"

// str is a string that may not be known yet (during preview, when an input it derives from is
// unknown).
type str struct {
	s     string
	known bool
}

func known(s string) str { return str{s: s, known: true} }

var unknown = str{}

// cat concatenates strings and strs; the result is unknown if any part is.
func cat(parts ...any) str {
	var b strings.Builder
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p)
		case str:
			if !p.known {
				return unknown
			}
			b.WriteString(p.s)
		default:
			fmt.Fprint(&b, p)
		}
	}
	return known(b.String())
}

func (s str) prop() resource.PropertyValue {
	if !s.known {
		return resource.MakeComputed(resource.NewProperty(""))
	}
	return resource.NewProperty(s.s)
}

// map applies f to a known value.
func (s str) then(f func(string) string) str {
	if !s.known {
		return s
	}
	return known(f(s.s))
}

// computeRequest is what computed outputs derive from.
type computeRequest struct {
	urn     resource.URN
	typ     string // canonical type token
	region  string
	inputs  resource.PropertyMap
	prior   resource.PropertyMap // old outputs on Update, nil on Create
	preview bool
	revs    *revisions
}

// input reads a scalar input: present is false when the key is absent or null.
func (r *computeRequest) input(key string) (v str, present bool) {
	pv, ok := r.inputs[resource.PropertyKey(key)]
	if !ok {
		return unknown, false
	}
	pv = unwrapSecrets(pv)
	switch {
	case pv.IsNull():
		return unknown, false
	case pv.IsComputed() || pv.IsOutput():
		return unknown, true
	case pv.IsString():
		return known(pv.StringValue()), true
	case pv.IsNumber():
		return known(strconv.FormatFloat(pv.NumberValue(), 'f', -1, 64)), true
	case pv.IsBool():
		return known(strconv.FormatBool(pv.BoolValue())), true
	default:
		return known(""), true
	}
}

func (r *computeRequest) inputOr(key, def string) str {
	if v, ok := r.input(key); ok {
		return v
	}
	return known(def)
}

// hex returns n deterministic hex digits derived from the URN and a salt.
func (r *computeRequest) hex(salt string, n int) string {
	var out strings.Builder
	for i := 0; out.Len() < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", r.urn, salt, i)))
		out.WriteString(hex.EncodeToString(sum[:]))
	}
	return out.String()[:n]
}

// digits returns n deterministic decimal digits derived from the URN and a salt (n <= 18).
func (r *computeRequest) digits(salt string, n int) string {
	sum := sha256.Sum256([]byte(string(r.urn) + "|" + salt))
	v := binary.BigEndian.Uint64(sum[:8])
	mod := uint64(1)
	for range n {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", n, v%mod)
}

// uuid returns a deterministic UUID-shaped string.
func (r *computeRequest) uuid(salt string) string {
	h := r.hex(salt, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Autoname is the name the double gives a resource whose `name` input is absent:
// namePrefix + 7 hex when a prefix is given, else <urn name>-<7 hex>, the hex being the
// first 7 digits of sha256(urn).
func Autoname(urn resource.URN, namePrefix string) string {
	sum := sha256.Sum256([]byte(urn))
	suffix := hex.EncodeToString(sum[:])[:7]
	if namePrefix != "" {
		return namePrefix + suffix
	}
	return urn.Name() + "-" + suffix
}

// name is the resource's name: the `name` input, else autonamed.
func (r *computeRequest) name() str {
	if v, ok := r.input("name"); ok {
		return v
	}
	if p, ok := r.input("namePrefix"); ok {
		return p.then(func(prefix string) string { return Autoname(r.urn, prefix) })
	}
	return known(Autoname(r.urn, ""))
}

// lastSegment returns what follows the last "/" (a name from a name-or-ARN input).
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}

func (r *computeRequest) arn(service string, rest str) str {
	return cat("arn:aws:", service, ":", r.region, ":", Account, ":", rest)
}

// computed holds the outputs the double adds to a resource's inputs.
type computed struct {
	id   str
	outs map[string]resource.PropertyValue
}

func (c *computed) set(key string, v str) { c.outs[key] = v.prop() }

// compute returns the resource's ID and the outputs the double computes for it. Outputs whose
// key is also an input are left to the input (see merge), except tagsAll.
func compute(r *computeRequest) (computed, error) {
	c := computed{outs: map[string]resource.PropertyValue{}}
	named := !unnamedTypes[r.typ]
	var n str
	if named {
		n = r.name()
		c.set("name", n)
	}
	if tags, ok := r.inputs["tags"]; ok {
		c.outs["tagsAll"] = tags
	} else {
		c.outs["tagsAll"] = resource.NewProperty(resource.PropertyMap{})
	}

	switch r.typ {
	case "aws:lb/loadBalancer:LoadBalancer":
		kind := r.inputOr("loadBalancerType", "application").then(func(t string) string {
			switch t {
			case "network":
				return "net"
			case "gateway":
				return "gwy"
			default:
				return "app"
			}
		})
		suffix := cat(kind, "/", n, "/", r.hex("lb", 16))
		arn := r.arn("elasticloadbalancing", cat("loadbalancer/", suffix))
		c.id = arn
		c.set("arn", arn)
		c.set("arnSuffix", suffix)
		c.set("dnsName", cat(n, "-", r.digits("dns", 10), ".", r.region, ".elb.amazonaws.com"))
		c.set("zoneId", known("Z35SXDOTRQ7X7K"))
	case "aws:lb/targetGroup:TargetGroup":
		suffix := cat("targetgroup/", n, "/", r.hex("tg", 16))
		arn := r.arn("elasticloadbalancing", suffix)
		c.id = arn
		c.set("arn", arn)
		c.set("arnSuffix", suffix)
	case "aws:lb/listener:Listener":
		lb, _ := r.input("loadBalancerArn")
		lbPart := lb.then(func(a string) string {
			if _, after, ok := strings.Cut(a, ":loadbalancer/"); ok {
				return after
			}
			return lastSegment(a)
		})
		arn := r.arn("elasticloadbalancing", cat("listener/", lbPart, "/", r.hex("listener", 16)))
		c.id = arn
		c.set("arn", arn)
	case "aws:lb/listenerRule:ListenerRule":
		l, _ := r.input("listenerArn")
		arn := cat(l.then(func(a string) string { return strings.Replace(a, ":listener/", ":listener-rule/", 1) }),
			"/", r.hex("rule", 16))
		c.id = arn
		c.set("arn", arn)
	case "aws:ec2/securityGroup:SecurityGroup":
		id := known("sg-" + r.hex("sg", 17))
		c.id = id
		c.set("arn", r.arn("ec2", cat("security-group/", id)))
		c.set("ownerId", known(Account))
	case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
		"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
		id := known("sgr-" + r.hex("sgr", 17))
		c.id = id
		c.set("securityGroupRuleId", id)
		c.set("arn", r.arn("ec2", cat("security-group-rule/", id)))
	case "aws:ecs/cluster:Cluster":
		arn := r.arn("ecs", cat("cluster/", n))
		c.id = arn
		c.set("arn", arn)
	case "aws:ecs/service:Service":
		cluster := r.inputOr("cluster", "default").then(lastSegment)
		arn := r.arn("ecs", cat("service/", cluster, "/", n))
		c.id = arn
		c.set("arn", arn)
	case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders":
		cluster, _ := r.input("clusterName")
		c.id = cluster.then(lastSegment)
	case "aws:ecs/taskDefinition:TaskDefinition":
		family, _ := r.input("family")
		rev, err := r.revision(family)
		if err != nil {
			return c, err
		}
		without := r.arn("ecs", cat("task-definition/", family))
		c.id = family
		c.set("arnWithoutRevision", without)
		if rev == 0 {
			c.outs["revision"] = resource.MakeComputed(resource.NewProperty(0.0))
			c.set("arn", unknown)
		} else {
			c.outs["revision"] = resource.NewProperty(float64(rev))
			c.set("arn", cat(without, ":", strconv.Itoa(rev)))
		}
	case "aws:iam/role:Role":
		path := r.inputOr("path", "/")
		arn := cat("arn:aws:iam::", Account, ":role", path, n)
		c.id = n
		c.set("arn", arn)
		c.set("uniqueId", known("AROA"+strings.ToUpper(r.hex("role", 17))))
		c.set("createDate", known("2024-01-01T00:00:00Z"))
	case "aws:iam/policy:Policy":
		arn := cat("arn:aws:iam::", Account, ":policy", r.inputOr("path", "/"), n)
		c.id = arn
		c.set("arn", arn)
		c.set("policyId", known("ANPA"+strings.ToUpper(r.hex("policy", 17))))
	case "aws:iam/rolePolicy:RolePolicy":
		role, _ := r.input("role")
		c.id = cat(role.then(lastSegment), ":", n)
	case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
		role, _ := r.input("role")
		c.id = cat(role.then(lastSegment), "-", r.hex("attach", 26))
	case "aws:cloudwatch/logGroup:LogGroup":
		c.id = n
		c.set("arn", r.arn("logs", cat("log-group:", n)))
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		c.id = n
		c.set("arn", r.arn("cloudwatch", cat("alarm:", n)))
	case "aws:codedeploy/application:Application":
		appID := known(r.uuid("app"))
		c.id = cat(appID, ":", n)
		c.set("applicationId", appID)
		c.set("arn", r.arn("codedeploy", cat("application:", n)))
	case "aws:codedeploy/deploymentGroup:DeploymentGroup":
		app, _ := r.input("appName")
		dg, _ := r.input("deploymentGroupName")
		id := known(r.uuid("dg"))
		c.id = id
		c.set("deploymentGroupId", id)
		c.set("arn", r.arn("codedeploy", cat("deploymentgroup:", app, "/", dg)))
	case "aws:codedeploy/deploymentConfig:DeploymentConfig":
		dc, _ := r.input("deploymentConfigName")
		c.id = dc
		c.set("deploymentConfigId", known(r.uuid("dc")))
		c.set("arn", r.arn("codedeploy", cat("deploymentconfig:", dc)))
	case "aws:ecr/repository:Repository":
		c.id = n
		c.set("arn", r.arn("ecr", cat("repository/", n)))
		c.set("repositoryUrl", cat(Account, ".dkr.ecr.", r.region, ".amazonaws.com/", n))
		c.set("registryId", known(Account))
	case "aws:ecr/lifecyclePolicy:LifecyclePolicy":
		repo, _ := r.input("repository")
		c.id = repo
		c.set("registryId", known(Account))
	case "aws:appautoscaling/target:Target":
		rid, _ := r.input("resourceId")
		c.id = rid
		c.set("arn", r.arn("application-autoscaling", cat("scalable-target/", r.hex("target", 28))))
	case "aws:appautoscaling/policy:Policy":
		ns, _ := r.input("serviceNamespace")
		rid, _ := r.input("resourceId")
		c.id = n
		c.set("arn", cat("arn:aws:autoscaling:", r.region, ":", Account, ":scalingPolicy:", r.uuid("policy"),
			":resource/", ns, "/", rid, ":policyName/", n))
	case "aws:sns/topic:Topic":
		arn := r.arn("sns", n)
		c.id = arn
		c.set("arn", arn)
	case "aws:ec2/vpc:Vpc":
		id := known("vpc-" + r.hex("vpc", 17))
		c.id = id
		c.set("arn", r.arn("ec2", cat("vpc/", id)))
		c.set("ownerId", known(Account))
		c.set("defaultSecurityGroupId", known("sg-"+r.hex("vpc-sg", 17)))
		c.set("mainRouteTableId", known("rtb-"+r.hex("vpc-rtb", 17)))
	case "aws:ec2/subnet:Subnet":
		id := known("subnet-" + r.hex("subnet", 17))
		c.id = id
		c.set("arn", r.arn("ec2", cat("subnet/", id)))
		c.set("ownerId", known(Account))
		c.set("availabilityZone", r.inputOr("availabilityZone", r.region+"a"))
	default:
		service, kind := serviceAndKind(r.typ)
		if named {
			c.id = n
			c.set("arn", r.arn(service, cat(kind, "/", n)))
		} else {
			id := known(kind + "-" + r.hex("id", 17))
			c.id = id
			c.set("arn", r.arn(service, cat(kind, "/", id)))
		}
	}
	c.set("id", c.id)
	return c, nil
}

// revision returns the task definition's revision: the old one on Update, else the family's
// next (consumed unless previewing). 0 means unknown (the family is unknown).
func (r *computeRequest) revision(family str) (int, error) {
	if r.prior != nil {
		if v, ok := r.prior["revision"]; ok && v.IsNumber() {
			return int(v.NumberValue()), nil
		}
	}
	if !family.known {
		return 0, nil
	}
	n, err := r.revs.next(family.s, !r.preview)
	if err != nil {
		return 0, fmt.Errorf("task definition revision for family %q: %w", family.s, err)
	}
	return n, nil
}

// serviceAndKind derives an ARN service and resource kind from a type token such as
// "aws:ecs/cluster:Cluster" (service "ecs", kind "cluster").
func serviceAndKind(typ string) (service, kind string) {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 {
		return "unknown", "resource"
	}
	module, kind, _ := strings.Cut(parts[1], "/")
	if kind == "" {
		kind = strings.ToLower(parts[2])
	}
	switch module {
	case "lb", "alb":
		module = "elasticloadbalancing"
	case "vpc":
		module = "ec2"
	case "appautoscaling":
		module = "application-autoscaling"
	}
	return module, kind
}

// state merges inputs and computed outputs: inputs win, except for tagsAll, id and keys the
// double alone computes.
func (c computed) state(inputs resource.PropertyMap) resource.PropertyMap {
	out := inputs.Copy()
	for k, v := range c.outs {
		key := resource.PropertyKey(k)
		if in, ok := inputs[key]; ok && in.HasValue() && k != "tagsAll" && k != "id" {
			continue
		}
		out[key] = v
	}
	return out
}

// unwrapSecrets removes secret markers, recursively.
func unwrapSecrets(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unwrapSecrets(v.SecretValue().Element)
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = unwrapSecrets(e)
		}
		return resource.NewProperty(arr)
	case v.IsObject():
		obj := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			obj[k] = unwrapSecrets(e)
		}
		return resource.NewProperty(obj)
	default:
		return v
	}
}
