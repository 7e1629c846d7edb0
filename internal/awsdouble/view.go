package awsdouble

import "time"

// DeploymentView is a deployment as the double sees it, for test assertions.
type DeploymentView struct {
	ID, Application, DeploymentGroup string
	// Status is Created, InProgress, Ready, Succeeded, Failed or Stopped.
	Status string
	// Creator is "user" or "codeDeployRollback".
	Creator              string
	DeploymentConfigName string
	Description          string
	// AppSpec is the revision's content (empty for rollback deployments).
	AppSpec string
	// TaskDefinitionArn is the AppSpec's task definition.
	TaskDefinitionArn string
	CreateTime        time.Time
	StartTime         time.Time // zero until InProgress
	CompleteTime      time.Time // zero until ended
	// ErrorCode and ErrorMessage are errorInformation (e.g. HOOK_EXECUTION_FAILURE, ALARM_ACTIVE).
	ErrorCode, ErrorMessage string
	// RollbackDeploymentID names the rollback of this deployment; RollbackTriggeringDeploymentID,
	// on a rollback, the deployment it rolls back.
	RollbackDeploymentID, RollbackTriggeringDeploymentID string
	// TerminationWaitStarted is instanceTerminationWaitTimeStarted.
	TerminationWaitStarted bool
	// CurrentEvent is the lifecycle event in progress ("" when none).
	CurrentEvent string
	// LifecycleEvents in order, with their status.
	LifecycleEvents []LifecycleEventView
	// Blue and Green are the original and replacement task sets (nil before Install).
	Blue, Green *TaskSetView
	// Events is a human-readable, timestamped log of what happened.
	Events []string
}

// LifecycleEventView is one lifecycle event of a deployment.
type LifecycleEventView struct {
	Name, Status string
	Start, End   time.Time
	// Hook is the AppSpec hook function for the event, if any.
	Hook string
}

// TaskSetView is one task set of a deployment.
type TaskSetView struct {
	ID, TaskDefinitionArn, TargetGroup string
	// Status is PRIMARY or ACTIVE; Removed is true once ECS deleted it.
	Status  string
	Removed bool
	// Weight is the production traffic percentage.
	Weight float64
}

// Deployment returns the current view of a deployment.
func (s *Server) Deployment(id string) (DeploymentView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	d, ok := s.byID[id]
	if !ok {
		return DeploymentView{}, false
	}
	v := DeploymentView{
		ID: d.id, Application: d.app, DeploymentGroup: d.group,
		Status: d.status, Creator: d.creator, DeploymentConfigName: d.cfg.Name, Description: d.description,
		AppSpec: d.appSpec, TaskDefinitionArn: d.spec.taskDefinition,
		CreateTime: d.createTime, StartTime: d.startTime, CompleteTime: d.completeTime,
		ErrorCode: d.errCode, ErrorMessage: d.errMsg,
		RollbackDeploymentID: d.rollbackID, RollbackTriggeringDeploymentID: d.triggeringID,
		TerminationWaitStarted: d.termStarted,
		Blue:                   taskSetView(d.blue),
		Green:                  taskSetView(d.green),
		Events:                 append([]string(nil), d.log...),
	}
	if d.phase == phaseEvent {
		v.CurrentEvent = d.events[d.cur].name
	}
	for _, e := range d.events {
		v.LifecycleEvents = append(v.LifecycleEvents, LifecycleEventView{Name: e.name, Status: e.status, Start: e.start, End: e.end, Hook: e.hook})
	}
	return v, true
}

func taskSetView(t *taskSet) *TaskSetView {
	if t == nil {
		return nil
	}
	return &TaskSetView{ID: t.id, TaskDefinitionArn: t.taskDef, TargetGroup: t.targetGroup, Status: t.status, Removed: t.removed, Weight: t.weight}
}

// Deployments lists all deployment IDs, oldest first (rollbacks included).
func (s *Server) Deployments() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	ids := make([]string, 0, len(s.deployments))
	for _, d := range s.deployments {
		ids = append(ids, d.id)
	}
	return ids
}

// LiveTargetGroup is the name of the target group serving production for the deployment group
// (matched by name in any application): that of the service's task set with the larger
// production weight, the PRIMARY one on a tie. "" when the group or service is unknown.
func (s *Server) LiveTargetGroup(deploymentGroup string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	for _, g := range s.sortedGroups() {
		if g.Name != deploymentGroup {
			continue
		}
		svc := s.services[serviceKey{g.Cluster, g.Service}]
		if svc == nil {
			return ""
		}
		var live *taskSet
		for _, t := range svc.taskSets {
			if live == nil || t.weight > live.weight || (t.weight == live.weight && t.status == "PRIMARY") {
				live = t
			}
		}
		if live == nil {
			return ""
		}
		if live.targetGroup == "" {
			return g.TargetGroups[0]
		}
		return live.targetGroup
	}
	return ""
}

// ServiceTaskDefinition is the task definition of the service's PRIMARY task set (what
// DescribeServices reports as the service's taskDefinition); "" when unknown. cluster and
// service are names or ARNs.
func (s *Server) ServiceTaskDefinition(cluster, service string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.opts.Now())
	svc := s.services[serviceKey{lastSegment(cluster), lastSegment(service)}]
	if svc == nil {
		return ""
	}
	if p := svc.primary(); p != nil {
		return p.taskDef
	}
	return ""
}
