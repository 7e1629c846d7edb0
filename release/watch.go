package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// poller is the adaptive poll interval: base after a change, growing by half while nothing
// changes, doubling on throttling, never above max.
type poller struct{ base, max, cur time.Duration }

func newPoller(base, maxInterval time.Duration) *poller {
	return &poller{base: base, max: maxInterval, cur: base}
}
func (p *poller) changed()   { p.cur = p.base }
func (p *poller) unchanged() { p.cur = min(p.cur+p.cur/2, p.max) }
func (p *poller) throttled() { p.cur = min(max(2*p.cur, 2*p.base), p.max) }
func (p *poller) next() time.Duration {
	return p.cur
}

// maxPollErrors is how many polls in a row may fail (each after the SDK's own retries) before
// the watch gives up; throttling does not count, it only slows the polling down.
const maxPollErrors = 3

// snapshot is one poll of a deployment: its info and its ECS target (nil before it has one).
type snapshot struct {
	info   *cdtypes.DeploymentInfo
	target *cdtypes.ECSTarget
}

// tracker polls one deployment; it remembers the deployment's target IDs once known.
type tracker struct {
	c         *Client
	id        string
	targetIDs []string
}

func (tr *tracker) poll(ctx context.Context) (snapshot, error) {
	info, err := tr.c.getDeployment(ctx, tr.id)
	if err != nil {
		return snapshot{}, err
	}
	s := snapshot{info: info}
	if info.Status == cdtypes.DeploymentStatusCreated || info.Status == cdtypes.DeploymentStatusQueued {
		return s, nil
	}
	if len(tr.targetIDs) == 0 {
		out, err := tr.c.CodeDeploy.ListDeploymentTargets(ctx, &codedeploy.ListDeploymentTargetsInput{DeploymentId: aws.String(tr.id)})
		if err != nil {
			return s, awsErr("codedeploy:ListDeploymentTargets", err)
		}
		tr.targetIDs = out.TargetIds
	}
	if len(tr.targetIDs) == 0 {
		return s, nil
	}
	out, err := tr.c.CodeDeploy.BatchGetDeploymentTargets(ctx, &codedeploy.BatchGetDeploymentTargetsInput{
		DeploymentId: aws.String(tr.id), TargetIds: tr.targetIDs,
	})
	if err != nil {
		return s, awsErr("codedeploy:BatchGetDeploymentTargets", err)
	}
	for _, dt := range out.DeploymentTargets {
		if dt.EcsTarget != nil {
			s.target = dt.EcsTarget
			break
		}
	}
	return s, nil
}

// greenTraffic is the share of production traffic on the new task set, or nil.
func greenTraffic(tg *cdtypes.ECSTarget) *float64 {
	if tg == nil {
		return nil
	}
	for _, ts := range tg.TaskSetsInfo {
		if ts.TaskSetLabel == cdtypes.TargetLabelGreen {
			w := ts.TrafficWeight
			return &w
		}
	}
	return nil
}

// currentEvent is the lifecycle event in progress, else the failed one, else the last one done,
// else the first pending one.
func currentEvent(tg *cdtypes.ECSTarget) *cdtypes.LifecycleEvent {
	if tg == nil || len(tg.LifecycleEvents) == 0 {
		return nil
	}
	var done *cdtypes.LifecycleEvent
	for i := range tg.LifecycleEvents {
		e := &tg.LifecycleEvents[i]
		switch e.Status {
		case cdtypes.LifecycleEventStatusInProgress, cdtypes.LifecycleEventStatusFailed:
			return e
		case cdtypes.LifecycleEventStatusSucceeded, cdtypes.LifecycleEventStatusSkipped:
			done = e
		}
	}
	if done != nil {
		return done
	}
	return &tg.LifecycleEvents[0]
}

func eventStatus(tg *cdtypes.ECSTarget, name string) cdtypes.LifecycleEventStatus {
	if tg == nil {
		return ""
	}
	for _, e := range tg.LifecycleEvents {
		if deref(e.LifecycleEventName) == name {
			return e.Status
		}
	}
	return ""
}

func eventEnd(tg *cdtypes.ECSTarget, name string) *time.Time {
	if tg == nil {
		return nil
	}
	for _, e := range tg.LifecycleEvents {
		if deref(e.LifecycleEventName) == name {
			return e.EndTime
		}
	}
	return nil
}

// released: production traffic is all on the new task set.
func released(s snapshot) bool {
	if s.info.Status == cdtypes.DeploymentStatusSucceeded {
		return true
	}
	if eventStatus(s.target, "AfterAllowTraffic") == cdtypes.LifecycleEventStatusSucceeded {
		return true
	}
	if g := greenTraffic(s.target); g != nil && *g >= 100 && s.info.InstanceTerminationWaitTimeStarted {
		return true
	}
	return false
}

func (c *Client) progress(s snapshot, hooks map[string]string, start time.Time, budget time.Duration) Progress {
	p := Progress{
		Status:          string(s.info.Status),
		TrafficPercent:  greenTraffic(s.target),
		TerminationWait: s.info.InstanceTerminationWaitTimeStarted,
		ElapsedSeconds:  int64(since(c.clock(), start).Seconds()),
		BudgetSeconds:   int64(budget.Seconds()),
	}
	if e := currentEvent(s.target); e != nil {
		p.LifecycleEvent = deref(e.LifecycleEventName)
		p.LifecycleStatus = string(e.Status)
		p.Hook = hooks[p.LifecycleEvent]
	}
	return p
}

// watch follows the deployment to its end (see Deploy).
func (c *Client) watch(ctx context.Context, t Target, id string, budget Budget, opts DeployOptions, out *Outcome) (*Outcome, error) {
	clk := c.clock()
	start := clk.Now()
	deadline := start.Add(budget.Total)
	tr := &tracker{c: c, id: id}
	poll := newPoller(opts.PollInterval, opts.MaxPollInterval)
	lastKey, gated, approvalNoted, failures := "", false, false, 0
	for {
		s, err := tr.poll(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return c.abort(ctx, t, id, "interrupted", opts, out)
		case err != nil && isThrottle(err):
			poll.throttled()
			c.warn(id, "CodeDeploy is throttling; polling every %s", fmtDuration(poll.next()))
		case err != nil:
			failures++
			if failures >= maxPollErrors {
				out.Result = ResultAborted
				return out, &AbortedError{DeploymentID: id, Cause: "cannot read the deployment", Action: "left running", Hint: followHint(t, id), Err: err}
			}
			c.warn(id, "polling failed (%d of %d allowed in a row): %v", failures, maxPollErrors, err)
		default:
			failures = 0
			p := c.progress(s, t.Hooks, start, budget.Total)
			changed := p.key() != lastKey
			lastKey = p.key()
			if changed {
				poll.changed()
			} else {
				poll.unchanged()
			}
			c.emit(Event{Kind: EventProgress, DeploymentID: id, Progress: &p, Changed: changed})
			if g := s.target; g != nil {
				out.LiveTargetGroup = liveTargetGroup(g)
			}

			switch st := s.info.Status; {
			case st == cdtypes.DeploymentStatusSucceeded:
				out.Result = ResultSucceeded
				out.Message = fmt.Sprintf("deployment %s succeeded: production runs %s; the old task set is terminated", id, out.TaskDefinitionArn)
				return out, nil
			case st == cdtypes.DeploymentStatusFailed || st == cdtypes.DeploymentStatusStopped:
				return c.failed(ctx, t, s, opts, out, "")
			case st == cdtypes.DeploymentStatusReady && !gated:
				gated = true
				if t.Smoke.Enabled {
					if res, done, err := c.gate(ctx, t, id, opts, out); done {
						return res, err
					}
					poll.changed()
					continue // poll again at once: the deployment moves on
				}
				if !approvalNoted {
					approvalNoted = true
					c.emit(Event{Kind: EventWaiting, DeploymentID: id, Message: fmt.Sprintf(
						"deployment %s is waiting for approval before moving production traffic; test it at %s, then run "+
							"`aws deploy continue-deployment --deployment-id %s --deployment-wait-type READY_WAIT` "+
							"(or stop it with `aws deploy stop-deployment --deployment-id %s --auto-rollback-enabled`)",
						id, t.TestURL, id, id)})
				}
			case released(s) && !opts.WaitTermination:
				out.Result = ResultReleased
				until := c.rollbackWindow(s, budget)
				out.OldTasksUntil = until
				out.Message = fmt.Sprintf("production traffic is 100%% on %s", out.TaskDefinitionArn)
				if until != nil {
					out.Message += fmt.Sprintf("; the old task set stays until %s for a fast rollback (`ecs-bluegreen rollback --stack %s`); "+
						"`ecs-bluegreen finish --stack %s` ends that now", until.UTC().Format(time.RFC3339), t.Stack, t.Stack)
				}
				return out, nil
			}
		}
		if !clk.Now().Before(deadline) {
			return c.abort(ctx, t, id, "time budget of "+fmtDuration(budget.Total)+" exceeded", opts, out)
		}
		wait := min(poll.next(), max(deadline.Sub(clk.Now()), time.Second))
		if err := clk.Sleep(ctx, wait); err != nil {
			return c.abort(ctx, t, id, "interrupted", opts, out)
		}
	}
}

// rollbackWindow is when the old task set will be terminated, or nil if it is already gone.
func (c *Client) rollbackWindow(s snapshot, b Budget) *time.Time {
	if s.info.Status == cdtypes.DeploymentStatusSucceeded {
		return nil
	}
	from := c.clock().Now()
	if end := eventEnd(s.target, "AfterAllowTraffic"); end != nil {
		from = *end
	}
	until := from.Add(b.TerminationWait)
	return &until
}

func liveTargetGroup(tg *cdtypes.ECSTarget) string {
	best, weight := "", -1.0
	for _, ts := range tg.TaskSetsInfo {
		if ts.TargetGroup != nil && ts.TrafficWeight > weight {
			best, weight = deref(ts.TargetGroup.Name), ts.TrafficWeight
		}
	}
	return best
}

// gate runs the smoke check while the deployment waits for readiness, then continues the
// deployment, or stops it with rollback. done reports that the release is over (res, err final).
func (c *Client) gate(ctx context.Context, t Target, id string, opts DeployOptions, out *Outcome) (res *Outcome, done bool, err error) {
	url := t.SmokeURL()
	c.info(id, "smoke gate: GET %s until %d consecutive responses with status %s (request timeout %s, interval %s, at most %s)",
		url, t.Smoke.ConsecutiveSuccesses, FormatStatuses(t.Smoke.ExpectedStatus), fmtDuration(t.Smoke.RequestTimeout),
		fmtDuration(t.Smoke.Interval), fmtDuration(t.Smoke.TotalTimeout))
	rep, err := RunSmoke(ctx, c.HTTP, c.clock(), url, t.Smoke, func(a SmokeAttempt) {
		c.emit(Event{Kind: EventSmoke, DeploymentID: id, Smoke: &a, Message: a.String()})
	})
	out.Smoke = &rep
	if err != nil {
		res, err := c.abort(ctx, t, id, "interrupted during the smoke gate", opts, out)
		return res, true, err
	}
	if rep.Passed {
		c.emit(Event{Kind: EventAction, DeploymentID: id, Message: fmt.Sprintf("smoke gate passed (%d requests); continuing deployment %s", rep.Attempts, id)})
		_, err := c.CodeDeploy.ContinueDeployment(ctx, &codedeploy.ContinueDeploymentInput{
			DeploymentId: aws.String(id), DeploymentWaitType: cdtypes.DeploymentWaitTypeReadyWait,
		})
		if err != nil {
			if ctx.Err() != nil {
				res, err := c.abort(ctx, t, id, "interrupted", opts, out)
				return res, true, err
			}
			out.Result = ResultAborted
			return out, true, &AbortedError{DeploymentID: id, Cause: "could not continue the deployment after the smoke gate passed",
				Action: "left waiting; CodeDeploy stops it at the ready timeout", Hint: followHint(t, id),
				Err: awsErr("codedeploy:ContinueDeployment", err)}
		}
		return nil, false, nil
	}
	c.emit(Event{Kind: EventWarning, DeploymentID: id, Message: "smoke gate failed: " + rep.Reason})
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.RollbackTimeout)
	defer cancel()
	rb, serr := c.stopAndRollBack(bctx, t, id, opts)
	out.Result = ResultFailed
	out.RollbackDeploymentID = rb.ID
	if serr != nil {
		return out, true, serr
	}
	return out, true, &FailedError{
		DeploymentID: id, RollbackDeploymentID: rb.ID, RolledBack: rb.RolledBack,
		Reason: "smoke gate failed: " + rep.Reason, Evidence: smokeEvidence(rep),
		Hint: "production traffic never moved; fix the service so that " + url + " answers " + FormatStatuses(t.Smoke.ExpectedStatus) + ", then deploy again",
	}
}

func smokeEvidence(rep SmokeReport) string {
	if len(rep.Evidence) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("  evidence (last failed requests):")
	for _, a := range rep.Evidence {
		b.WriteString("\n    " + a.At.UTC().Format(time.RFC3339) + " " + a.String())
	}
	return b.String()
}

// rollbackResult is what became of a deployment that was stopped or failed.
type rollbackResult struct {
	ID         string                   // the rollback deployment; "" when none appeared
	RolledBack bool                     // the rollback deployment succeeded
	Ended      cdtypes.DeploymentStatus // the final status of the original deployment
}

// stopAndRollBack stops the deployment with rollback and waits (bounded by ctx and
// opts.RollbackTimeout) for the rollback to finish.
func (c *Client) stopAndRollBack(ctx context.Context, t Target, id string, opts DeployOptions) (rollbackResult, error) {
	c.emit(Event{Kind: EventAction, DeploymentID: id, Message: "stopping deployment " + id + " with rollback"})
	_, err := c.CodeDeploy.StopDeployment(ctx, &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id), AutoRollbackEnabled: aws.Bool(true)})
	if err != nil {
		// it may have finished meanwhile; what happened is read below
		c.warn(id, "StopDeployment: %v", err)
	}
	return c.awaitRollback(ctx, t, id, true, opts)
}

// rollbackGrace is how long a rollback deployment may take to appear after its deployment ended.
const rollbackGrace = time.Minute

// awaitRollback waits for the deployment to end and for its rollback deployment, if any, to end.
// expectRollback says a rollback was requested; otherwise one is awaited only when the
// deployment's auto-rollback is enabled.
func (c *Client) awaitRollback(ctx context.Context, t Target, id string, expectRollback bool, opts DeployOptions) (rollbackResult, error) {
	clk := c.clock()
	deadline := clk.Now().Add(opts.RollbackTimeout)
	poll := newPoller(opts.PollInterval, opts.MaxPollInterval)
	var res rollbackResult
	var endedAt time.Time
	for res.ID == "" {
		info, err := c.getDeployment(ctx, id)
		if err == nil {
			res.ID, res.Ended = rbID(info), info.Status
			if res.ID != "" {
				break
			}
			if terminal(info.Status) {
				if endedAt.IsZero() {
					endedAt = clk.Now()
				}
				autoRollback := info.AutoRollbackConfiguration != nil && info.AutoRollbackConfiguration.Enabled
				switch {
				case info.Status == cdtypes.DeploymentStatusSucceeded:
					c.warn(id, "deployment %s succeeded before it could be stopped; it was not rolled back", id)
					return res, nil
				case !expectRollback && !autoRollback:
					c.warn(id, "deployment %s ended %s and its group has no auto-rollback: no rollback follows", id, info.Status)
					return res, nil
				case clk.Now().Sub(endedAt) >= rollbackGrace:
					c.warn(id, "deployment %s ended %s without a rollback deployment", id, info.Status)
					return res, nil
				}
			}
		} else if !isThrottle(err) && ctx.Err() == nil {
			c.warn(id, "reading deployment %s: %v", id, err)
		}
		if !clk.Now().Before(deadline) || ctx.Err() != nil {
			return res, c.rollbackTimeout(t, id, "", opts)
		}
		if err := clk.Sleep(ctx, poll.next()); err != nil {
			return res, c.rollbackTimeout(t, id, "", opts)
		}
		poll.unchanged()
	}
	c.info(res.ID, "rollback deployment %s: %s", res.ID, ConsoleURL(t.Region, res.ID))
	tr := &tracker{c: c, id: res.ID}
	start := clk.Now()
	lastKey := ""
	poll.changed()
	for {
		s, err := tr.poll(ctx)
		if err == nil {
			p := c.progress(s, nil, start, opts.RollbackTimeout)
			p.Rollback = true
			p.TrafficPercent = nil // a rollback has no new task set; production returns to the original
			changed := p.key() != lastKey
			lastKey = p.key()
			c.emit(Event{Kind: EventProgress, DeploymentID: res.ID, Progress: &p, Changed: changed})
			if terminal(s.info.Status) {
				if s.info.Status != cdtypes.DeploymentStatusSucceeded {
					c.warn(res.ID, "rollback deployment %s ended %s: %s", res.ID, s.info.Status, failureReason(s))
				}
				res.RolledBack = s.info.Status == cdtypes.DeploymentStatusSucceeded
				return res, nil
			}
		}
		if !clk.Now().Before(deadline) || ctx.Err() != nil {
			return res, c.rollbackTimeout(t, id, res.ID, opts)
		}
		if err := clk.Sleep(ctx, poll.next()); err != nil {
			return res, c.rollbackTimeout(t, id, res.ID, opts)
		}
		poll.unchanged()
	}
}

func (c *Client) rollbackTimeout(t Target, id, rollbackID string, opts DeployOptions) error {
	follow := rollbackID
	if follow == "" {
		follow = id
	}
	return &AbortedError{
		DeploymentID: id,
		Cause:        "rollback not finished within " + fmtDuration(opts.RollbackTimeout),
		Action:       "stop requested; the rollback goes on in CodeDeploy",
		Hint:         followHint(t, follow),
	}
}

func rbID(info *cdtypes.DeploymentInfo) string {
	if info.RollbackInfo == nil {
		return ""
	}
	return deref(info.RollbackInfo.RollbackDeploymentId)
}

// failed handles a deployment that CodeDeploy failed or stopped: it waits for the rollback and
// returns a FailedError that says why.
func (c *Client) failed(ctx context.Context, t Target, s snapshot, opts DeployOptions, out *Outcome, prefix string) (*Outcome, error) {
	id := deref(s.info.DeploymentId)
	out.Result = ResultFailed
	reason := prefix + failureReason(s)
	c.emit(Event{Kind: EventWarning, DeploymentID: id, Message: fmt.Sprintf("deployment %s %s: %s", id, s.info.Status, reason)})
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.RollbackTimeout)
	defer cancel()
	rb, err := c.awaitRollback(bctx, t, id, false, opts)
	out.RollbackDeploymentID = rb.ID
	if err != nil {
		return out, err
	}
	hint := "see " + ConsoleURL(t.Region, id) + " for the full event log"
	if rb.ID == "" {
		hint = "check where production runs with `ecs-bluegreen status --stack " + t.Stack + "`; " + hint
	}
	return out, &FailedError{DeploymentID: id, RollbackDeploymentID: rb.ID, RolledBack: rb.RolledBack, Reason: reason, Hint: hint}
}

// failureReason explains a failed or stopped deployment from its error information, its failed
// lifecycle event (with a hook's diagnostics) and its status messages.
func failureReason(s snapshot) string {
	var parts []string
	if e := s.info.ErrorInformation; e != nil && (e.Code != "" || deref(e.Message) != "") {
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("%s %s", e.Code, strings.TrimSuffix(deref(e.Message), "."))))
	}
	if s.target != nil {
		for _, e := range s.target.LifecycleEvents {
			if e.Status != cdtypes.LifecycleEventStatusFailed {
				continue
			}
			msg := "lifecycle event " + deref(e.LifecycleEventName) + " failed"
			if d := e.Diagnostics; d != nil {
				if d.ErrorCode != "" {
					msg += " (" + string(d.ErrorCode) + ")"
				}
				if m := deref(d.Message); m != "" {
					msg += ": " + m
				}
				if lt := deref(d.LogTail); lt != "" {
					msg += "; log tail: " + lt
				}
			}
			parts = append(parts, msg)
		}
	}
	if r := s.info.RollbackInfo; r != nil && deref(r.RollbackMessage) != "" {
		parts = append(parts, strings.TrimSuffix(deref(r.RollbackMessage), "."))
	}
	parts = append(parts, s.info.DeploymentStatusMessages...)
	if len(parts) == 0 {
		return "status " + string(s.info.Status)
	}
	return strings.Join(parts, "; ")
}

// abort handles an interrupt or an exceeded budget the way the user chose.
func (c *Client) abort(ctx context.Context, t Target, id, cause string, opts DeployOptions, out *Outcome) (*Outcome, error) {
	out.Result = ResultAborted
	if opts.OnAbort == AbortLeave {
		c.warn(id, "%s: leaving deployment %s running", cause, id)
		return out, &AbortedError{DeploymentID: id, Cause: cause, Action: "left running (--on-abort=leave)", Hint: followHint(t, id)}
	}
	c.warn(id, "%s: stopping deployment %s with rollback and waiting up to %s for the rollback (interrupt again to stop waiting)",
		cause, id, fmtDuration(opts.RollbackTimeout))
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.RollbackTimeout)
	defer cancel()
	rb, err := c.stopAndRollBack(bctx, t, id, opts)
	out.RollbackDeploymentID = rb.ID
	if err != nil {
		var ae *AbortedError
		if errors.As(err, &ae) {
			ae.Cause = cause + "; " + ae.Cause
		}
		return out, err
	}
	var action string
	switch {
	case rb.RolledBack:
		action = "stopped and rolled back by " + rb.ID + "; production is on the previous task set"
	case rb.ID != "":
		action = "stopped; rollback deployment " + rb.ID + " did not succeed"
	case rb.Ended == cdtypes.DeploymentStatusSucceeded:
		action = "it succeeded before it could be stopped, so production runs the new revision; `ecs-bluegreen rollback --stack " + t.Stack + "` goes back"
	default:
		action = fmt.Sprintf("stopped (%s) without a rollback deployment; check production with `ecs-bluegreen status --stack %s`", rb.Ended, t.Stack)
	}
	return out, &AbortedError{DeploymentID: id, Cause: cause, Action: action, Hint: followHint(t, id)}
}
