package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Exit codes of the ecs-bluegreen CLI. ExitCode maps an error to one of them.
const (
	// ExitOK: the command did what was asked (including "nothing to release").
	ExitOK = 0
	// ExitFailed: the release failed or was stopped, and CodeDeploy rolled it back (or was told to).
	ExitFailed = 1
	// ExitUsage: bad flags, or a stack/configuration that does not fit the release.
	ExitUsage = 2
	// ExitAborted: timed out, interrupted, or another deployment kept the group busy.
	ExitAborted = 3
	// ExitInfra: an AWS or Pulumi call failed, or any other unexpected error.
	ExitInfra = 4
	// ExitGate: `preview --fail-on` found changes of the kinds it gates on.
	ExitGate = 5
)

// ExitCode returns the process exit code for err: 0 for nil, otherwise the code of the first typed
// error in its chain; errors of no known type give ExitInfra.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		failed  *FailedError
		usage   *UsageError
		aborted *AbortedError
		busy    *BusyError
		awsErr  *AWSError
		pulumi  *PulumiError
	)
	var gate *GateError
	switch {
	case errors.As(err, &gate):
		return ExitGate
	case errors.As(err, &failed):
		return ExitFailed
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &aborted), errors.As(err, &busy), errors.Is(err, context.Canceled):
		return ExitAborted // an AWS call cut short by an interrupt is an interrupt
	case errors.As(err, &awsErr), errors.As(err, &pulumi):
		return ExitInfra
	case errors.Is(err, context.DeadlineExceeded):
		return ExitAborted
	}
	return ExitInfra
}

// UsageError is a bad flag or argument, or a stack whose outputs or AWS resources do not fit the
// release (missing output, container not in the task definition, foreign target groups...).
type UsageError struct {
	Msg  string
	Hint string // what to do; may be empty
	Err  error
}

func (e *UsageError) Error() string { return compose(e.Msg, e.Err, e.Hint) }
func (e *UsageError) Unwrap() error { return e.Err }

// FailedError is a release that CodeDeploy failed or that was stopped (by a failed smoke gate, an
// alarm, a lifecycle hook), normally followed by a rollback.
type FailedError struct {
	DeploymentID         string
	RollbackDeploymentID string // empty when no rollback deployment was seen
	RolledBack           bool   // the rollback deployment succeeded
	Reason               string // what failed, as precisely as known
	Evidence             string // e.g. the failed smoke-check requests, one per line; may be empty
	Hint                 string
}

func (e *FailedError) Error() string {
	msg := fmt.Sprintf("deployment %s failed: %s", e.DeploymentID, e.Reason)
	switch {
	case e.RolledBack:
		msg += fmt.Sprintf("; rolled back by %s, production is on the previous task set", e.RollbackDeploymentID)
	case e.RollbackDeploymentID != "":
		msg += fmt.Sprintf("; rollback deployment %s did not finish successfully", e.RollbackDeploymentID)
	default:
		msg += "; no rollback deployment was seen"
	}
	if e.Evidence != "" {
		msg += "\n" + e.Evidence
	}
	return compose(msg, nil, e.Hint)
}

// AbortedError is a release that was interrupted or ran out of its time budget. Action says what
// was done about the deployment (rolled back, or left running).
type AbortedError struct {
	DeploymentID string
	Cause        string // "interrupted", "time budget of 23m exceeded", ...
	Action       string // what was done, e.g. "stopped and rolled back by d-XYZ" or "left running"
	Hint         string // how to follow or stop it
	Err          error
}

func (e *AbortedError) Error() string {
	msg := "release aborted (" + e.Cause + ")"
	if e.DeploymentID != "" {
		msg = fmt.Sprintf("release %s aborted (%s)", e.DeploymentID, e.Cause)
	}
	if e.Action != "" {
		msg += ": " + e.Action
	}
	return compose(msg, e.Err, e.Hint)
}
func (e *AbortedError) Unwrap() error { return e.Err }

// BusyError is another deployment of the group that is still active, so no new one was started.
type BusyError struct {
	Group        string
	DeploymentID string
	Status       string
	Waited       string // how long it was waited for; empty when not waited
	Region       string
}

func (e *BusyError) Error() string {
	msg := fmt.Sprintf("deployment group %s is busy: deployment %s is %s", e.Group, e.DeploymentID, e.Status)
	if e.Waited != "" {
		msg += " after waiting " + e.Waited
	}
	hint := fmt.Sprintf("no new deployment was started. Follow it with `aws deploy get-deployment --deployment-id %[1]s` "+
		"or %[2]s; stop it with `aws deploy stop-deployment --deployment-id %[1]s --auto-rollback-enabled`; "+
		"or retry with --wait-active DURATION to wait for it", e.DeploymentID, ConsoleURL(e.Region, e.DeploymentID))
	return compose(msg, nil, hint)
}

// AWSError is an AWS API call that failed (after the SDK's retries).
type AWSError struct {
	Op   string // e.g. "codedeploy:CreateDeployment"
	Err  error
	Hint string
}

func (e *AWSError) Error() string { return compose("aws "+e.Op, e.Err, e.Hint) }
func (e *AWSError) Unwrap() error { return e.Err }

// PulumiError is a Pulumi operation (CLI discovery, preview, up, config, outputs) that failed.
type PulumiError struct {
	Op   string // e.g. "up", "select stack dev"
	Err  error
	Hint string
}

func (e *PulumiError) Error() string { return compose("pulumi "+e.Op, e.Err, e.Hint) }
func (e *PulumiError) Unwrap() error { return e.Err }

func awsErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &AWSError{Op: op, Err: err, Hint: awsHint(err)}
}

// awsHint says what to do about common AWS failures.
func awsHint(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "AccessDenied") || strings.Contains(s, "not authorized"):
		return "the credentials in use lack this permission; check the profile/role (AWS_PROFILE, OIDC role) and its policy"
	case strings.Contains(s, "failed to retrieve credentials") || strings.Contains(s, "no EC2 IMDS role found") ||
		strings.Contains(s, "get credentials"):
		return "no AWS credentials were found; set AWS_PROFILE, run `aws sso login`, or configure OIDC in CI"
	case strings.Contains(s, "ExpiredToken"):
		return "the AWS session expired; log in again"
	}
	return ""
}

func compose(msg string, err error, hint string) string {
	if err != nil {
		msg += ": " + err.Error()
	}
	if hint != "" {
		msg += "\n  → " + hint
	}
	return msg
}

// GateError: a preview report has findings of a kind `--fail-on` gates on.
type GateError struct {
	Stack  string
	FailOn string
}

func (e *GateError) Error() string {
	return fmt.Sprintf("preview of stack %s has findings that --fail-on=%s gates on (see the report)", e.Stack, e.FailOn)
}
