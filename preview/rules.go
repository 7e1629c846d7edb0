package preview

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Type tokens the rules know.
const (
	typeService          = "aws:ecs/service:Service"
	typeTaskDefinition   = "aws:ecs/taskDefinition:TaskDefinition"
	typeCluster          = "aws:ecs/cluster:Cluster"
	typeLoadBalancer     = "aws:lb/loadBalancer:LoadBalancer"
	typeListener         = "aws:lb/listener:Listener"
	typeTargetGroup      = "aws:lb/targetGroup:TargetGroup"
	typeApplication      = "aws:codedeploy/application:Application"
	typeDeploymentGroup  = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	typeDeploymentConfig = "aws:codedeploy/deploymentConfig:DeploymentConfig"
	typeIngressRule      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeSecurityGroup    = "aws:ec2/securityGroup:SecurityGroup"
	typeSGRule           = "aws:ec2/securityGroupRule:SecurityGroupRule"
	typeRole             = "aws:iam/role:Role"
	typeRolePolicy       = "aws:iam/rolePolicy:RolePolicy"
	typeAttachment       = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typePolicy           = "aws:iam/policy:Policy"
)

// serviceUpdatable are the service inputs an update may change on a service with the
// CODE_DEPLOY deployment controller. ECS's UpdateService reference: "only the desired count,
// deployment configuration, health check grace period, task placement constraints and
// strategies, enable ECS managed tags, and propagate tags can be updated"; tags go through
// TagResource, and waitForSteadyState and forceDelete are the provider's own settings.
var serviceUpdatable = map[string]bool{
	"desiredCount":                    true,
	"deploymentMaximumPercent":        true,
	"deploymentMinimumHealthyPercent": true,
	"healthCheckGracePeriodSeconds":   true,
	"placementConstraints":            true,
	"orderedPlacementStrategies":      true,
	"enableEcsManagedTags":            true,
	"propagateTags":                   true,
	"tags":                            true,
	"tagsAll":                         true,
	"waitForSteadyState":              true,
	"forceDelete":                     true,
}

// frozenAdvice says what to do instead of an in-place change of a service field ECS refuses.
var frozenAdvice = map[string]string{
	"taskDefinition": "CodeDeploy owns the task definition: keep ignoreChanges on `taskDefinition` and release the new revision with `ecs-bluegreen deploy`.",
	"loadBalancers":  "CodeDeploy owns the load balancers (it swaps the target groups): keep ignoreChanges on `loadBalancers`; change target groups by replacing the service in a maintenance window.",
	"networkConfiguration": "Network changes reach a CODE_DEPLOY service only through a deployment: they go in the AppSpec's network configuration on the next `ecs-bluegreen deploy`; " +
		"to change the service itself, replace it in a maintenance window.",
	"platformVersion":            "The platform version changes through a deployment: the AppSpec's platformVersion on the next `ecs-bluegreen deploy`, or replace the service in a maintenance window.",
	"capacityProviderStrategies": "The capacity provider strategy changes through a deployment (the AppSpec's capacityProviderStrategy on the next `ecs-bluegreen deploy`), or replace the service in a maintenance window.",
}

const defaultFrozenAdvice = "Leave the field as it is, or replace the service in a maintenance window."

// downtimeReason says what a replacement or deletion of each traffic-carrying type costs.
var downtimeReason = map[string]string{
	typeLoadBalancer:     "a new load balancer has a new DNS name and starts empty: clients and DNS records that point at the old one fail, and its listeners go with it",
	typeListener:         "traffic on its port stops until the new listener exists, and the new one forwards to the blue target group whichever group CodeDeploy made live; the deployment group names the listener by ARN",
	typeTargetGroup:      "its registered tasks go with it, while the listeners and the service still point at the old group (CodeDeploy owns those references, so Pulumi does not move them): deleting it fails while it is in use, and traffic breaks",
	typeService:          "every task stops and the new service starts from the task definition in the program; the deployment group names the service, and any running release fails",
	typeCluster:          "every service and task in the cluster goes with it",
	typeApplication:      "the release history goes, with the deployment group, and a running release stops",
	typeDeploymentGroup:  "a running release stops and `ecs-bluegreen deploy` fails until the new group exists; its history goes",
	typeDeploymentConfig: "the deployment group's traffic shifting refers to it by name; a release running on it fails",
}

// uniqueNameKey is the input holding a name AWS lets only one resource of the type have.
var uniqueNameKey = map[string]string{
	typeLoadBalancer:     "name",
	typeTargetGroup:      "name",
	typeService:          "name",
	typeApplication:      "name",
	typeDeploymentGroup:  "deploymentGroupName",
	typeDeploymentConfig: "deploymentConfigName",
}

const downtimeAction = "Do this in a maintenance window, after `ecs-bluegreen status` shows no release in progress."

// analyse runs every rule over the steps (sorted by URN).
func analyse(stack string, steps []*step) []Finding {
	a := &analysis{stack: stack, steps: steps}
	for _, s := range steps {
		switch s.typ {
		case typeService:
			a.service(s)
		case typeTaskDefinition:
			a.taskDefinition(s)
		case typeListener:
			a.listener(s)
		case typeIngressRule, typeSGRule, typeSecurityGroup:
			a.ingress(s)
		case typeRole, typeRolePolicy, typeAttachment, typePolicy:
			a.iam(s)
		}
		a.downtime(s)
	}
	return a.findings
}

type analysis struct {
	stack    string
	steps    []*step
	findings []Finding
}

func (a *analysis) add(s *step, kind Kind, sev Severity, reason, action string, details ...string) {
	op, _ := reportOp(s.op)
	a.findings = append(a.findings, Finding{
		Kind: kind, Severity: sev, Type: s.rawType, Name: s.name, URN: s.urn, Op: op,
		Reason: reason, Action: action, Details: details,
	})
}

// siblings returns the steps of type typ under the same parent as s.
func (a *analysis) siblings(s *step, typ string) []*step {
	var out []*step
	for _, o := range a.steps {
		if o.typ == typ && o.parent == s.parent {
			out = append(out, o)
		}
	}
	return out
}

// targetGroupName names the target group with the given ARN (its name in the events, else the
// name in the ARN).
func (a *analysis) targetGroupName(arn string) string {
	if isUnknown(arn) {
		return unknownText
	}
	for _, s := range a.steps {
		if s.typ == typeTargetGroup && s.arn() == arn {
			return s.name
		}
	}
	// arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>
	if _, rest, ok := strings.Cut(arn, ":targetgroup/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return name
	}
	return arn
}

// blueTargetGroup is the ARN of the target group the program points listeners and the service
// at: in this project's components, the group named "<component>-blue" next to them (in the
// same LoadBalancer component, or in its sibling under the same BlueGreenService).
func (a *analysis) blueTargetGroup(s *step) string {
	var candidates []*step
	for _, o := range a.steps {
		if o.typ == typeTargetGroup && strings.HasSuffix(o.name, "-blue") && o.oldOut != nil {
			candidates = append(candidates, o)
		}
	}
	for _, o := range candidates {
		if o.parent == s.parent {
			return o.arn()
		}
	}
	grand := parentURN(s.parent)
	for _, o := range candidates {
		if grand != "" && parentURN(o.parent) == grand {
			return o.arn()
		}
	}
	if len(candidates) == 1 {
		return candidates[0].arn()
	}
	return ""
}

// parentURN is a key for the component that holds the component with URN urn: its type chain
// without the last type, plus its name (this project's components name their parts after the
// composite: BlueGreenService "web-dev" holds LoadBalancer "web-dev" and FargateService "web-dev").
func parentURN(urn string) string {
	i := strings.LastIndex(urn, "$")
	j := strings.LastIndex(urn, "::")
	if i < 0 || j < i {
		return ""
	}
	return urn[:i] + urn[j:]
}

// codeDeployControlled reports whether the service's deployments are CodeDeploy's.
func codeDeployControlled(s *step) bool {
	for _, props := range []map[string]any{s.oldIn, s.newIn, s.oldOut} {
		if t, ok := str(get(props, "deploymentController", "type")); ok && t == "CODE_DEPLOY" {
			return true
		}
		if list, ok := get(props, "deploymentController").([]any); ok && len(list) > 0 {
			if m, ok := list[0].(map[string]any); ok {
				if t, ok := str(m["type"]); ok && t == "CODE_DEPLOY" {
					return true
				}
			}
		}
	}
	return false
}

func (a *analysis) service(s *step) {
	if !codeDeployControlled(s) {
		return
	}
	if s.op == apitype.OpUpdate {
		a.frozenFields(s)
	}
	if s.op == apitype.OpSame || s.op == apitype.OpUpdate {
		a.serviceOwnership(s)
	}
}

// frozenFields flags an update of service fields that ECS refuses on CODE_DEPLOY services.
func (a *analysis) frozenFields(s *step) {
	var frozen, advice, details []string
	for _, k := range s.keys {
		if serviceUpdatable[k] {
			continue
		}
		frozen = append(frozen, k)
		adv, ok := frozenAdvice[k]
		if !ok {
			adv = defaultFrozenAdvice
		}
		if !slices.Contains(advice, adv) {
			advice = append(advice, adv)
		}
		details = append(details, valueDiff(k, get(s.oldIn, k), get(s.newIn, k))...)
	}
	if len(frozen) == 0 {
		return
	}
	a.add(s, WillFail, Critical,
		fmt.Sprintf("ECS rejects changes to %s on a service whose deployments CodeDeploy controls: `pulumi up` fails at this step (InvalidParameterException).", codeList(frozen)),
		strings.Join(advice, " "), details...)
}

// serviceOwnership explains a service whose recorded task definition or target group differs
// from what the program registers: CodeDeploy set them (a release, a swap), so they are not drift.
func (a *analysis) serviceOwnership(s *step) {
	td := ""
	for _, o := range a.siblings(s, typeTaskDefinition) {
		if o.oldOut != nil {
			td = o.arn()
		}
	}
	if recorded, ok := str(get(s.oldIn, "taskDefinition")); ok && td != "" && recorded != td {
		a.add(s, Owned, Info,
			fmt.Sprintf("The service's recorded task definition is %s; the program's current revision is %s. CodeDeploy owns the service's task definition (Pulumi ignores it), so this is not drift: the revision is not released yet, or the state predates its release.",
				code(shortTaskDef(recorded)), code(shortTaskDef(td))),
			"If it is not released yet, the next `ecs-bluegreen deploy` ships it; `pulumi refresh` records what the service runs.")
	}
	blue := a.blueTargetGroup(s)
	lbs, _ := get(s.oldIn, "loadBalancers").([]any)
	for _, lb := range lbs {
		m, ok := lb.(map[string]any)
		if !ok {
			continue
		}
		if arn, ok := str(m["targetGroupArn"]); ok && blue != "" && arn != blue {
			a.add(s, Owned, Info,
				fmt.Sprintf("The service's tasks are registered in target group %s, where the program starts them in %s. CodeDeploy swaps the groups on every release and owns the service's load balancers (Pulumi ignores them): this is not drift.",
					code(a.targetGroupName(arn)), code(a.targetGroupName(blue))), "")
		}
	}
}

func (a *analysis) taskDefinition(s *step) {
	if s.op != apitype.OpReplace {
		return
	}
	family, _ := str(get(s.current(), "family"))
	revision := "a new revision of " + code(family)
	if rev, ok := str(get(s.newOut, "revision")); ok && family != "" {
		revision = "revision " + code(family+":"+rev)
	}
	details := taskDefinitionDiff(s.oldIn, s.newIn)
	if len(details) == 0 {
		// The engine hides secret config values inside the JSON, so a change there shows no
		// difference to us.
		details = []string{"changed: " + strings.Join(s.keys, ", ") + " (in values the report does not show)"}
	}
	service := "the service"
	for _, o := range a.siblings(s, typeService) {
		service = "service " + code(o.name)
	}
	a.add(s, Release, Info,
		fmt.Sprintf("`pulumi up` registers %s; %s keeps running the current one (CodeDeploy owns its task definition), and the old revision stays registered for rollbacks.", revision, service),
		fmt.Sprintf("The next `ecs-bluegreen deploy --stack %s` ships it through CodeDeploy.", a.stackOr("STACK")),
		details...)
}

func (a *analysis) stackOr(def string) string {
	if a.stack != "" {
		return a.stack
	}
	return def
}

func (a *analysis) listener(s *step) {
	role := listenerRole(s.name)
	if s.op == apitype.OpUpdate && slices.Contains(s.keys, "defaultActions") {
		a.add(s, Downtime, High,
			fmt.Sprintf("The update rewrites the %s's default action to the program's target group, whichever group CodeDeploy made live: traffic can move to tasks that are gone or not yet released.", role),
			"Keep ignoreChanges on the listener's `defaultActions`: CodeDeploy owns them.",
			valueDiff("defaultActions", get(s.oldIn, "defaultActions"), get(s.newIn, "defaultActions"))...)
		return
	}
	if s.op != apitype.OpSame && s.op != apitype.OpUpdate {
		return
	}
	blue := a.blueTargetGroup(s)
	if blue == "" {
		return
	}
	live := forwardTargets(get(s.oldIn, "defaultActions"))
	if len(live) == 0 || (len(live) == 1 && live[0] == blue) {
		return
	}
	names := make([]string, len(live))
	for i, arn := range live {
		names[i] = code(a.targetGroupName(arn))
	}
	a.add(s, Owned, Info,
		fmt.Sprintf("The %s forwards to %s, where the program starts it on %s. CodeDeploy rewrites the default action on every release and owns it (Pulumi ignores it): this is not drift.",
			role, strings.Join(names, " and "), code(a.targetGroupName(blue))), "")
}

func listenerRole(name string) string {
	switch {
	case strings.HasSuffix(name, "-prod"):
		return "production listener"
	case strings.HasSuffix(name, "-test"):
		return "test listener"
	case strings.HasSuffix(name, "-redirect"):
		return "HTTP redirect listener"
	}
	return "listener"
}

// forwardTargets lists the target groups a listener's default actions send traffic to: a plain
// forward's group, or the groups of a weighted forward that get weight above 0.
func forwardTargets(actions any) []string {
	list, _ := actions.([]any)
	var out []string
	for _, act := range list {
		m, ok := act.(map[string]any)
		if !ok {
			continue
		}
		if t, _ := str(m["type"]); t != "forward" {
			continue
		}
		if arn, ok := str(m["targetGroupArn"]); ok && arn != "" {
			out = append(out, arn)
			continue
		}
		groups, _ := get(m, "forward", "targetGroups").([]any)
		for _, g := range groups {
			gm, ok := g.(map[string]any)
			if !ok {
				continue
			}
			arn, ok := str(gm["arn"])
			if !ok {
				continue
			}
			if w, ok := gm["weight"].(float64); ok && w == 0 {
				continue
			}
			out = append(out, arn)
		}
	}
	return out
}

// downtime flags replacements and deletions of what carries traffic or releases.
func (a *analysis) downtime(s *step) {
	reason, ok := downtimeReason[s.typ]
	if !ok || (s.op != apitype.OpReplace && s.op != apitype.OpDelete) {
		return
	}
	verb := "Replacing"
	if s.op == apitype.OpDelete {
		verb = "Deleting"
	}
	what := typeNoun(s.typ)
	text := fmt.Sprintf("%s the %s: %s.", verb, what, reason)
	if key := uniqueNameKey[s.typ]; key != "" && s.op == apitype.OpReplace {
		if o, ok := str(get(s.oldIn, key)); ok && o != "" && equal(get(s.oldIn, key), get(s.newIn, key)) {
			text += fmt.Sprintf(" It keeps its fixed name %s, which AWS gives to one %s at a time: creating the replacement before deleting the old one fails.", code(o), what)
		}
	}
	if s.protected {
		text += " It is protected in Pulumi, so `pulumi up` stops at this step until it is unprotected."
	}
	var details []string
	if len(s.replaceKeys) > 0 {
		for _, k := range s.replaceKeys {
			details = append(details, valueDiff(k, get(s.oldIn, k), get(s.newIn, k))...)
		}
	}
	a.add(s, Downtime, High, text, downtimeAction, details...)
}

func typeNoun(typ string) string {
	switch typ {
	case typeLoadBalancer:
		return "load balancer"
	case typeListener:
		return "listener"
	case typeTargetGroup:
		return "target group"
	case typeService:
		return "ECS service"
	case typeCluster:
		return "ECS cluster"
	case typeApplication:
		return "CodeDeploy application"
	case typeDeploymentGroup:
		return "CodeDeploy deployment group"
	case typeDeploymentConfig:
		return "CodeDeploy deployment configuration"
	}
	if i := strings.LastIndex(typ, ":"); i >= 0 {
		return typ[i+1:]
	}
	return typ
}

// valueDiff renders what changed in one property: "key: old → new", or for objects one line per
// changed sub-property. Values pass through show, so secrets stay [secret].
func valueDiff(key string, old, new any) []string {
	om, oOK := old.(map[string]any)
	nm, nOK := new.(map[string]any)
	if oOK && nOK && !isSecret(old) && !isSecret(new) {
		var out []string
		keys := map[string]bool{}
		for k := range om {
			keys[k] = true
		}
		for k := range nm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			if !equal(om[k], nm[k]) {
				out = append(out, valueDiff(key+"."+k, om[k], nm[k])...)
			}
		}
		return out
	}
	return []string{fmt.Sprintf("%s: %s → %s", key, truncate(show(old), 160), truncate(show(new), 160))}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }

func codeList(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = code(k)
	}
	return strings.Join(parts, ", ")
}

// shortTaskDef turns a task definition ARN into family:revision.
func shortTaskDef(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":task-definition/"); ok {
		return rest
	}
	return arn
}
