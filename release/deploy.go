package release

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"

	"github.com/ecs-bluegreen/ecs-bluegreen/release/appspec"
)

// AbortAction is what happens to the deployment when the release is interrupted or runs out of
// its time budget.
type AbortAction string

const (
	// AbortRollback stops the deployment with rollback and waits for the rollback (the default).
	AbortRollback AbortAction = "rollback"
	// AbortLeave leaves the deployment running and says how to follow and stop it.
	AbortLeave AbortAction = "leave"
)

// ParseAbortAction parses --on-abort.
func ParseAbortAction(s string) (AbortAction, error) {
	switch a := AbortAction(s); a {
	case AbortRollback, AbortLeave:
		return a, nil
	}
	return "", &UsageError{Msg: fmt.Sprintf("--on-abort %q: want rollback or leave", s)}
}

// Defaults of DeployOptions.
const (
	DefaultPollInterval    = 5 * time.Second
	DefaultMaxPollInterval = 30 * time.Second
	DefaultRollbackTimeout = 20 * time.Minute
)

// DeployOptions control a release. The zero value is usable: no forcing, no waiting for another
// deployment, rollback on abort, defaults below.
type DeployOptions struct {
	// Force releases even when the service already runs the task definition.
	Force bool
	// WaitActive is how long to wait for another active deployment of the group to finish.
	// 0 (default): don't wait; fail naming it.
	WaitActive time.Duration
	// OnAbort is what to do on interrupt (ctx cancelled) or when the budget is exceeded.
	// Default AbortRollback.
	OnAbort AbortAction
	// WaitTermination waits until the old task set is terminated (status Succeeded) instead of
	// returning once production traffic is on the new task set.
	WaitTermination bool
	// EventMargin is the time allowed per lifecycle event in the budget. Default DefaultEventMargin.
	EventMargin time.Duration
	// PollInterval is the first and shortest wait between polls; it grows while nothing changes
	// and on throttling, up to MaxPollInterval. Defaults 5s and 30s.
	PollInterval, MaxPollInterval time.Duration
	// RollbackTimeout bounds the wait for a rollback to finish. Default DefaultRollbackTimeout.
	RollbackTimeout time.Duration
	// Description of the deployment in CodeDeploy. Default: "ecs-bluegreen release of <arn>".
	Description string
}

func (o DeployOptions) withDefaults() DeployOptions {
	if o.OnAbort == "" {
		o.OnAbort = AbortRollback
	}
	if o.EventMargin <= 0 {
		o.EventMargin = DefaultEventMargin
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxPollInterval < o.PollInterval {
		o.MaxPollInterval = max(DefaultMaxPollInterval, o.PollInterval)
	}
	if o.RollbackTimeout <= 0 {
		o.RollbackTimeout = DefaultRollbackTimeout
	}
	return o
}

// Result says how a release ended.
type Result string

// Results.
const (
	ResultUnchanged  Result = "unchanged"   // the service already ran the task definition
	ResultReleased   Result = "released"    // production is on the new task set; the old one is kept for the termination wait
	ResultSucceeded  Result = "succeeded"   // the deployment succeeded and the old task set is gone
	ResultFailed     Result = "failed"      // failed or stopped by CodeDeploy or by the smoke gate
	ResultAborted    Result = "aborted"     // interrupted or out of budget
	ResultRolledBack Result = "rolled-back" // the rollback command stopped an active deployment
	ResultNothing    Result = "nothing"     // nothing to do (finish without a deployment in its termination wait)
	ResultFinished   Result = "finished"    // finish ended the termination wait
)

// Outcome is what a release did, for printing. It is returned with and without an error.
type Outcome struct {
	Result               Result       `json:"result"`
	Stack                string       `json:"stack"`
	DeploymentID         string       `json:"deploymentId,omitempty"`
	ConsoleURL           string       `json:"consoleUrl,omitempty"`
	TaskDefinitionArn    string       `json:"taskDefinitionArn,omitempty"`
	PreviousTaskDefArn   string       `json:"previousTaskDefinitionArn,omitempty"`
	LiveTargetGroup      string       `json:"liveTargetGroup,omitempty"`
	OldTasksUntil        *time.Time   `json:"oldTasksUntil,omitempty"` // end of the rollback window
	RollbackDeploymentID string       `json:"rollbackDeploymentId,omitempty"`
	Budget               *Budget      `json:"budget,omitempty"`
	Smoke                *SmokeReport `json:"smoke,omitempty"`
	ElapsedSeconds       int64        `json:"elapsedSeconds"`
	Message              string       `json:"message,omitempty"`
}

// Deploy releases the stack's task definition (t.TaskDefinitionArn) to its service through
// CodeDeploy: it checks what runs and what is active, builds the AppSpec, creates the deployment,
// gates it with the smoke check, and watches it until production traffic is on the new task set
// (or, with WaitTermination, until it succeeded). Errors are typed (see ExitCode).
func (c *Client) Deploy(ctx context.Context, t Target, opts DeployOptions) (*Outcome, error) {
	return c.release(ctx, t, t.TaskDefinitionArn, opts.withDefaults())
}

func (c *Client) release(ctx context.Context, t Target, taskDef string, opts DeployOptions) (*Outcome, error) {
	start := c.clock().Now()
	out := &Outcome{Stack: t.Stack, TaskDefinitionArn: taskDef}
	defer func() { out.ElapsedSeconds = int64(since(c.clock(), start).Seconds()) }()

	if err := t.Smoke.Validate(); err != nil {
		return out, err
	}
	rev, err := appspec.Build(t.AppSpecInput(taskDef))
	if err != nil {
		return out, &UsageError{Msg: "cannot build the AppSpec", Err: err}
	}
	svc, err := c.service(ctx, t)
	if err != nil {
		return out, err
	}
	out.PreviousTaskDefArn = servingTaskDefinition(svc)
	if out.PreviousTaskDefArn == taskDef && !opts.Force {
		out.Result = ResultUnchanged
		out.LiveTargetGroup = primaryTargetGroup(svc)
		out.Message = fmt.Sprintf("service %s already runs %s; nothing to release (use --force to deploy it again)", t.Service, taskDef)
		return out, nil
	}
	if err := c.checkTaskDefinition(ctx, t, taskDef); err != nil {
		return out, err
	}
	group, err := c.deploymentGroup(ctx, t)
	if err != nil {
		return out, err
	}
	cfg, err := c.deploymentConfig(ctx, deref(group.DeploymentConfigName))
	if err != nil {
		return out, err
	}
	budget := NewBudget(group, cfg, opts.EventMargin, opts.WaitTermination)
	out.Budget = &budget
	c.readinessWarnings(t, budget)

	waitUntil := c.clock().Now().Add(opts.WaitActive)
	adopted, waited, err := c.waitIdle(ctx, t, rev.SHA256, waitUntil, opts)
	if err != nil {
		return out, err
	}
	id := adopted
	if id == "" {
		if waited && !opts.Force {
			// the deployment waited for may have released the same revision
			if svc, err := c.service(ctx, t); err == nil && servingTaskDefinition(svc) == taskDef {
				out.Result = ResultUnchanged
				out.Message = fmt.Sprintf("service %s now runs %s (released by another deployment); nothing to release", t.Service, taskDef)
				return out, nil
			}
		}
		id, err = c.create(ctx, t, rev, opts, waitUntil)
		if err != nil {
			return out, err
		}
	}
	out.DeploymentID = id
	out.ConsoleURL = ConsoleURL(t.Region, id)
	c.emit(Event{Kind: EventCreated, DeploymentID: id, Message: fmt.Sprintf("deployment %s of %s: %s", id, taskDef, out.ConsoleURL)})
	b := budget
	c.emit(Event{Kind: EventBudget, DeploymentID: id, Budget: &b, Message: "time budget " + budget.String()})
	return c.watch(ctx, t, id, budget, opts, out)
}

// readinessWarnings points out group settings that make the release hang or the gate useless.
func (c *Client) readinessWarnings(t Target, b Budget) {
	stop := b.ReadyAction == string(cdtypes.DeploymentReadyActionStopDeployment)
	switch {
	case t.Smoke.Enabled && !stop:
		c.info("", "no smoke gate: deployment group %s does not wait for readiness (ready action %s), so traffic moves as soon as "+
			"the new tasks are healthy; a ready wait (STOP_DEPLOYMENT with a wait time, config readyWaitMinutes) enables the gate", t.DeploymentGroup, b.ReadyAction)
	case t.Smoke.Enabled && stop && t.Smoke.TotalTimeout >= b.ReadyWait:
		c.warn("", "the smoke gate may take %s but the group's ready wait is %s: CodeDeploy stops the deployment at the ready timeout",
			fmtDuration(t.Smoke.TotalTimeout), fmtDuration(b.ReadyWait))
	case !t.Smoke.Enabled && stop:
		c.info("", "deployment group %s waits up to %s for approval before moving production traffic (smoke gate disabled)",
			t.DeploymentGroup, fmtDuration(b.ReadyWait))
	}
}

// waitIdle waits until the group has no active deployment, or until `until`. An active
// deployment of the same AppSpec (same SHA-256) is followed instead: its ID is returned.
func (c *Client) waitIdle(ctx context.Context, t Target, sha string, until time.Time, opts DeployOptions) (adopted string, waited bool, err error) {
	poll := newPoller(opts.PollInterval, opts.MaxPollInterval)
	waitStart := c.clock().Now()
	announced := ""
	for {
		ids, err := c.activeDeployments(ctx, t)
		if err != nil {
			return "", waited, err
		}
		var info *cdtypes.DeploymentInfo
		for _, id := range ids { // the list can lag behind a deployment that just finished
			i, err := c.getDeployment(ctx, id)
			if err != nil {
				return "", waited, err
			}
			if !terminal(i.Status) {
				info = i
				break
			}
		}
		if info == nil {
			return "", waited, nil
		}
		id := deref(info.DeploymentId)
		if r := info.Revision; r != nil && r.AppSpecContent != nil && deref(r.AppSpecContent.Sha256) == sha {
			c.info(id, "deployment %s is already releasing this exact AppSpec (sha256 %s…); following it instead of starting another", id, sha[:12])
			return id, waited, nil
		}
		if !c.clock().Now().Before(until) {
			return "", waited, c.busy(t, id, string(info.Status), waitStart, nil)
		}
		waited = true
		if announced != id {
			announced = id
			c.emit(Event{Kind: EventWaiting, DeploymentID: id, Message: fmt.Sprintf(
				"deployment %s of group %s is %s; waiting for it to finish (up to %s)", id, t.DeploymentGroup, info.Status,
				fmtDuration(until.Sub(c.clock().Now())))})
		}
		poll.unchanged()
		if err := c.clock().Sleep(ctx, min(poll.next(), max(until.Sub(c.clock().Now()), time.Second))); err != nil {
			return "", waited, c.busy(t, id, string(info.Status), waitStart, err)
		}
	}
}

func (c *Client) busy(t Target, id, status string, waitStart time.Time, cause error) error {
	e := &BusyError{Group: t.DeploymentGroup, DeploymentID: id, Status: status, Region: t.Region}
	if w := since(c.clock(), waitStart); w > 0 {
		e.Waited = fmtDuration(w)
	}
	if cause != nil {
		return &AbortedError{Cause: "interrupted while waiting for deployment " + id, Action: "no deployment was started", Err: e}
	}
	return e
}

// create starts the deployment. DeploymentLimitExceededException (another deployment became
// active) is handled like an active deployment found beforehand.
func (c *Client) create(ctx context.Context, t Target, rev appspec.Revision, opts DeployOptions, waitUntil time.Time) (string, error) {
	desc := opts.Description
	if desc == "" {
		desc = "ecs-bluegreen release of " + rev.SHA256[:12] + " (stack " + t.Stack + ")"
	}
	for attempt := 0; ; attempt++ {
		out, err := c.CodeDeploy.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{
			ApplicationName:     aws.String(t.Application),
			DeploymentGroupName: aws.String(t.DeploymentGroup),
			Description:         aws.String(desc),
			Revision: &cdtypes.RevisionLocation{
				RevisionType: cdtypes.RevisionLocationTypeAppSpecContent,
				AppSpecContent: &cdtypes.AppSpecContent{
					Content: aws.String(string(rev.Content)),
					Sha256:  aws.String(rev.SHA256),
				},
			},
		})
		if err == nil {
			return deref(out.DeploymentId), nil
		}
		if errorCode(err) != "DeploymentLimitExceededException" || attempt >= 20 {
			return "", awsErr("codedeploy:CreateDeployment", err)
		}
		c.warn("", "CodeDeploy refused a second deployment (DeploymentLimitExceededException)")
		adopted, _, werr := c.waitIdle(ctx, t, rev.SHA256, waitUntil, opts)
		if werr != nil {
			return "", werr
		}
		if adopted != "" {
			return adopted, nil
		}
		if !c.clock().Now().Before(waitUntil) {
			// the group looks idle again but refused us: report the refusal
			return "", &BusyError{Group: t.DeploymentGroup, DeploymentID: "(unknown)", Status: "active", Region: t.Region}
		}
	}
}
