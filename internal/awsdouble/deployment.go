package awsdouble

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Deployment statuses (types.DeploymentStatus).
const (
	StatusCreated    = "Created"
	StatusQueued     = "Queued"
	StatusInProgress = "InProgress"
	StatusBaking     = "Baking"
	StatusReady      = "Ready"
	StatusSucceeded  = "Succeeded"
	StatusFailed     = "Failed"
	StatusStopped    = "Stopped"
)

// Creators (types.DeploymentCreator).
const (
	CreatorUser     = "user"
	CreatorRollback = "codeDeployRollback"
)

// hookTimeout is CodeDeploy's limit for a lifecycle hook to report back.
const hookTimeout = time.Hour

type phase int

const (
	phaseCreated phase = iota
	phaseEvent
	phaseReady
	phaseTermWait
	phaseDone
)

type lifecycleEvent struct {
	name     string
	status   string // Pending | InProgress | Succeeded | Failed | Skipped
	start    time.Time
	end      time.Time
	hook     string
	duration time.Duration
	timedOut bool
	diag     *diagnostics
}

type diagnostics struct {
	errorCode, scriptName, message string
}

type deployment struct {
	id, app, group string
	creator        string
	description    string
	appSpec        string
	appSpecSHA     string
	spec           appSpec
	grp            DeploymentGroup // snapshot at creation
	cfg            DeploymentConfig
	autoRollback   []string // effective auto-rollback events
	rollback       bool     // this is a rollback deployment

	createTime, startTime, completeTime time.Time
	lastUpdated                         time.Time

	status      string
	phase       phase
	phaseStart  time.Time
	cur         int
	events      []*lifecycleEvent
	errCode     string
	errMsg      string
	termStarted bool

	rollbackID, triggeringID, rollbackMsg string

	svc         serviceKey
	blue, green *taskSet
	log         []string
}

func (d *deployment) active() bool {
	switch d.status {
	case StatusCreated, StatusQueued, StatusInProgress, StatusBaking, StatusReady:
		return true
	}
	return false
}

func (d *deployment) logf(t time.Time, format string, args ...any) {
	d.log = append(d.log, t.UTC().Format(time.RFC3339)+" "+fmt.Sprintf(format, args...))
	d.lastUpdated = t
}

func (d *deployment) event(name string) int {
	for i, e := range d.events {
		if e.name == name {
			return i
		}
	}
	return -1
}

// AutoRollbackOverride replaces the deployment group's auto-rollback settings for one deployment.
type AutoRollbackOverride struct {
	Enabled bool
	Events  []string
}

// CreateInput is a CreateDeployment request in Go form (see StartDeployment).
type CreateInput struct {
	// Application and DeploymentGroup name an existing deployment group.
	Application, DeploymentGroup string
	// AppSpec is the JSON AppSpec content (revisionType AppSpecContent).
	AppSpec string
	// AppSpecSHA256 is the hex SHA-256 of AppSpec; validated when set.
	AppSpecSHA256 string
	// Description is reported as is (at most 512 characters).
	Description string
	// DeploymentConfigName overrides the group's config when set.
	DeploymentConfigName string
	// AutoRollback overrides the group's auto-rollback settings when set.
	AutoRollback *AutoRollbackOverride
}

// StartDeployment creates a deployment as CreateDeployment would, e.g. one started "by someone
// else" before the code under test runs. Errors are *APIError.
func (s *Server) StartDeployment(in CreateInput) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	return s.create(in, now)
}

func (s *Server) create(in CreateInput, now time.Time) (string, error) {
	if in.Application == "" {
		return "", badRequest("ApplicationNameRequiredException", "The application name must be specified.")
	}
	if in.DeploymentGroup == "" {
		return "", badRequest("DeploymentGroupNameRequiredException", "The deployment group name must be specified.")
	}
	if !s.apps[in.Application] {
		return "", badRequest("ApplicationDoesNotExistException", "No application found for name: %s", in.Application)
	}
	grp, ok := s.groups[groupKey{in.Application, in.DeploymentGroup}]
	if !ok {
		return "", badRequest("DeploymentGroupDoesNotExistException", "No Deployment Group found for name: %s", in.DeploymentGroup)
	}
	if len(in.Description) > 512 {
		return "", badRequest("DescriptionTooLongException", "The description is too long (max 512 characters).")
	}
	if in.AppSpec == "" {
		return "", badRequest("RevisionRequiredException", "The revision (AppSpecContent) must be specified.")
	}
	sum := sha256.Sum256([]byte(in.AppSpec))
	sha := hex.EncodeToString(sum[:])
	if in.AppSpecSHA256 != "" && !strings.EqualFold(in.AppSpecSHA256, sha) {
		return "", badRequest("InvalidRevisionException", "The SHA256 hash %s does not match the AppSpec content (SHA256 %s).", in.AppSpecSHA256, sha)
	}
	spec, err := parseAppSpec(in.AppSpec)
	if err != nil {
		return "", badRequest("InvalidRevisionException", "%v", err)
	}
	cfgName := grp.DeploymentConfigName
	if in.DeploymentConfigName != "" {
		cfgName = in.DeploymentConfigName
	}
	cfg, ok := s.configs[cfgName]
	if !ok {
		return "", badRequest("DeploymentConfigDoesNotExistException", "No deployment configuration found for name: %s", cfgName)
	}
	for _, d := range s.deployments {
		if d.app == in.Application && d.group == in.DeploymentGroup && d.active() {
			return "", badRequest("DeploymentLimitExceededException",
				"The Deployment Group '%s' already has an active Deployment '%s'", in.DeploymentGroup, d.id)
		}
	}
	events := grp.AutoRollbackEvents
	if in.AutoRollback != nil {
		events = nil
		if in.AutoRollback.Enabled {
			events = in.AutoRollback.Events
		}
	}
	d := s.newDeployment(grp, cfg, now)
	d.creator = CreatorUser
	d.description = in.Description
	d.appSpec, d.appSpecSHA, d.spec = in.AppSpec, sha, spec
	d.autoRollback = append([]string(nil), events...)
	for _, name := range lifecycleOrder {
		e := &lifecycleEvent{name: name, status: "Pending"}
		if hookEvents[name] {
			e.hook = spec.hooks[name]
		}
		d.events = append(d.events, e)
	}
	d.logf(now, "created by user (config %s, task definition %s)", cfg.Name, spec.taskDefinition)
	return d.id, nil
}

func (s *Server) newDeployment(grp DeploymentGroup, cfg DeploymentConfig, now time.Time) *deployment {
	s.deploymentSeq++
	d := &deployment{
		id:         fmt.Sprintf("d-TEST%05d", s.deploymentSeq),
		app:        grp.Application,
		group:      grp.Name,
		grp:        grp,
		cfg:        cfg,
		createTime: now,
		status:     StatusCreated,
		phase:      phaseCreated,
		phaseStart: now,
		svc:        serviceKey{grp.Cluster, grp.Service},
	}
	s.deployments = append(s.deployments, d)
	s.byID[d.id] = d
	return d
}

// advance moves every deployment forward to now. Deployments created by the transitions
// (rollbacks) are appended to the list and advanced in the same pass.
func (s *Server) advance(now time.Time) {
	for i := 0; i < len(s.deployments); i++ {
		d := s.deployments[i]
		for d.phase != phaseDone {
			end, ok := s.phaseEnd(d)
			if !ok || end.After(now) {
				break
			}
			s.finishPhase(d, end)
		}
		if d.phase == phaseEvent && !d.rollback && d.events[d.cur].name == "AllowTraffic" {
			s.shiftTraffic(d, now)
		}
	}
}

func (s *Server) phaseEnd(d *deployment) (time.Time, bool) {
	switch d.phase {
	case phaseCreated:
		return d.createTime.Add(s.opts.StepDuration), true
	case phaseEvent:
		return d.phaseStart.Add(d.events[d.cur].duration), true
	case phaseReady:
		if d.grp.ReadyWaitMinutes <= 0 {
			return time.Time{}, false
		}
		return d.phaseStart.Add(minutes(d.grp.ReadyWaitMinutes)), true
	case phaseTermWait:
		return d.phaseStart.Add(minutes(d.grp.TerminationWaitMinutes)), true
	}
	return time.Time{}, false
}

func minutes(m int32) time.Duration { return time.Duration(m) * time.Minute }

// trafficSchedule is the list of (offset from AllowTraffic start, green weight) shifts.
type shift struct {
	at     time.Duration
	weight float64
}

func trafficSchedule(cfg DeploymentConfig) []shift {
	p := float64(cfg.Percentage)
	interval := minutes(cfg.IntervalMinutes)
	switch {
	case cfg.Type == TrafficCanary && p > 0 && p < 100:
		return []shift{{0, p}, {interval, 100}}
	case cfg.Type == TrafficLinear && p > 0 && p < 100:
		var out []shift
		for i := 0; ; i++ {
			w := p * float64(i+1)
			if w >= 100 {
				return append(out, shift{time.Duration(i) * interval, 100})
			}
			out = append(out, shift{time.Duration(i) * interval, w})
		}
	}
	return []shift{{0, 100}}
}

func (s *Server) finishPhase(d *deployment, t time.Time) {
	switch d.phase {
	case phaseCreated:
		d.status = StatusInProgress
		d.startTime = t
		d.logf(t, "in progress")
		s.startEvent(d, 0, t)
	case phaseEvent:
		e := d.events[d.cur]
		s.endEvent(d, e, t)
		if d.phase == phaseDone {
			return
		}
		switch {
		case d.rollback:
			s.finishRollback(d, t)
		case e.name == "AfterAllowTestTraffic" && d.grp.ReadyAction == ReadyStop:
			d.phase, d.phaseStart, d.status = phaseReady, t, StatusReady
			d.logf(t, "ready: waiting for ContinueDeployment(READY_WAIT)")
		case e.name == "AfterAllowTraffic":
			s.startTermination(d, t)
		default:
			s.startEvent(d, d.cur+1, t)
		}
	case phaseReady:
		d.logf(t, "ready wait of %d minutes expired", d.grp.ReadyWaitMinutes)
		s.end(d, t, StatusStopped, "TIMEOUT",
			fmt.Sprintf("The deployment timed out while waiting for traffic to be rerouted (ready wait of %d minutes expired).", d.grp.ReadyWaitMinutes), true)
	case phaseTermWait:
		s.finishTermination(d, t)
	}
}

func (s *Server) startEvent(d *deployment, i int, t time.Time) {
	d.cur, d.phase, d.phaseStart = i, phaseEvent, t
	e := d.events[i]
	e.status, e.start = "InProgress", t
	e.duration = s.opts.StepDuration
	d.logf(t, "%s started", e.name)
	switch {
	case e.hook != "":
		if dur, ok := hookLookup(s.hookDurations, e.hook); ok {
			e.duration = dur
		}
		if e.duration > hookTimeout {
			e.duration, e.timedOut = hookTimeout, true
		}
	case d.rollback && e.name == "AllowTraffic":
		if d.blue != nil && !d.blue.removed {
			d.blue.weight, d.blue.updatedAt = 100, t
		}
		if d.green != nil && !d.green.removed {
			d.green.weight, d.green.updatedAt = 0, t
		}
		d.logf(t, "production traffic rerouted to the original task set")
	case e.name == "Install":
		s.install(d, t)
	case e.name == "AllowTraffic":
		sched := trafficSchedule(d.cfg)
		e.duration = sched[len(sched)-1].at + s.opts.StepDuration
		s.shiftTraffic(d, t)
	}
}

// install creates the green task set; it fails the deployment when ECS would.
func (s *Server) install(d *deployment, t time.Time) {
	svc := s.services[d.svc]
	if svc == nil {
		s.fail(d, t, "INVALID_ECS_SERVICE", fmt.Sprintf("The ECS service %s in cluster %s does not exist.", d.svc.name, d.svc.cluster))
		return
	}
	td, ok := s.findTaskDef(d.spec.taskDefinition)
	switch {
	case !ok:
		s.fail(d, t, "ECS_UPDATE_ERROR", fmt.Sprintf("The ECS service cannot be updated: task definition %s does not exist.", d.spec.taskDefinition))
		return
	case td.ContainerName != "" && td.ContainerName != d.spec.containerName:
		s.fail(d, t, "ECS_UPDATE_ERROR", fmt.Sprintf("The ECS service cannot be updated: container %s is not in task definition %s.", d.spec.containerName, td.Arn))
		return
	case td.ContainerPort != 0 && td.ContainerPort != d.spec.containerPort:
		s.fail(d, t, "ECS_UPDATE_ERROR", fmt.Sprintf("The ECS service cannot be updated: container %s does not expose port %d in task definition %s.", d.spec.containerName, d.spec.containerPort, td.Arn))
		return
	}
	// Leftovers of a deployment stopped or failed without rollback.
	blue := svc.primary()
	for _, ts := range slices.Clone(svc.taskSets) {
		if ts != blue {
			svc.remove(ts, t)
		}
	}
	if blue == nil {
		s.fail(d, t, "INVALID_ECS_SERVICE", fmt.Sprintf("The ECS service %s has no PRIMARY task set.", d.svc.name))
		return
	}
	blue.weight, blue.updatedAt = 100, t
	if blue.targetGroup == "" {
		blue.targetGroup = d.grp.TargetGroups[0]
	}
	var greenTG string
	switch blue.targetGroup {
	case d.grp.TargetGroups[0]:
		greenTG = d.grp.TargetGroups[1]
	case d.grp.TargetGroups[1]:
		greenTG = d.grp.TargetGroups[0]
	default:
		s.fail(d, t, "ELASTIC_LOAD_BALANCING_INVALID", fmt.Sprintf("The service's target group %s is not one of the deployment group's target groups %v.", blue.targetGroup, d.grp.TargetGroups))
		return
	}
	green := s.newTaskSet(svc.cfg, td.Arn, greenTG, d.id, t)
	svc.taskSets = append(svc.taskSets, green)
	d.blue, d.green = blue, green
	d.logf(t, "replacement task set %s created behind target group %s", green.id, greenTG)
}

func (s *Server) shiftTraffic(d *deployment, now time.Time) {
	if d.green == nil || d.blue == nil {
		return
	}
	elapsed := now.Sub(d.phaseStart)
	w := 0.0
	for _, sh := range trafficSchedule(d.cfg) {
		if sh.at <= elapsed {
			w = sh.weight
		}
	}
	if w != d.green.weight {
		d.green.weight, d.blue.weight = w, 100-w
		d.green.updatedAt, d.blue.updatedAt = now, now
		d.logf(now, "production traffic: %g%% green, %g%% blue", w, 100-w)
	}
}

func (s *Server) endEvent(d *deployment, e *lifecycleEvent, t time.Time) {
	e.end = t
	if e.hook != "" {
		ok, set := hookLookup(s.hookResults, e.hook)
		if !set {
			ok = true
		}
		switch {
		case e.timedOut:
			e.status = "Failed"
			e.diag = &diagnostics{errorCode: "ScriptTimedOut", scriptName: e.hook, message: "The lifecycle hook did not report a status within one hour."}
		case !ok:
			e.status = "Failed"
			e.diag = &diagnostics{errorCode: "ScriptFailed", scriptName: e.hook, message: "The lifecycle hook reported Failed."}
		}
		if e.status == "Failed" {
			d.logf(t, "%s failed: hook %s (%s)", e.name, e.hook, e.diag.errorCode)
			s.fail(d, t, "HOOK_EXECUTION_FAILURE",
				fmt.Sprintf("The deployment failed because a lifecycle hook (%s) for event %s failed: %s.", e.hook, e.name, e.diag.errorCode))
			return
		}
	}
	e.status = "Succeeded"
	d.logf(t, "%s succeeded", e.name)
	switch {
	case e.name == "Install" && d.green != nil:
		d.green.running, d.green.pending, d.green.updatedAt = d.green.desired, 0, t
	case e.name == "AllowTraffic" && !d.rollback:
		s.shiftTraffic(d, t)
	}
}

func (s *Server) startTermination(d *deployment, t time.Time) {
	d.phase, d.phaseStart, d.termStarted = phaseTermWait, t, true
	if d.green != nil && d.blue != nil {
		d.green.status, d.blue.status = "PRIMARY", "ACTIVE"
		d.green.updatedAt, d.blue.updatedAt = t, t
	}
	d.logf(t, "termination wait of %d minutes started; replacement task set is PRIMARY", d.grp.TerminationWaitMinutes)
}

func (s *Server) finishTermination(d *deployment, t time.Time) {
	if svc := s.services[d.svc]; svc != nil {
		svc.remove(d.blue, t)
	}
	d.logf(t, "original task set removed")
	d.status, d.completeTime, d.phase = StatusSucceeded, t, phaseDone
	d.logf(t, "succeeded")
}

func (s *Server) finishRollback(d *deployment, t time.Time) {
	svc := s.services[d.svc]
	if d.blue != nil && !d.blue.removed {
		d.blue.status, d.blue.weight, d.blue.updatedAt = "PRIMARY", 100, t
	}
	if svc != nil && d.green != nil {
		svc.remove(d.green, t)
	}
	d.status, d.completeTime, d.phase = StatusSucceeded, t, phaseDone
	d.logf(t, "rollback succeeded: original task set serves production, replacement removed")
}

// fail ends d as Failed; a rollback follows when DEPLOYMENT_FAILURE is enabled.
func (s *Server) fail(d *deployment, t time.Time, code, msg string) {
	s.end(d, t, StatusFailed, code, msg, slices.Contains(d.autoRollback, RollbackOnFailure))
}

// end finishes d at t with status, error information and optionally a rollback deployment.
func (s *Server) end(d *deployment, t time.Time, status, code, msg string, rollback bool) {
	for i, e := range d.events {
		switch {
		case e.status == "InProgress":
			e.end = t
			if status == StatusFailed && d.phase == phaseEvent && i == d.cur {
				e.status = "Failed"
			} else {
				e.status = "Skipped"
			}
		case e.status == "Pending":
			e.status = "Skipped"
		}
	}
	d.status, d.completeTime, d.phase = status, t, phaseDone
	d.errCode, d.errMsg = code, msg
	d.logf(t, "%s (%s): %s", strings.ToLower(status), code, msg)
	if rollback && !d.rollback {
		s.startRollback(d, t)
	}
}

func (s *Server) startRollback(orig *deployment, t time.Time) {
	r := s.newDeployment(orig.grp, orig.cfg, t)
	r.rollback = true
	r.creator = CreatorRollback
	r.description = "Rollback of " + orig.id
	r.blue, r.green = orig.blue, orig.green
	r.events = []*lifecycleEvent{{name: "AllowTraffic", status: "Pending"}}
	r.triggeringID = orig.id
	r.rollbackMsg = fmt.Sprintf("Rollback of deployment %s, which ended %s with %s.", orig.id, orig.status, orig.errCode)
	orig.rollbackID = r.id
	orig.rollbackMsg = fmt.Sprintf("Deployment %s was rolled back by deployment %s.", orig.id, r.id)
	r.logf(t, "created by codeDeployRollback for %s", orig.id)
	orig.logf(t, "rollback deployment %s started", r.id)
}

// stop implements StopDeployment and alarms on an active deployment.
func (s *Server) stop(d *deployment, t time.Time, code, msg string, rollback bool) {
	s.end(d, t, StatusStopped, code, msg, rollback)
}

// TriggerAlarm fires a CloudWatch alarm for an active deployment: it is Stopped (ALARM_ACTIVE),
// with a rollback when DEPLOYMENT_STOP_ON_ALARM is enabled. The alarm counts when the group
// lists it in AlarmNames, or lists no alarms at all (a convenience of this double); otherwise,
// and for unknown or finished deployments, nothing happens except a note in the view's Events.
func (s *Server) TriggerAlarm(deploymentID, alarmName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.advance(now)
	d := s.byID[deploymentID]
	if d == nil {
		return
	}
	if !d.active() {
		d.logf(now, "alarm %s ignored: deployment already %s", alarmName, d.status)
		return
	}
	if len(d.grp.AlarmNames) > 0 && !slices.Contains(d.grp.AlarmNames, alarmName) {
		d.logf(now, "alarm %s ignored: not monitored by group %s", alarmName, d.group)
		return
	}
	s.stop(d, now, "ALARM_ACTIVE",
		fmt.Sprintf("The deployment was stopped because the alarm %s is in the ALARM state.", alarmName),
		!d.rollback && slices.Contains(d.autoRollback, RollbackOnAlarm))
}
