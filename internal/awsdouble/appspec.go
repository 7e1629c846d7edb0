package awsdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ECS lifecycle events in the order CodeDeploy runs them.
var lifecycleOrder = []string{
	"BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic", "AfterAllowTestTraffic",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
}

// hookEvents are the ECS lifecycle events an AppSpec may attach a Lambda hook to.
var hookEvents = map[string]bool{
	"BeforeInstall": true, "AfterInstall": true, "AfterAllowTestTraffic": true,
	"BeforeAllowTraffic": true, "AfterAllowTraffic": true,
}

// appSpec is what the double needs from an ECS AppSpec.
type appSpec struct {
	taskDefinition string
	containerName  string
	containerPort  int32
	hooks          map[string]string // lifecycle event -> function name or ARN
}

// flexInt accepts a JSON number or a numeric string (YAML-ish AppSpecs quote ports).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(n)
	return nil
}

type appSpecDoc struct {
	Resources []map[string]struct {
		Type       string `json:"Type"`
		Properties struct {
			TaskDefinition   string `json:"TaskDefinition"`
			LoadBalancerInfo struct {
				ContainerName string  `json:"ContainerName"`
				ContainerPort flexInt `json:"ContainerPort"`
			} `json:"LoadBalancerInfo"`
		} `json:"Properties"`
	} `json:"Resources"`
	Hooks []map[string]string `json:"Hooks"`
}

// parseAppSpec reads a JSON ECS AppSpec. (CodeDeploy also accepts YAML; this double does not.)
func parseAppSpec(content string) (appSpec, error) {
	trimmed := bytes.TrimSpace([]byte(content))
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return appSpec{}, fmt.Errorf("the AppSpec is not a JSON object (the awsdouble test double parses JSON AppSpecs only)")
	}
	var doc appSpecDoc
	if err := json.Unmarshal(trimmed, &doc); err != nil {
		return appSpec{}, fmt.Errorf("the AppSpec is not valid: %v", err)
	}
	var spec appSpec
	n := 0
	for _, res := range doc.Resources {
		for name, r := range res {
			if r.Type != "AWS::ECS::Service" {
				return appSpec{}, fmt.Errorf("resource %q has type %q, want AWS::ECS::Service", name, r.Type)
			}
			n++
			spec.taskDefinition = r.Properties.TaskDefinition
			spec.containerName = r.Properties.LoadBalancerInfo.ContainerName
			spec.containerPort = int32(r.Properties.LoadBalancerInfo.ContainerPort)
		}
	}
	switch {
	case n != 1:
		return appSpec{}, fmt.Errorf("the AppSpec must have exactly one AWS::ECS::Service resource, has %d", n)
	case spec.taskDefinition == "":
		return appSpec{}, fmt.Errorf("the AppSpec's TaskDefinition is missing")
	case spec.containerName == "" || spec.containerPort <= 0:
		return appSpec{}, fmt.Errorf("the AppSpec's LoadBalancerInfo needs ContainerName and a ContainerPort > 0")
	}
	spec.hooks = map[string]string{}
	for _, h := range doc.Hooks {
		for event, fn := range h {
			if !hookEvents[event] {
				return appSpec{}, fmt.Errorf("hook %q is not an ECS lifecycle hook", event)
			}
			if fn == "" {
				return appSpec{}, fmt.Errorf("hook %q names no function", event)
			}
			spec.hooks[event] = fn
		}
	}
	return spec, nil
}
