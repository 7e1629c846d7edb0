// Package components holds the reusable Pulumi ComponentResources of ecs-bluegreen: the pieces a
// platform team imports into its own Pulumi Go program to run an ECS Fargate service with
// zero-downtime blue/green releases through AWS CodeDeploy.
//
//   - [NewLoadBalancer]: an ALB, its security group, the production and test listeners and the two
//     target groups that CodeDeploy swaps.
//   - [NewFargateService]: cluster (or an existing one), log group, IAM roles, task definition, task
//     security group and the ECS service with the CODE_DEPLOY deployment controller.
//   - [NewCodeDeploy]: the CodeDeploy service role, application, deployment configuration,
//     deployment group and the alarms that roll a release back.
//   - [NewImageRegistry]: an optional ECR repository for the service's images.
//   - [NewBlueGreenService]: the composite that wires the four together; the usual entry point.
//
// Every constructor validates its Args before registering anything and reports every problem at
// once. Children are parented to the component and named from its name; physical AWS names are
// derived from the component name deterministically and always fit AWS's length limits.
//
// CodeDeploy owns traffic and the running task set after the first deployment, so the listeners
// ignore changes to their default actions and the service ignores changes to its task definition
// and load balancers (see README "What CodeDeploy owns").
package components

// typePrefix is the package and module part of every component's type token.
const typePrefix = "ecsbluegreen:components:"
