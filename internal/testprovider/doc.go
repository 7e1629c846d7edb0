// Package testprovider is a TEST DOUBLE of the Pulumi "aws" (6.83.4) and "awsx" (2.22.0)
// resource provider plugins. It makes no AWS calls and holds no credentials: it exists so that
// engine-level tests can run the real Pulumi CLI against this repository's programs on a
// machine without the real provider plugins and without an AWS account.
//
// The two binaries under cmd/ (pulumi-resource-aws and pulumi-resource-awsx) serve it. Placed
// first on PATH, the engine loads them as ambient plugins. Each prints one line to stderr when it
// starts saying that it is a test double; the engine shows that line as a diagnostic.
//
// What the double does:
//
//   - Check returns the new inputs unchanged (secrets kept). Autonaming happens in Create.
//   - Diff compares the old inputs with the new ones, top-level key by key. A key present on only
//     one side, a changed value, or an unknown new value (during preview) is a change. Keys the
//     double computes (outputs that are not inputs) never count. A change to a key listed in the
//     replace table ([ReplaceKeys]) requests a replacement; DeleteBeforeReplace is always false.
//   - Create and Update return the inputs plus deterministic computed outputs (IDs, ARNs, names;
//     see outputs.go): the same inputs and URN always give the same values, during preview too,
//     except where an input they derive from is unknown. Region us-east-1 unless the provider's
//     "region" config says otherwise; account 123456789012.
//   - Task definition revisions: 1 on the first create of a family, then one higher on every
//     further create (replacements included), counted per family in a JSON file next to the live
//     state file (<state file>.revisions.json). Update keeps the old revision. Without a state
//     file the counters live in the plugin process's memory. A preview predicts the next revision
//     without consuming it.
//   - Update of an aws:ecs/service:Service whose deploymentController type is CODE_DEPLOY fails,
//     as ECS's UpdateService does, when it changes taskDefinition, loadBalancers or
//     networkConfiguration (previews do not fail, as with the real provider).
//   - Read returns the stored state with the overrides of the live state file merged in (see
//     [LiveState]), so `pulumi refresh` records out-of-band changes such as CodeDeploy rewriting a
//     listener's default action. Delete always succeeds; the engine enforces protect.
//   - Invoke serves aws:index/getRegion, getPartition, getCallerIdentity and
//     getAvailabilityZones; any other token is an error that names it.
//   - The awsx plugin constructs awsx:ec2:Vpc as a component with an aws:ec2/vpc:Vpc and one
//     public and one private aws:ec2/subnet:Subnet per availability zone as children, registered
//     through the engine, and returns vpcId, publicSubnetIds, privateSubnetIds and
//     isolatedSubnetIds (always empty).
//
// Environment (read by the plugins, set by internal/enginetest):
//
//	ECSBG_TESTPROVIDER_STATE  path of the live state file (JSON, may be absent)
//	ECSBG_TESTPROVIDER_LOG    path of a file receiving one JSON line per RPC (see [LogEntry])
package testprovider
