package preview

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// taskLevelShown are task definition inputs whose values a report shows.
var taskLevelShown = []string{"cpu", "memory", "executionRoleArn", "taskRoleArn", "networkMode"}

// taskLevelQuiet are task definition inputs that never make a release.
var taskLevelQuiet = map[string]bool{
	"containerDefinitions": true, "tags": true, "tagsAll": true, "skipDestroy": true, "trackLatest": true,
}

// taskDefinitionDiff describes what a new task definition revision changes: image, cpu,
// memory, architecture, ports, environment variable names (never values), secrets by name and
// ARN, and the names of other changed settings.
func taskDefinitionDiff(old, new map[string]any) []string {
	var out []string
	for _, k := range taskLevelShown {
		if o, n := get(old, k), get(new, k); !equal(o, n) && (o != nil || n != nil) {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, show(o), show(n)))
		}
	}
	if o, n := get(old, "runtimePlatform", "cpuArchitecture"), get(new, "runtimePlatform", "cpuArchitecture"); !equal(o, n) {
		out = append(out, fmt.Sprintf("cpuArchitecture: %s → %s", show(o), show(n)))
	}
	var other []string
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		if taskLevelQuiet[k] || slices.Contains(taskLevelShown, k) || k == "runtimePlatform" {
			continue
		}
		if !equal(old[k], new[k]) {
			other = append(other, k)
		}
	}
	if o, n := get(old, "runtimePlatform"), get(new, "runtimePlatform"); !equal(o, n) && equal(get(old, "runtimePlatform", "cpuArchitecture"), get(new, "runtimePlatform", "cpuArchitecture")) {
		other = append(other, "runtimePlatform")
	}
	out = append(out, containersDiff(get(old, "containerDefinitions"), get(new, "containerDefinitions"))...)
	if len(other) > 0 {
		out = append(out, "also changed: "+strings.Join(other, ", "))
	}
	return out
}

// container is one container definition, decoded loosely.
type container = map[string]any

// parseContainers decodes containerDefinitions (a JSON string); ok is false when it is secret,
// unknown or malformed.
func parseContainers(v any) (map[string]container, []string, bool) {
	s, isStr := v.(string)
	if !isStr || opaque(v) {
		return nil, nil, false
	}
	var list []container
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, nil, false
	}
	byName := map[string]container{}
	var order []string
	for i, c := range list {
		name, ok := str(c["name"])
		if !ok {
			name = fmt.Sprintf("#%d", i)
		}
		byName[name] = c
		order = append(order, name)
	}
	return byName, order, true
}

func containersDiff(oldV, newV any) []string {
	switch {
	case isSecret(oldV) || isSecret(newV):
		if equal(oldV, newV) {
			return nil
		}
		return []string{"container definitions: " + secretText + " (their changes are not shown)"}
	case isUnknown(newV):
		return []string{"container definitions: " + unknownText}
	}
	oldC, _, okOld := parseContainers(oldV)
	newC, order, okNew := parseContainers(newV)
	if !okNew {
		return nil
	}
	if !okOld {
		oldC = map[string]container{}
	}
	var out []string
	prefix := func(name string) string {
		if len(newC) > 1 || len(oldC) > 1 {
			return "container " + name + ": "
		}
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(oldC)) {
		if _, ok := newC[name]; !ok {
			out = append(out, "container removed: "+name)
		}
	}
	for _, name := range order {
		n := newC[name]
		o, existed := oldC[name]
		if !existed {
			img, _ := str(n["image"])
			out = append(out, fmt.Sprintf("container added: %s (image %s)", name, img))
			continue
		}
		out = append(out, containerDiff(prefix(name), o, n)...)
	}
	return out
}

func containerDiff(prefix string, o, n container) []string {
	var out []string
	if oi, ni := show(o["image"]), show(n["image"]); oi != ni {
		out = append(out, fmt.Sprintf("%simage: %s → %s", prefix, oi, ni))
	}
	for _, k := range []string{"cpu", "memory", "memoryReservation"} {
		if !equal(o[k], n[k]) {
			out = append(out, fmt.Sprintf("%s%s: %s → %s", prefix, k, show(o[k]), show(n[k])))
		}
	}
	if op, np := containerPorts(o), containerPorts(n); op != np {
		out = append(out, fmt.Sprintf("%sports: %s → %s", prefix, op, np))
	}
	if d := namesDiff(pairs(o["environment"], "value"), pairs(n["environment"], "value"), false); d != "" {
		out = append(out, prefix+"environment: "+d+" (values not shown)")
	}
	if d := namesDiff(pairs(o["secrets"], "valueFrom"), pairs(n["secrets"], "valueFrom"), true); d != "" {
		out = append(out, prefix+"secrets: "+d)
	}
	var other []string
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		switch k {
		case "name", "image", "cpu", "memory", "memoryReservation", "portMappings", "environment", "secrets":
			continue
		}
		if !equal(o[k], n[k]) {
			other = append(other, k)
		}
	}
	if len(other) > 0 {
		out = append(out, prefix+"also changed: "+strings.Join(other, ", "))
	}
	return out
}

func containerPorts(c container) string {
	list, _ := c["portMappings"].([]any)
	var ports []string
	for _, pm := range list {
		m, ok := pm.(map[string]any)
		if !ok {
			continue
		}
		p := show(m["containerPort"])
		if proto, ok := str(m["protocol"]); ok && proto != "" && proto != "tcp" {
			p += "/" + proto
		}
		ports = append(ports, p)
	}
	if len(ports) == 0 {
		return "none"
	}
	return strings.Join(ports, ", ")
}

// pairs turns [{name, <valueKey>}] into name → value.
func pairs(v any, valueKey string) map[string]any {
	list, _ := v.([]any)
	out := map[string]any{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if name, ok := str(m["name"]); ok {
			out[name] = m[valueKey]
		}
	}
	return out
}

// namesDiff renders added (+), removed (−) and changed (~) names. With showValues the new
// values follow the names (secret references are ARNs, not secrets); otherwise values are never
// printed.
func namesDiff(old, new map[string]any, showValues bool) string {
	var parts []string
	withValue := func(name string, v any) string {
		if showValues {
			return name + " (" + show(v) + ")"
		}
		return name
	}
	for _, k := range slices.Sorted(maps.Keys(new)) {
		if _, ok := old[k]; !ok {
			parts = append(parts, "+"+withValue(k, new[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(old)) {
		if _, ok := new[k]; !ok {
			parts = append(parts, "−"+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(new)) {
		if o, ok := old[k]; ok && !sameValue(o, new[k]) {
			parts = append(parts, "~"+withValue(k, new[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// sameValue compares two values inside a container definition; the engine has already replaced
// secret config values in the JSON with "[secret]", so two such strings compare equal.
func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
