package release

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// Finish ends the termination wait of the group's deployment (ContinueDeployment
// TERMINATION_WAIT): the old task set is terminated now and the rollback window closes. It waits,
// bounded by the poll settings and opts.RollbackTimeout, for the deployment to succeed.
func (c *Client) Finish(ctx context.Context, t Target, opts DeployOptions) (*Outcome, error) {
	opts = opts.withDefaults()
	out := &Outcome{Stack: t.Stack}
	ids, err := c.activeDeployments(ctx, t)
	if err != nil {
		return out, err
	}
	var waiting *cdtypes.DeploymentInfo
	var other *cdtypes.DeploymentInfo
	for _, id := range ids {
		info, err := c.getDeployment(ctx, id)
		if err != nil {
			return out, err
		}
		switch {
		case terminal(info.Status):
		case info.InstanceTerminationWaitTimeStarted:
			waiting = info
		default:
			other = info
		}
	}
	if waiting == nil {
		if other != nil {
			id := deref(other.DeploymentId)
			out.DeploymentID = id
			return out, &UsageError{
				Msg:  fmt.Sprintf("deployment %s is %s and not in its termination wait yet: production traffic has not fully moved", id, other.Status),
				Hint: fmt.Sprintf("wait for it (`ecs-bluegreen status --stack %s`), then run finish again", t.Stack),
			}
		}
		out.Result = ResultNothing
		out.Message = fmt.Sprintf("no deployment of group %s is in its termination wait; nothing to finish", t.DeploymentGroup)
		return out, nil
	}
	id := deref(waiting.DeploymentId)
	out.DeploymentID, out.ConsoleURL = id, ConsoleURL(t.Region, id)
	c.emit(Event{Kind: EventAction, DeploymentID: id, Message: "ending the termination wait of deployment " + id + " (the old task set is terminated; no fast rollback after this)"})
	if _, err := c.CodeDeploy.ContinueDeployment(ctx, &codedeploy.ContinueDeploymentInput{
		DeploymentId: aws.String(id), DeploymentWaitType: cdtypes.DeploymentWaitTypeTerminationWait,
	}); err != nil {
		return out, awsErr("codedeploy:ContinueDeployment", err)
	}
	clk := c.clock()
	deadline := clk.Now().Add(opts.RollbackTimeout)
	poll := newPoller(opts.PollInterval, opts.MaxPollInterval)
	for {
		info, err := c.getDeployment(ctx, id)
		if err != nil && ctx.Err() == nil && !isThrottle(err) {
			return out, err
		}
		if err == nil && terminal(info.Status) {
			if info.Status != cdtypes.DeploymentStatusSucceeded {
				out.Result = ResultFailed
				return out, &FailedError{DeploymentID: id, RollbackDeploymentID: rbID(info), Reason: failureReason(snapshot{info: info})}
			}
			out.Result = ResultFinished
			out.Message = fmt.Sprintf("deployment %s succeeded; the old task set is terminated", id)
			return out, nil
		}
		if !clk.Now().Before(deadline) || ctx.Err() != nil {
			cause := "not succeeded within " + fmtDuration(opts.RollbackTimeout)
			if ctx.Err() != nil {
				cause = "interrupted"
			}
			out.Result = ResultAborted
			return out, &AbortedError{DeploymentID: id, Cause: cause, Action: "termination wait ended; CodeDeploy finishes it", Hint: followHint(t, id)}
		}
		if err := clk.Sleep(ctx, poll.next()); err != nil {
			continue // the check above reports the interruption
		}
		poll.unchanged()
	}
}
