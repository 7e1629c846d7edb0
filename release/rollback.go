package release

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// RollbackOptions control Rollback.
type RollbackOptions struct {
	// Confirm is asked before a previous revision is redeployed (not before an active deployment
	// is stopped: that is what rollback means). Nil: treated as "no".
	Confirm func(question string) (bool, error)
	// Deploy controls the redeployment of the previous revision and the waits.
	Deploy DeployOptions
}

// Rollback stops the group's active deployment with rollback and waits for it; when none is
// active, it redeploys the task-definition revision before the one serving production, after
// confirmation.
func (c *Client) Rollback(ctx context.Context, t Target, opts RollbackOptions) (*Outcome, error) {
	dopts := opts.Deploy.withDefaults()
	out := &Outcome{Stack: t.Stack}
	ids, err := c.activeDeployments(ctx, t)
	if err != nil {
		return out, err
	}
	for _, id := range ids {
		info, err := c.getDeployment(ctx, id)
		if err != nil {
			return out, err
		}
		if terminal(info.Status) {
			continue
		}
		out.DeploymentID, out.ConsoleURL = id, ConsoleURL(t.Region, id)
		c.info(id, "deployment %s is %s; stopping it with rollback", id, info.Status)
		rb, err := c.stopAndRollBack(ctx, t, id, dopts)
		out.RollbackDeploymentID = rb.ID
		if err != nil {
			return out, err
		}
		if !rb.RolledBack {
			out.Result = ResultFailed
			return out, &FailedError{DeploymentID: id, RollbackDeploymentID: rb.ID, Reason: "stopped on request (it ended " + string(rb.Ended) + ")",
				Hint: "check the service with `ecs-bluegreen status --stack " + t.Stack + "`; if the deployment had succeeded, run rollback again to redeploy the previous revision"}
		}
		out.Result = ResultRolledBack
		out.Message = fmt.Sprintf("deployment %s stopped; rollback %s put production back on the previous task set; %s", id, rb.ID, stillNamed(t))
		return out, nil
	}

	svc, err := c.service(ctx, t)
	if err != nil {
		return out, err
	}
	serving := servingTaskDefinition(svc)
	prev, err := c.previousRevision(ctx, serving)
	if err != nil {
		return out, err
	}
	q := fmt.Sprintf("no deployment is active; redeploy the previous revision %s (production runs %s)?", prev, serving)
	yes := false
	if opts.Confirm != nil {
		if yes, err = opts.Confirm(q); err != nil {
			return out, &UsageError{Msg: "cannot read the confirmation", Err: err, Hint: "pass --yes to roll back without asking"}
		}
	}
	if !yes {
		out.Result = ResultAborted
		return out, &AbortedError{Cause: "not confirmed", Action: "nothing was deployed", Hint: "pass --yes to roll back without asking"}
	}
	dopts.Force = true
	if dopts.Description == "" {
		dopts.Description = "ecs-bluegreen rollback to " + prev + " (stack " + t.Stack + ")"
	}
	res, err := c.release(ctx, t, prev, dopts)
	if err == nil && res != nil {
		res.Message += "; " + stillNamed(t)
	}
	return res, err
}

// previousRevision is the newest ACTIVE revision of the serving task definition's family that is
// older than the serving one.
func (c *Client) previousRevision(ctx context.Context, serving string) (string, error) {
	family, rev, ok := taskDefinitionFamily(serving)
	if !ok {
		return "", &UsageError{Msg: fmt.Sprintf("cannot tell the family and revision of task definition %q", serving)}
	}
	in := &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family), Sort: ecstypes.SortOrderDesc, Status: ecstypes.TaskDefinitionStatusActive}
	for page := 0; page < 50; page++ {
		out, err := c.ECS.ListTaskDefinitions(ctx, in)
		if err != nil {
			return "", awsErr("ecs:ListTaskDefinitions", err)
		}
		for _, arn := range out.TaskDefinitionArns {
			f, r, ok := taskDefinitionFamily(arn)
			if ok && f == family && r < rev { // FamilyPrefix also matches longer family names
				return arn, nil
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return "", &UsageError{
		Msg:  fmt.Sprintf("no ACTIVE revision of task definition family %s older than %d", family, rev),
		Hint: "older revisions were deregistered; release a known-good image with `ecs-bluegreen deploy --stack STACK --image REF`",
	}
}

// stillNamed warns that a rollback leaves the stack's configuration on the rolled-back release.
func stillNamed(t Target) string {
	return fmt.Sprintf("note: the stack still names %s, so the next `deploy` releases it again: set ecs-bluegreen:image back (or fix forward) before deploying", t.TaskDefinitionArn)
}
