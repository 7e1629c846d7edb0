// Package recorder is a recording Pulumi mock for unit tests: it answers the engine's calls
// without any cloud (no provider plugin, no network) and keeps every registered resource with
// its type, name, inputs and options (parent, protect, ignoreChanges, dependencies), so tests
// can assert on what a program registers. It computes the outputs the ecs-bluegreen components
// read (ARNs, names, DNS names, ARN suffixes, repository URLs, awsx VPC subnets) the way AWS
// shapes them, and answers the invokes they make (getRegion, getPartition).
package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Region and Account are what the mock answers for the caller's region and account.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
)

// Resource is one registered resource as the engine saw it.
type Resource struct {
	Type, Name string
	URN        string
	Custom     bool
	// Inputs are the resource's inputs, with unknowns left out.
	Inputs resource.PropertyMap
	// Outputs are what the mock returned.
	Outputs       resource.PropertyMap
	Parent        string
	Protect       bool
	IgnoreChanges []string
	DependsOn     []string
	Remote        bool
}

// Input returns an input as a plain Go value (string, float64, bool, []any, map[string]any), or
// nil when it is not set.
func (r Resource) Input(key string) any {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return plain(v)
}

// String returns a string input, or "" when it is not a set string.
func (r Resource) String(key string) string {
	s, _ := r.Input(key).(string)
	return s
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsOutput():
		return plain(v.OutputValue().Element)
	}
	return v.Mappable()
}

// Mocks implements pulumi.MockResourceMonitor's callbacks and records what is registered.
type Mocks struct {
	mu        sync.Mutex
	resources []Resource
	// Invokes counts the invokes by token.
	invokes map[string]int
}

// New returns an empty recorder.
func New() *Mocks { return &Mocks{invokes: map[string]int{}} }

// Run runs program under the mocks as project "ecs-bluegreen", stack, with the given config
// (full keys such as "ecs-bluegreen:cpu" to raw values), and returns the recorder and the
// program's error.
func Run(t testing.TB, stack string, config map[string]string, program pulumi.RunFunc) (*Mocks, error) {
	t.Helper()
	m := New()
	err := pulumi.RunErr(program, pulumi.WithMocks("ecs-bluegreen", stack, m), func(info *pulumi.RunInfo) {
		info.Config = config
	})
	return m, err
}

// NewResource records the registration and returns an ID and outputs shaped like AWS's.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	outs := args.Inputs.Copy()
	id, extra := computed(args.TypeToken, args.Name, args.Inputs)
	for k, v := range extra {
		if _, set := outs[resource.PropertyKey(k)]; !set || k == "arn" {
			outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
	}
	r := Resource{Type: args.TypeToken, Name: args.Name, Custom: args.Custom, Inputs: args.Inputs, Outputs: outs}
	if req := args.RegisterRPC; req != nil {
		r.URN = fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", "stack", "ecs-bluegreen", args.TypeToken, args.Name)
		r.Parent = req.GetParent()
		r.Protect = req.GetProtect()
		r.IgnoreChanges = req.GetIgnoreChanges()
		r.DependsOn = req.GetDependencies()
		r.Remote = req.GetRemote()
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, outs, nil
}

// Call answers the invokes the components make.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes[args.Token]++
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": Region, "id": Region, "description": "Europe (Ireland)", "endpoint": "ec2." + Region + ".amazonaws.com"}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com"}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": Account, "id": Account}), nil
	}
	return nil, fmt.Errorf("recorder: no answer for invoke %s", args.Token)
}

// Resources returns every recorded resource, in registration order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.resources)
}

// OfType returns the recorded resources of one type token.
func (m *Mocks) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource of a type with a logical name.
func (m *Mocks) Named(typ, name string) (Resource, bool) {
	for _, r := range m.Resources() {
		if r.Type == typ && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// CountByType counts the recorded resources by type token.
func (m *Mocks) CountByType() map[string]int {
	out := map[string]int{}
	for _, r := range m.Resources() {
		out[r.Type]++
	}
	return out
}

// Invokes returns how often an invoke token was called.
func (m *Mocks) Invokes(token string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.invokes[token]
}

func hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:])
}

// computed returns the ID and the provider-computed outputs of a resource.
func computed(typ, name string, in resource.PropertyMap) (string, map[string]any) {
	str := func(k string) string {
		if v, ok := in[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	physical := str("name")
	if physical == "" {
		physical = name
	}
	h := hash(typ, name)
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, Region, Account, rest)
	}
	out := map[string]any{}
	id := name + "-id"
	switch typ {
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := fmt.Sprintf("app/%s/%s", physical, h[:16])
		out["name"], out["arnSuffix"], out["arn"] = physical, suffix, arn("elasticloadbalancing", "loadbalancer/"+suffix)
		out["dnsName"] = fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", physical, h[:10], Region)
		out["zoneId"] = "Z32O12XQLNTSW2"
		id = out["arn"].(string)
	case "aws:lb/targetGroup:TargetGroup":
		suffix := fmt.Sprintf("targetgroup/%s/%s", physical, h[:16])
		out["name"], out["arnSuffix"], out["arn"] = physical, suffix, arn("elasticloadbalancing", suffix)
		id = out["arn"].(string)
	case "aws:lb/listener:Listener":
		out["arn"] = arn("elasticloadbalancing", fmt.Sprintf("listener/app/%s/%s", name, h[:16]))
		id = out["arn"].(string)
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + h[:17]
		out["arn"] = arn("ec2", "security-group/"+id)
	case "aws:ecs/cluster:Cluster":
		out["name"], out["arn"] = physical, arn("ecs", "cluster/"+physical)
		id = out["arn"].(string)
	case "aws:ecs/service:Service":
		out["name"] = physical
		id = arn("ecs", "service/"+physical)
	case "aws:ecs/taskDefinition:TaskDefinition":
		family := str("family")
		out["revision"], out["arn"] = 1, arn("ecs", "task-definition/"+family+":1")
		out["arnWithoutRevision"] = arn("ecs", "task-definition/"+family)
		id = family
	case "aws:iam/role:Role":
		out["name"], out["arn"] = physical, fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, physical)
		id = physical
	case "aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/metricAlarm:MetricAlarm":
		out["name"], out["arn"] = physical, arn("logs", "log-group:"+physical)
		id = physical
	case "aws:codedeploy/application:Application":
		out["name"], out["arn"] = physical, arn("codedeploy", "application:"+physical)
		id = physical
	case "aws:codedeploy/deploymentGroup:DeploymentGroup":
		out["deploymentGroupName"] = str("deploymentGroupName")
		out["arn"] = arn("codedeploy", "deploymentgroup:"+str("appName")+"/"+str("deploymentGroupName"))
	case "aws:codedeploy/deploymentConfig:DeploymentConfig":
		out["deploymentConfigName"] = str("deploymentConfigName")
	case "aws:ecr/repository:Repository":
		out["name"], out["arn"] = physical, arn("ecr", "repository/"+physical)
		out["repositoryUrl"] = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", Account, Region, physical)
		id = physical
	case "awsx:ec2:Vpc":
		out["vpcId"] = "vpc-" + h[:17]
		out["publicSubnetIds"] = []any{"subnet-pub" + h[:8] + "a", "subnet-pub" + h[:8] + "b"}
		out["privateSubnetIds"] = []any{"subnet-prv" + h[:8] + "a", "subnet-prv" + h[:8] + "b"}
		out["isolatedSubnetIds"] = []any{}
	}
	return id, out
}
