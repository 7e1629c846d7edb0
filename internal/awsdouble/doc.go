// Package awsdouble is a TEST DOUBLE: an in-process HTTP server that imitates the parts of the
// AWS CodeDeploy and Amazon ECS APIs used by an ECS blue/green release. It is not AWS, it
// has never been checked against AWS, and it listens only on 127.0.0.1 (net/http/httptest).
//
// Point the real aws-sdk-go-v2 clients at it:
//
//	srv := awsdouble.New(awsdouble.Options{Now: clock.Now})
//	defer srv.Close()
//	cd := codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
//	ecsc := ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = aws.String(srv.URL()) })
//
// or set AWS_ENDPOINT_URL_CODEDEPLOY and AWS_ENDPOINT_URL_ECS to srv.URL(). Both services
// speak JSON 1.1: requests are POSTs dispatched on the X-Amz-Target header
// (CodeDeploy_20141006.<Op>, AmazonEC2ContainerServiceV20141113.<Op>); errors are HTTP 400
// (500 for server faults) with a body {"__type":"<ExceptionName>","message":"..."}. Timestamps
// are epoch seconds. An unknown operation answers 400 UnknownOperationException.
//
// # Operations
//
// CodeDeploy: GetDeploymentGroup, GetDeploymentConfig, ListDeployments, GetDeployment,
// CreateDeployment, ContinueDeployment, StopDeployment, ListDeploymentTargets,
// BatchGetDeploymentTargets, GetDeploymentTarget.
// ECS: DescribeServices, DescribeTaskDefinition, ListTaskDefinitions.
// Elastic Load Balancing is not imitated.
//
// # Time
//
// All time comes from Options.Now. Nothing runs in the background: on every request (and every
// inspection call) the server first advances each deployment's state machine up to Now(),
// fixing every transition at the simulated instant it happened. A test that moves a fake
// clock forward and polls therefore sees the deployment progress, and a 15-minute canary runs
// instantly.
//
// # The deployment state machine
//
// CreateDeployment validates the request (application and group exist, revision is an
// AppSpecContent JSON AppSpec whose sha256, when given, matches, no other deployment of the
// group is Created/Queued/InProgress/Baking/Ready) and records the deployment as Created.
// One StepDuration later it is InProgress and runs the ECS lifecycle events in order:
//
//	BeforeInstall, Install, AfterInstall, AllowTestTraffic, AfterAllowTestTraffic,
//	BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic
//
// Each event takes StepDuration, except:
//   - a hook event (BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic,
//     AfterAllowTraffic) that names a function in the AppSpec's Hooks takes that function's
//     duration (SetHookDuration, default StepDuration; more than one hour times out as
//     ScriptTimedOut, like CodeDeploy's one-hour hook limit). When it ends, SetHookResult decides
//     its outcome (default: succeeded). A failed hook fails the event and the deployment
//     (status Failed, errorInformation.code HOOK_EXECUTION_FAILURE); with DEPLOYMENT_FAILURE
//     among the auto-rollback events a rollback deployment follows.
//   - AllowTraffic follows the deployment config's traffic schedule: AllAtOnce puts 100% on the
//     green (replacement) task set at its start; TimeBasedCanary puts Percentage% at its start
//     and 100% IntervalMinutes later; TimeBasedLinear adds Percentage% at its start and every
//     IntervalMinutes until 100%. The event ends StepDuration after the last shift. The
//     trafficWeight of the Blue and Green task sets in the deployment target shows the split.
//
// Install creates the green task set (status ACTIVE, 0% traffic) behind the target group of
// the pair that is not live, from the AppSpec's task definition, which must be registered with
// PutTaskDefinition (else the deployment fails with ECS_UPDATE_ERROR); an unknown ECS service
// fails with INVALID_ECS_SERVICE. A task set left over by an earlier deployment that was stopped
// or failed without rollback is removed first and the PRIMARY one gets 100% again.
//
// After AfterAllowTestTraffic, a group whose ReadyAction is STOP_DEPLOYMENT waits in status
// Ready until ContinueDeployment(READY_WAIT), or until ReadyWaitMinutes pass: then the deployment
// is Stopped with errorInformation.code TIMEOUT and a rollback deployment follows (always).
// ReadyWaitMinutes 0 waits without limit (a simplification of this double).
//
// After AfterAllowTraffic production is 100% on green, the green task set becomes PRIMARY (the
// ECS service shows its task definition and target group) and the termination wait starts:
// status stays InProgress with instanceTerminationWaitTimeStarted=true for
// TerminationWaitMinutes, or until ContinueDeployment(TERMINATION_WAIT). Then the blue task set
// is removed and the deployment is Succeeded.
//
// The live target group (LiveTargetGroup) is the target group of the task set with the larger
// production weight (the PRIMARY one on a tie); it flips when AllowTraffic passes 50%.
//
// StopDeployment and TriggerAlarm stop an active deployment (status Stopped; errorInformation
// code MANUAL_STOP or ALARM_ACTIVE). A rollback deployment follows when StopDeployment's
// autoRollbackEnabled is true (or unset and DEPLOYMENT_STOP_ON_REQUEST is enabled), or, for an
// alarm, when DEPLOYMENT_STOP_ON_ALARM is enabled. Without rollback, task sets and traffic stay
// as they were when the deployment stopped.
//
// A rollback deployment has a new ID, creator "codeDeployRollback" (the SDK's
// types.DeploymentCreatorCodeDeployRollback) and rollbackInfo.rollbackTriggeringDeploymentId;
// the original's rollbackInfo.rollbackDeploymentId names it. It is Created for one
// StepDuration, then runs a single AllowTraffic event of one StepDuration that puts production
// back on the original task set (PRIMARY again) and removes the green one; then it is Succeeded.
//
// Succeeded, Failed and Stopped deployments no longer block CreateDeployment; Created, Queued,
// InProgress, Baking and Ready ones (rollbacks included) do, with
// DeploymentLimitExceededException naming the active deployment.
//
// # Faults and inspection
//
// FailNext makes the next n calls of an operation answer with a chosen error (the SDK's
// default retryer retries ThrottlingException and HTTP 5xx); FailNextAfterEffect does the same
// after the operation took effect (a lost response). Calls, CallCount, Deployment,
// LiveTargetGroup and ServiceTaskDefinition let tests assert on what happened.
package awsdouble
