// Package appspec builds the AppSpec that a CodeDeploy blue/green deployment of an ECS service
// takes as its revision: which task definition to run, which container and port receive traffic
// from the load balancer, the network configuration of the new task set and the optional Lambda
// lifecycle hooks.
//
// The JSON is deterministic: the same Input always gives the same bytes (fixed key order, sorted
// and de-duplicated subnets and security groups, hooks in lifecycle order, a trailing newline), so
// its SHA-256 identifies the revision.
package appspec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Lifecycle events of an ECS deployment that accept a Lambda hook, in the order CodeDeploy runs
// them. Install, AllowTestTraffic and AllowTraffic are run by CodeDeploy itself and take no hook.
var HookEvents = []string{
	"BeforeInstall",
	"AfterInstall",
	"AfterAllowTestTraffic",
	"BeforeAllowTraffic",
	"AfterAllowTraffic",
}

// Input is everything the AppSpec says.
type Input struct {
	// TaskDefinitionArn is the full ARN of the task definition revision to deploy. Required.
	TaskDefinitionArn string
	// ContainerName is the container that the load balancer sends traffic to. Required.
	ContainerName string
	// ContainerPort is that container's port (1–65535). Required.
	ContainerPort int32
	// PlatformVersion is the Fargate platform version, e.g. "LATEST" or "1.4.0". Optional:
	// omitted from the AppSpec when empty.
	PlatformVersion string
	// Subnets for the new task set's awsvpc network configuration. When empty, the AppSpec has no
	// network configuration and the service's own is used; then SecurityGroups must be empty too.
	Subnets []string
	// SecurityGroups for the new task set. Optional.
	SecurityGroups []string
	// AssignPublicIP gives the tasks public IP addresses (ENABLED) or not (DISABLED, the default).
	AssignPublicIP bool
	// Hooks maps a lifecycle event name (one of HookEvents) to a Lambda function name or ARN.
	// Optional.
	Hooks map[string]string
}

// Document is the AppSpec as JSON sees it. Field order is the key order of the output.
type Document struct {
	Version   json.Number `json:"version"`
	Resources []Resource  `json:"Resources"`
	Hooks     []Hook      `json:"Hooks,omitempty"`
}

// Resource is one entry of Resources; an ECS AppSpec has exactly one, named TargetService.
type Resource struct {
	TargetService TargetService `json:"TargetService"`
}

// TargetService names the service's new task set.
type TargetService struct {
	Type       string     `json:"Type"`
	Properties Properties `json:"Properties"`
}

// Properties of the TargetService.
type Properties struct {
	TaskDefinition       string                `json:"TaskDefinition"`
	LoadBalancerInfo     LoadBalancerInfo      `json:"LoadBalancerInfo"`
	PlatformVersion      string                `json:"PlatformVersion,omitempty"`
	NetworkConfiguration *NetworkConfiguration `json:"NetworkConfiguration,omitempty"`
}

// LoadBalancerInfo names the container and port that receive traffic.
type LoadBalancerInfo struct {
	ContainerName string `json:"ContainerName"`
	ContainerPort int32  `json:"ContainerPort"`
}

// NetworkConfiguration of the new task set.
type NetworkConfiguration struct {
	AwsvpcConfiguration AwsvpcConfiguration `json:"AwsvpcConfiguration"`
}

// AwsvpcConfiguration of the new task set.
type AwsvpcConfiguration struct {
	Subnets        []string `json:"Subnets"`
	SecurityGroups []string `json:"SecurityGroups,omitempty"`
	AssignPublicIp string   `json:"AssignPublicIp"`
}

// Hook is one entry of Hooks: a lifecycle event and the Lambda function run at it. It is written
// as a one-key object, {"BeforeInstall": "function"}.
type Hook struct {
	Event    string
	Function string
}

// MarshalJSON writes the hook as a one-key object.
func (h Hook) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{h.Event: h.Function})
}

// UnmarshalJSON reads a one-key object.
func (h *Hook) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("decode hook: %w", err)
	}
	if len(m) != 1 {
		return fmt.Errorf("decode hook: want one lifecycle event per entry, got %d", len(m))
	}
	for k, v := range m {
		h.Event, h.Function = k, v
	}
	return nil
}

// Revision is a built AppSpec: its bytes and their SHA-256, as CodeDeploy takes them
// (revisionType AppSpecContent).
type Revision struct {
	Content []byte
	SHA256  string
}

// taskDefinitionArn is a task definition ARN with its revision, in any partition.
var taskDefinitionArn = regexp.MustCompile(`^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]{1,255}:[0-9]+$`)

const (
	version     = "0.0"
	serviceType = "AWS::ECS::Service"
)

// New validates in and returns the Document for it. Every problem is reported in one error.
func New(in Input) (Document, error) {
	var errs []error
	if !taskDefinitionArn.MatchString(in.TaskDefinitionArn) {
		errs = append(errs, fmt.Errorf("task definition %q is not a task definition ARN (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION)", in.TaskDefinitionArn))
	}
	if strings.TrimSpace(in.ContainerName) == "" {
		errs = append(errs, errors.New("container name is empty"))
	}
	for what, v := range map[string]string{"container name": in.ContainerName, "platform version": in.PlatformVersion} {
		if !utf8.ValidString(v) {
			errs = append(errs, fmt.Errorf("%s is not valid UTF-8", what))
		}
	}
	if in.ContainerPort < 1 || in.ContainerPort > 65535 {
		errs = append(errs, fmt.Errorf("container port %d is outside 1-65535", in.ContainerPort))
	}
	subnets, err := cleanList("subnet", in.Subnets)
	if err != nil {
		errs = append(errs, err)
	}
	groups, err := cleanList("security group", in.SecurityGroups)
	if err != nil {
		errs = append(errs, err)
	}
	if len(subnets) == 0 && len(groups) > 0 {
		errs = append(errs, errors.New("security groups given without subnets: the network configuration needs subnets"))
	}
	if len(subnets) == 0 && in.AssignPublicIP {
		errs = append(errs, errors.New("public IP requested without subnets: the network configuration needs subnets"))
	}
	var hooks []Hook
	for name, fn := range in.Hooks {
		if !slices.Contains(HookEvents, name) {
			errs = append(errs, fmt.Errorf("lifecycle hook %q is not an ECS hook event (one of %s)", name, strings.Join(HookEvents, ", ")))
			continue
		}
		if strings.TrimSpace(fn) == "" || !utf8.ValidString(fn) {
			errs = append(errs, fmt.Errorf("lifecycle hook %s has an empty or invalid function name", name))
			continue
		}
		hooks = append(hooks, Hook{Event: name, Function: fn})
	}
	if len(errs) > 0 {
		return Document{}, fmt.Errorf("invalid appspec input: %w", errors.Join(errs...))
	}
	slices.SortFunc(hooks, func(a, b Hook) int {
		return slices.Index(HookEvents, a.Event) - slices.Index(HookEvents, b.Event)
	})

	props := Properties{
		TaskDefinition:   in.TaskDefinitionArn,
		LoadBalancerInfo: LoadBalancerInfo{ContainerName: in.ContainerName, ContainerPort: in.ContainerPort},
		PlatformVersion:  in.PlatformVersion,
	}
	if len(subnets) > 0 {
		assign := "DISABLED"
		if in.AssignPublicIP {
			assign = "ENABLED"
		}
		props.NetworkConfiguration = &NetworkConfiguration{AwsvpcConfiguration: AwsvpcConfiguration{
			Subnets: subnets, SecurityGroups: groups, AssignPublicIp: assign,
		}}
	}
	return Document{
		Version:   version,
		Resources: []Resource{{TargetService: TargetService{Type: serviceType, Properties: props}}},
		Hooks:     hooks,
	}, nil
}

// Build validates in and returns the AppSpec's bytes and SHA-256.
func Build(in Input) (Revision, error) {
	doc, err := New(in)
	if err != nil {
		return Revision{}, err
	}
	return doc.Revision()
}

// Revision encodes the document deterministically and hashes it.
func (d Document) Revision() (Revision, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil { // Encode appends the trailing newline
		return Revision{}, fmt.Errorf("encode appspec: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return Revision{Content: buf.Bytes(), SHA256: hex.EncodeToString(sum[:])}, nil
}

// Parse decodes AppSpec JSON produced by Build (unknown fields are rejected).
func Parse(content []byte) (Document, error) {
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return Document{}, fmt.Errorf("decode appspec: %w", err)
	}
	return d, nil
}

// cleanList trims, sorts and de-duplicates ids; an empty id is an error.
func cleanList(what string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, fmt.Errorf("empty %s id", what)
		}
		if !utf8.ValidString(id) {
			return nil, fmt.Errorf("%s id %q is not valid UTF-8", what, id)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, nil
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
