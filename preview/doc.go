// Package preview turns a Pulumi preview of an ecs-bluegreen stack into a report for a pull
// request: what would change, and what of it a reviewer must know on a service whose releases
// CodeDeploy owns.
//
// [Collect] runs auto.Stack.Preview with an event stream; [FromEvents] (pure) builds the
// [Report] from the engine's per-resource events: each ResourcePreEvent's operation, type, URN,
// detailed diff and old and new inputs and outputs. Nothing is parsed from text output.
//
// # Findings
//
//   - will-fail (critical): an update of an aws:ecs/service:Service with the CODE_DEPLOY
//     deployment controller that changes anything but desiredCount, the deployment percentages,
//     healthCheckGracePeriodSeconds, placement, enableEcsManagedTags, propagateTags, tags or the
//     provider's own settings. ECS rejects it (taskDefinition, loadBalancers,
//     networkConfiguration, platformVersion, capacityProviderStrategies, serviceRegistries, ...),
//     so `pulumi up` fails; the finding says what to do instead.
//   - downtime (high): replacing or deleting a load balancer, listener, target group, ECS service
//     or cluster, CodeDeploy application, deployment group or deployment configuration; an update
//     of a listener's defaultActions (which would undo CodeDeploy's routing).
//   - access (high when the whole internet is admitted to anything but the production listener,
//     else medium): ingress rules that admit CIDR blocks (aws:vpc SecurityGroupIngressRule,
//     aws:ec2 SecurityGroupRule, inline SecurityGroup ingress); IAM roles created or with a new
//     trust policy; role policies and managed policies added, changed or removed; policy
//     attachments added or removed.
//   - release (info): a new task definition revision, with what changed in it (image, cpu,
//     memory, architecture, ports, environment variable names, secrets by name and ARN, names of
//     other changed settings), shipped by the next `ecs-bluegreen deploy`.
//   - codedeploy-owned (info): a listener that forwards to another group than the program's blue
//     one, or a service whose recorded task definition or target group differs from the
//     program's: CodeDeploy set them, Pulumi ignores them, so they are not drift. The engine
//     applies ignoreChanges before it reports, so these can only be seen when the state records
//     what CodeDeploy did (after a refresh, or with [Options].Refresh). Every report also states
//     the ownership rules ([OwnershipRules]).
//
// The rules know this project's components: listeners named <component>-prod, -test and
// -redirect, target groups <component>-blue and -green.
//
// # Secrets
//
// A value the engine marks secret is never opened: it renders as [secret]. Environment variable
// values are never printed, only their names. Secret references of the container are printed as
// their names and ARNs (references, not values).
//
// # JSON
//
// [Report.JSON] writes one object (schemaVersion 1; fields are only ever added):
//
//	{
//	  "schemaVersion": 1,
//	  "stack": "dev",
//	  "verdict": "1 change will fail on a CODE_DEPLOY service; also 1 release",
//	  "counts": {"create": 0, "update": 1, "replace": 1, "delete": 0, "same": 40},
//	  "kinds": {"will-fail": 1, "downtime": 0, "access": 0, "release": 1, "codedeploy-owned": 0},
//	  "changes": [
//	    {"op": "update", "type": "aws:ecs/service:Service", "name": "web-prod", "urn": "urn:pulumi:...",
//	     "keys": ["networkConfiguration"], "protected": true}
//	  ],
//	  "findings": [
//	    {"kind": "will-fail", "severity": "critical", "type": "aws:ecs/service:Service",
//	     "name": "web-prod", "urn": "urn:pulumi:...", "op": "update",
//	     "reason": "...", "action": "...", "details": ["networkConfiguration.subnets: [...] → [...]"]}
//	  ],
//	  "ownership": ["CodeDeploy owns the listeners' `defaultActions`: ...", "..."],
//	  "errors": []
//	}
//
// op is create, update, replace or delete; kind is will-fail, downtime, access, release or
// codedeploy-owned; severity is critical, high, medium or info. keys, replaceKeys, protected,
// op (of a finding), action and details are left out when empty. changes are ordered by op
// (create, update, replace, delete), type and name; findings by severity, kind, type and name.
// errors holds the engine's error diagnostics when the preview failed.
//
// # Failing CI
//
// [ParseFailOn] reads --fail-on (will-fail, downtime, access, release, all, none);
// [Report.Fails] says whether the report holds any of those kinds or the preview failed.
package preview
