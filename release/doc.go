// Package release runs blue/green releases of the stack's ECS service through AWS CodeDeploy.
//
// The stack side goes through the Automation API (Stacks: preview, up, set the image, read the
// outputs). The outputs become a Target, and a Client does the AWS side with small interfaces
// (CodeDeployAPI, ECSAPI) that the SDK clients satisfy:
//
//   - Deploy: skip when the service already runs the task definition; check that the task
//     definition has the load-balanced container and port and that the deployment group switches
//     between the stack's two target groups; wait (bounded) for, or refuse to race, another
//     active deployment; build the AppSpec (package appspec); create the deployment; watch it
//     within a budget derived from the group and config in force; run the smoke gate while the
//     deployment waits for readiness and continue or stop it with rollback; return once
//     production traffic is on the new task set. On interrupt or an exceeded budget it stops
//     with rollback or leaves the deployment running, as asked, and always says how to follow it.
//   - Status, Rollback, Finish: the other commands of the CLI (package cli).
//
// Errors are typed (errors.go) and map to the CLI's exit codes through ExitCode. All time comes
// from a Clock, so tests run long deployments instantly against a test double.
package release
