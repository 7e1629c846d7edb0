package release

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// StatusReport is what `status` shows: the active (or last) deployment, which target group and
// task definition serve production, and the traffic weights.
type StatusReport struct {
	Stack                 string            `json:"stack"`
	Application           string            `json:"application"`
	DeploymentGroup       string            `json:"deploymentGroup"`
	Cluster               string            `json:"cluster"`
	Service               string            `json:"service"`
	ServingTaskDefinition string            `json:"servingTaskDefinition"` // the revision serving production
	StackTaskDefinition   string            `json:"stackTaskDefinition"`   // the revision the stack wants
	LiveTargetGroup       string            `json:"liveTargetGroup"`
	TaskSets              []TaskSetStatus   `json:"taskSets"`
	Deployment            *DeploymentStatus `json:"deployment,omitempty"` // nil when the group never deployed
}

// TaskSetStatus is one ECS task set of the service, with its CodeDeploy traffic weight while a
// deployment is active.
type TaskSetStatus struct {
	ID             string   `json:"id"`
	Status         string   `json:"status"` // PRIMARY, ACTIVE, DRAINING
	Label          string   `json:"label,omitempty"`
	TaskDefinition string   `json:"taskDefinition"`
	TargetGroup    string   `json:"targetGroup,omitempty"`
	TrafficPercent *float64 `json:"trafficPercent,omitempty"`
	Running        int64    `json:"running"`
	Desired        int64    `json:"desired"`
}

// DeploymentStatus describes one deployment.
type DeploymentStatus struct {
	ID                   string            `json:"id"`
	Active               bool              `json:"active"`
	Status               string            `json:"status"`
	Creator              string            `json:"creator,omitempty"`
	Created              *time.Time        `json:"created,omitempty"`
	Completed            *time.Time        `json:"completed,omitempty"`
	TerminationWait      bool              `json:"terminationWait"`
	ConsoleURL           string            `json:"consoleUrl"`
	Error                string            `json:"error,omitempty"`
	RollbackDeploymentID string            `json:"rollbackDeploymentId,omitempty"`
	LifecycleEvents      []LifecycleStatus `json:"lifecycleEvents,omitempty"`
}

// LifecycleStatus is one lifecycle event of a deployment.
type LifecycleStatus struct {
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Start  *time.Time `json:"start,omitempty"`
	End    *time.Time `json:"end,omitempty"`
	Hook   string     `json:"hook,omitempty"`
}

// Status reports the state of the target's releases.
func (c *Client) Status(ctx context.Context, t Target) (*StatusReport, error) {
	svc, err := c.service(ctx, t)
	if err != nil {
		return nil, err
	}
	rep := &StatusReport{
		Stack: t.Stack, Application: t.Application, DeploymentGroup: t.DeploymentGroup, Cluster: t.Cluster, Service: t.Service,
		ServingTaskDefinition: servingTaskDefinition(svc), StackTaskDefinition: t.TaskDefinitionArn,
		LiveTargetGroup: primaryTargetGroup(svc),
	}
	for _, ts := range svc.TaskSets {
		s := TaskSetStatus{ID: deref(ts.Id), Status: deref(ts.Status), TaskDefinition: deref(ts.TaskDefinition),
			Running: int64(ts.RunningCount), Desired: int64(ts.ComputedDesiredCount)}
		if len(ts.LoadBalancers) > 0 {
			s.TargetGroup = targetGroupName(deref(ts.LoadBalancers[0].TargetGroupArn))
		}
		rep.TaskSets = append(rep.TaskSets, s)
	}

	id, active, err := c.currentDeployment(ctx, t)
	if err != nil || id == "" {
		return rep, err
	}
	tr := &tracker{c: c, id: id}
	s, err := tr.poll(ctx)
	if err != nil {
		return rep, err
	}
	d := &DeploymentStatus{
		ID: id, Active: active && !terminal(s.info.Status), Status: string(s.info.Status), Creator: string(s.info.Creator),
		Created: s.info.CreateTime, Completed: s.info.CompleteTime, TerminationWait: s.info.InstanceTerminationWaitTimeStarted,
		ConsoleURL: ConsoleURL(t.Region, id), RollbackDeploymentID: rbID(s.info),
	}
	if s.info.Status == cdtypes.DeploymentStatusFailed || s.info.Status == cdtypes.DeploymentStatusStopped {
		d.Error = failureReason(s)
	}
	if s.target != nil {
		for _, e := range s.target.LifecycleEvents {
			name := deref(e.LifecycleEventName)
			d.LifecycleEvents = append(d.LifecycleEvents, LifecycleStatus{Name: name, Status: string(e.Status), Start: e.StartTime, End: e.EndTime, Hook: t.Hooks[name]})
		}
		if d.Active {
			// while a deployment runs, its task sets say where production traffic goes
			if live := liveTargetGroup(s.target); live != "" {
				rep.LiveTargetGroup = live
			}
			for _, info := range s.target.TaskSetsInfo {
				w := info.TrafficWeight
				i := slices.IndexFunc(rep.TaskSets, func(ts TaskSetStatus) bool { return ts.ID == deref(info.Identifer) })
				if i < 0 {
					rep.TaskSets = append(rep.TaskSets, TaskSetStatus{ID: deref(info.Identifer), Status: deref(info.Status)})
					i = len(rep.TaskSets) - 1
				}
				rep.TaskSets[i].Label = string(info.TaskSetLabel)
				rep.TaskSets[i].TrafficPercent = &w
				if info.TargetGroup != nil && rep.TaskSets[i].TargetGroup == "" {
					rep.TaskSets[i].TargetGroup = deref(info.TargetGroup.Name)
				}
			}
		}
	}
	rep.Deployment = d
	return rep, nil
}

// currentDeployment is the group's active deployment or, when none is active, its last one.
func (c *Client) currentDeployment(ctx context.Context, t Target) (id string, active bool, err error) {
	ids, err := c.activeDeployments(ctx, t)
	if err != nil {
		return "", false, err
	}
	if len(ids) > 0 {
		return ids[0], true, nil
	}
	out, err := c.CodeDeploy.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{
		ApplicationName: aws.String(t.Application), DeploymentGroupName: aws.String(t.DeploymentGroup),
	})
	if err != nil {
		return "", false, awsErr("codedeploy:GetDeploymentGroup", err)
	}
	if g := out.DeploymentGroupInfo; g != nil && g.LastAttemptedDeployment != nil && g.LastAttemptedDeployment.DeploymentId != nil {
		return *g.LastAttemptedDeployment.DeploymentId, false, nil
	}
	// no record on the group: take the newest of the group's first page of deployments
	list, err := c.CodeDeploy.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{
		ApplicationName: aws.String(t.Application), DeploymentGroupName: aws.String(t.DeploymentGroup),
	})
	if err != nil {
		return "", false, awsErr("codedeploy:ListDeployments", err)
	}
	var newest time.Time
	for _, cand := range list.Deployments[:min(len(list.Deployments), 10)] {
		info, err := c.getDeployment(ctx, cand)
		if err != nil {
			return "", false, err
		}
		if info.CreateTime != nil && info.CreateTime.After(newest) {
			id, newest = cand, *info.CreateTime
		}
	}
	return id, false, nil
}

// Summary is a human-readable report, several lines.
func (r *StatusReport) Summary() string {
	s := fmt.Sprintf("stack %s: service %s/%s, deployment group %s/%s\n", r.Stack, r.Cluster, r.Service, r.Application, r.DeploymentGroup)
	s += fmt.Sprintf("production: target group %s, task definition %s\n", orNone(r.LiveTargetGroup), orNone(r.ServingTaskDefinition))
	if r.StackTaskDefinition != "" && r.StackTaskDefinition != r.ServingTaskDefinition {
		s += fmt.Sprintf("stack wants: %s (not released yet: `ecs-bluegreen deploy --stack %s`)\n", r.StackTaskDefinition, r.Stack)
	}
	for _, ts := range r.TaskSets {
		s += fmt.Sprintf("  task set %s %s", ts.ID, ts.Status)
		if ts.Label != "" {
			s += " (" + ts.Label + ")"
		}
		s += fmt.Sprintf(" %s → %s, %d/%d running", ts.TaskDefinition, orNone(ts.TargetGroup), ts.Running, ts.Desired)
		if ts.TrafficPercent != nil {
			s += fmt.Sprintf(", traffic %.0f%%", *ts.TrafficPercent)
		}
		s += "\n"
	}
	d := r.Deployment
	if d == nil {
		return s + "no deployment yet\n"
	}
	kind := "last deployment"
	if d.Active {
		kind = "active deployment"
	}
	s += fmt.Sprintf("%s %s: %s", kind, d.ID, d.Status)
	if d.Creator != "" && d.Creator != "user" {
		s += " (created by " + d.Creator + ")"
	}
	if d.TerminationWait {
		s += " (termination wait: old task set kept; `ecs-bluegreen finish --stack " + r.Stack + "` ends it)"
	}
	if d.Created != nil {
		s += ", created " + d.Created.UTC().Format(time.RFC3339)
	}
	if d.Completed != nil {
		s += ", completed " + d.Completed.UTC().Format(time.RFC3339)
	}
	s += "\n  " + d.ConsoleURL + "\n"
	if d.Error != "" {
		s += "  error: " + d.Error + "\n"
	}
	if d.RollbackDeploymentID != "" {
		s += "  rolled back by " + d.RollbackDeploymentID + "\n"
	}
	for _, e := range d.LifecycleEvents {
		s += fmt.Sprintf("  %-22s %s", e.Name, e.Status)
		if e.Hook != "" {
			s += " (hook " + e.Hook + ")"
		}
		s += "\n"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
