package awsdouble

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
)

// ---- wire shapes (field names as in the SDK's awsAwsjson11 (de)serializers) ----

type wDeploymentGroupInfo struct {
	ApplicationName                  string               `json:"applicationName"`
	DeploymentGroupID                string               `json:"deploymentGroupId"`
	DeploymentGroupName              string               `json:"deploymentGroupName"`
	DeploymentConfigName             string               `json:"deploymentConfigName"`
	ServiceRoleArn                   string               `json:"serviceRoleArn,omitempty"`
	ComputePlatform                  string               `json:"computePlatform"`
	DeploymentStyle                  wDeploymentStyle     `json:"deploymentStyle"`
	BlueGreenDeploymentConfiguration wBlueGreen           `json:"blueGreenDeploymentConfiguration"`
	ECSServices                      []wECSService        `json:"ecsServices"`
	LoadBalancerInfo                 wLoadBalancerInfo    `json:"loadBalancerInfo"`
	AutoRollbackConfiguration        wAutoRollback        `json:"autoRollbackConfiguration"`
	AlarmConfiguration               wAlarmConfiguration  `json:"alarmConfiguration"`
	LastAttemptedDeployment          *wLastDeploymentInfo `json:"lastAttemptedDeployment,omitempty"`
	LastSuccessfulDeployment         *wLastDeploymentInfo `json:"lastSuccessfulDeployment,omitempty"`
}

type wLastDeploymentInfo struct {
	DeploymentID string `json:"deploymentId"`
	Status       string `json:"status"`
	CreateTime   *epoch `json:"createTime,omitempty"`
	EndTime      *epoch `json:"endTime,omitempty"`
}

type wDeploymentStyle struct {
	DeploymentType   string `json:"deploymentType"`
	DeploymentOption string `json:"deploymentOption"`
}

type wBlueGreen struct {
	DeploymentReadyOption                     wReadyOption       `json:"deploymentReadyOption"`
	TerminateBlueInstancesOnDeploymentSuccess wTerminationOption `json:"terminateBlueInstancesOnDeploymentSuccess"`
}

type wReadyOption struct {
	ActionOnTimeout   string `json:"actionOnTimeout"`
	WaitTimeInMinutes int32  `json:"waitTimeInMinutes"`
}

type wTerminationOption struct {
	Action                       string `json:"action"`
	TerminationWaitTimeInMinutes int32  `json:"terminationWaitTimeInMinutes"`
}

type wECSService struct {
	ServiceName string `json:"serviceName"`
	ClusterName string `json:"clusterName"`
}

type wLoadBalancerInfo struct {
	TargetGroupPairInfoList []wTargetGroupPair `json:"targetGroupPairInfoList"`
}

type wTargetGroupPair struct {
	TargetGroups     []wTargetGroup `json:"targetGroups"`
	ProdTrafficRoute *wTrafficRoute `json:"prodTrafficRoute,omitempty"`
	TestTrafficRoute *wTrafficRoute `json:"testTrafficRoute,omitempty"`
}

type wTargetGroup struct {
	Name string `json:"name"`
}

type wTrafficRoute struct {
	ListenerArns []string `json:"listenerArns"`
}

type wAutoRollback struct {
	Enabled bool     `json:"enabled"`
	Events  []string `json:"events,omitempty"`
}

type wAlarmConfiguration struct {
	Enabled                bool     `json:"enabled"`
	IgnorePollAlarmFailure bool     `json:"ignorePollAlarmFailure"`
	Alarms                 []wAlarm `json:"alarms,omitempty"`
}

type wAlarm struct {
	Name string `json:"name"`
}

type wDeploymentConfigInfo struct {
	DeploymentConfigID   string          `json:"deploymentConfigId"`
	DeploymentConfigName string          `json:"deploymentConfigName"`
	ComputePlatform      string          `json:"computePlatform"`
	TrafficRoutingConfig wTrafficRouting `json:"trafficRoutingConfig"`
}

type wTrafficRouting struct {
	Type            string            `json:"type"`
	TimeBasedCanary *wTimeBasedCanary `json:"timeBasedCanary,omitempty"`
	TimeBasedLinear *wTimeBasedLinear `json:"timeBasedLinear,omitempty"`
}

type wTimeBasedCanary struct {
	CanaryPercentage int32 `json:"canaryPercentage"`
	CanaryInterval   int32 `json:"canaryInterval"`
}

type wTimeBasedLinear struct {
	LinearPercentage int32 `json:"linearPercentage"`
	LinearInterval   int32 `json:"linearInterval"`
}

type wDeploymentInfo struct {
	ApplicationName                    string            `json:"applicationName"`
	DeploymentGroupName                string            `json:"deploymentGroupName"`
	DeploymentConfigName               string            `json:"deploymentConfigName"`
	DeploymentID                       string            `json:"deploymentId"`
	Status                             string            `json:"status"`
	Creator                            string            `json:"creator"`
	Description                        string            `json:"description,omitempty"`
	ComputePlatform                    string            `json:"computePlatform"`
	CreateTime                         *epoch            `json:"createTime,omitempty"`
	StartTime                          *epoch            `json:"startTime,omitempty"`
	CompleteTime                       *epoch            `json:"completeTime,omitempty"`
	DeploymentOverview                 map[string]int64  `json:"deploymentOverview"`
	ErrorInformation                   *wErrorInfo       `json:"errorInformation,omitempty"`
	RollbackInfo                       *wRollbackInfo    `json:"rollbackInfo,omitempty"`
	Revision                           *wRevision        `json:"revision,omitempty"`
	InstanceTerminationWaitTimeStarted bool              `json:"instanceTerminationWaitTimeStarted"`
	DeploymentStyle                    wDeploymentStyle  `json:"deploymentStyle"`
	AutoRollbackConfiguration          wAutoRollback     `json:"autoRollbackConfiguration"`
	BlueGreenDeploymentConfiguration   wBlueGreen        `json:"blueGreenDeploymentConfiguration"`
	LoadBalancerInfo                   wLoadBalancerInfo `json:"loadBalancerInfo"`
}

type wErrorInfo struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type wRollbackInfo struct {
	RollbackDeploymentID           string `json:"rollbackDeploymentId,omitempty"`
	RollbackTriggeringDeploymentID string `json:"rollbackTriggeringDeploymentId,omitempty"`
	RollbackMessage                string `json:"rollbackMessage,omitempty"`
}

type wRevision struct {
	RevisionType   string           `json:"revisionType"`
	AppSpecContent *wAppSpecContent `json:"appSpecContent,omitempty"`
}

type wAppSpecContent struct {
	Content string `json:"content"`
	Sha256  string `json:"sha256,omitempty"`
}

type wDeploymentTarget struct {
	DeploymentTargetType string      `json:"deploymentTargetType"`
	ECSTarget            *wECSTarget `json:"ecsTarget"`
}

type wECSTarget struct {
	DeploymentID    string            `json:"deploymentId"`
	TargetID        string            `json:"targetId"`
	TargetArn       string            `json:"targetArn"`
	Status          string            `json:"status"`
	LastUpdatedAt   *epoch            `json:"lastUpdatedAt,omitempty"`
	LifecycleEvents []wLifecycleEvent `json:"lifecycleEvents"`
	TaskSetsInfo    []wECSTaskSet     `json:"taskSetsInfo"`
}

type wLifecycleEvent struct {
	LifecycleEventName string        `json:"lifecycleEventName"`
	Status             string        `json:"status"`
	StartTime          *epoch        `json:"startTime,omitempty"`
	EndTime            *epoch        `json:"endTime,omitempty"`
	Diagnostics        *wDiagnostics `json:"diagnostics,omitempty"`
}

type wDiagnostics struct {
	ErrorCode  string `json:"errorCode"`
	ScriptName string `json:"scriptName"`
	Message    string `json:"message"`
	LogTail    string `json:"logTail"`
}

type wECSTaskSet struct {
	Identifer     string       `json:"identifer"` // sic: the API's spelling
	DesiredCount  int64        `json:"desiredCount"`
	PendingCount  int64        `json:"pendingCount"`
	RunningCount  int64        `json:"runningCount"`
	Status        string       `json:"status"`
	TrafficWeight float64      `json:"trafficWeight"`
	TargetGroup   wTargetGroup `json:"targetGroup"`
	TaskSetLabel  string       `json:"taskSetLabel"`
}

// ---- operations ----

func (s *Server) lookupGroup(app, name string) (DeploymentGroup, error) {
	if app == "" {
		return DeploymentGroup{}, badRequest("ApplicationNameRequiredException", "The application name must be specified.")
	}
	if name == "" {
		return DeploymentGroup{}, badRequest("DeploymentGroupNameRequiredException", "The deployment group name must be specified.")
	}
	if !s.apps[app] {
		return DeploymentGroup{}, badRequest("ApplicationDoesNotExistException", "No application found for name: %s", app)
	}
	g, ok := s.groups[groupKey{app, name}]
	if !ok {
		return DeploymentGroup{}, badRequest("DeploymentGroupDoesNotExistException", "No Deployment Group found for name: %s", name)
	}
	return g, nil
}

func (s *Server) cdGetDeploymentGroup(body []byte) (any, error) {
	var in struct {
		ApplicationName     string `json:"applicationName"`
		DeploymentGroupName string `json:"deploymentGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, err := s.lookupGroup(in.ApplicationName, in.DeploymentGroupName)
	if err != nil {
		return nil, err
	}
	info := wDeploymentGroupInfo{
		ApplicationName:                  g.Application,
		DeploymentGroupID:                pseudoUUID("group/" + g.Application + "/" + g.Name),
		DeploymentGroupName:              g.Name,
		DeploymentConfigName:             g.DeploymentConfigName,
		ServiceRoleArn:                   g.ServiceRoleArn,
		ComputePlatform:                  "ECS",
		DeploymentStyle:                  blueGreenStyle,
		BlueGreenDeploymentConfiguration: blueGreen(g),
		ECSServices:                      []wECSService{{ServiceName: g.Service, ClusterName: g.Cluster}},
		LoadBalancerInfo:                 loadBalancerInfo(g),
		AutoRollbackConfiguration:        autoRollback(g.AutoRollbackEvents),
		AlarmConfiguration:               wAlarmConfiguration{Enabled: len(g.AlarmNames) > 0},
	}
	for _, a := range g.AlarmNames {
		info.AlarmConfiguration.Alarms = append(info.AlarmConfiguration.Alarms, wAlarm{Name: a})
	}
	for _, d := range s.deployments {
		if d.app != g.Application || d.group != g.Name {
			continue
		}
		last := &wLastDeploymentInfo{DeploymentID: d.id, Status: d.status, CreateTime: ts(d.createTime), EndTime: ts(d.completeTime)}
		info.LastAttemptedDeployment = last
		if d.status == StatusSucceeded {
			info.LastSuccessfulDeployment = last
		}
	}
	return map[string]any{"deploymentGroupInfo": info}, nil
}

var blueGreenStyle = wDeploymentStyle{DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL"}

func blueGreen(g DeploymentGroup) wBlueGreen {
	return wBlueGreen{
		DeploymentReadyOption: wReadyOption{ActionOnTimeout: g.ReadyAction, WaitTimeInMinutes: g.ReadyWaitMinutes},
		TerminateBlueInstancesOnDeploymentSuccess: wTerminationOption{
			Action: "TERMINATE", TerminationWaitTimeInMinutes: g.TerminationWaitMinutes,
		},
	}
}

func loadBalancerInfo(g DeploymentGroup) wLoadBalancerInfo {
	pair := wTargetGroupPair{TargetGroups: []wTargetGroup{{Name: g.TargetGroups[0]}, {Name: g.TargetGroups[1]}}}
	if g.ProdListenerArn != "" {
		pair.ProdTrafficRoute = &wTrafficRoute{ListenerArns: []string{g.ProdListenerArn}}
	}
	if g.TestListenerArn != "" {
		pair.TestTrafficRoute = &wTrafficRoute{ListenerArns: []string{g.TestListenerArn}}
	}
	return wLoadBalancerInfo{TargetGroupPairInfoList: []wTargetGroupPair{pair}}
}

func autoRollback(events []string) wAutoRollback {
	return wAutoRollback{Enabled: len(events) > 0, Events: events}
}

// pseudoUUID derives a stable UUID-shaped ID from a key.
func pseudoUUID(key string) string {
	b := sha256.Sum256([]byte(key))
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Server) cdGetDeploymentConfig(body []byte) (any, error) {
	var in struct {
		DeploymentConfigName string `json:"deploymentConfigName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.DeploymentConfigName == "" {
		return nil, badRequest("DeploymentConfigNameRequiredException", "The deployment configuration name must be specified.")
	}
	c, ok := s.configs[in.DeploymentConfigName]
	if !ok {
		return nil, badRequest("DeploymentConfigDoesNotExistException", "No deployment configuration found for name: %s", in.DeploymentConfigName)
	}
	info := wDeploymentConfigInfo{
		DeploymentConfigID:   pseudoUUID("config/" + c.Name),
		DeploymentConfigName: c.Name,
		ComputePlatform:      "ECS",
		TrafficRoutingConfig: wTrafficRouting{Type: c.Type},
	}
	switch c.Type {
	case TrafficCanary:
		info.TrafficRoutingConfig.TimeBasedCanary = &wTimeBasedCanary{CanaryPercentage: c.Percentage, CanaryInterval: c.IntervalMinutes}
	case TrafficLinear:
		info.TrafficRoutingConfig.TimeBasedLinear = &wTimeBasedLinear{LinearPercentage: c.Percentage, LinearInterval: c.IntervalMinutes}
	}
	return map[string]any{"deploymentConfigInfo": info}, nil
}

const pageSize = 100

// page returns items[start:start+pageSize] and the next token ("" at the end); a bad token
// answers badToken (each service names that error differently).
func page[T any](items []T, token, badToken string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", badRequest(badToken, "The next token is not valid.")
		}
		start = n
	}
	end := min(start+pageSize, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func (s *Server) cdListDeployments(body []byte) (any, error) {
	var in struct {
		ApplicationName     string   `json:"applicationName"`
		DeploymentGroupName string   `json:"deploymentGroupName"`
		IncludeOnlyStatuses []string `json:"includeOnlyStatuses"`
		CreateTimeRange     *struct {
			Start *float64 `json:"start"`
			End   *float64 `json:"end"`
		} `json:"createTimeRange"`
		NextToken string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.DeploymentGroupName != "" || in.ApplicationName != "" {
		if _, err := s.lookupGroup(in.ApplicationName, in.DeploymentGroupName); err != nil {
			return nil, err
		}
	}
	ids := []string{}
	for i := len(s.deployments) - 1; i >= 0; i-- { // newest first
		d := s.deployments[i]
		if in.ApplicationName != "" && (d.app != in.ApplicationName || d.group != in.DeploymentGroupName) {
			continue
		}
		if len(in.IncludeOnlyStatuses) > 0 && !slices.Contains(in.IncludeOnlyStatuses, d.status) {
			continue
		}
		if r := in.CreateTimeRange; r != nil {
			created := float64(d.createTime.UnixMilli()) / 1000
			if (r.Start != nil && created < *r.Start) || (r.End != nil && created > *r.End) {
				continue
			}
		}
		ids = append(ids, d.id)
	}
	out, next, err := page(ids, in.NextToken, "InvalidNextTokenException")
	if err != nil {
		return nil, err
	}
	resp := map[string]any{"deployments": out}
	if next != "" {
		resp["nextToken"] = next
	}
	return resp, nil
}

func (s *Server) lookupDeployment(id string) (*deployment, error) {
	if id == "" {
		return nil, badRequest("DeploymentIdRequiredException", "The deployment ID must be specified.")
	}
	d, ok := s.byID[id]
	if !ok {
		return nil, badRequest("DeploymentDoesNotExistException", "The deployment %s could not be found.", id)
	}
	return d, nil
}

func (s *Server) cdGetDeployment(body []byte) (any, error) {
	var in struct {
		DeploymentID string `json:"deploymentId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"deploymentInfo": s.deploymentInfo(d)}, nil
}

func (s *Server) deploymentInfo(d *deployment) wDeploymentInfo {
	info := wDeploymentInfo{
		ApplicationName:                    d.app,
		DeploymentGroupName:                d.group,
		DeploymentConfigName:               d.cfg.Name,
		DeploymentID:                       d.id,
		Status:                             d.status,
		Creator:                            d.creator,
		Description:                        d.description,
		ComputePlatform:                    "ECS",
		CreateTime:                         ts(d.createTime),
		StartTime:                          ts(d.startTime),
		CompleteTime:                       ts(d.completeTime),
		DeploymentOverview:                 map[string]int64{"Pending": 0, "InProgress": 0, "Succeeded": 0, "Failed": 0, "Skipped": 0, "Ready": 0},
		InstanceTerminationWaitTimeStarted: d.termStarted,
		DeploymentStyle:                    blueGreenStyle,
		AutoRollbackConfiguration:          autoRollback(d.autoRollback),
		BlueGreenDeploymentConfiguration:   blueGreen(d.grp),
		LoadBalancerInfo:                   loadBalancerInfo(d.grp),
	}
	info.DeploymentOverview[targetStatus(d)]++
	if d.errCode != "" {
		info.ErrorInformation = &wErrorInfo{Code: d.errCode, Message: d.errMsg}
	}
	if d.rollbackID != "" || d.triggeringID != "" {
		info.RollbackInfo = &wRollbackInfo{
			RollbackDeploymentID:           d.rollbackID,
			RollbackTriggeringDeploymentID: d.triggeringID,
			RollbackMessage:                d.rollbackMsg,
		}
	}
	if d.appSpec != "" {
		info.Revision = &wRevision{RevisionType: "AppSpecContent", AppSpecContent: &wAppSpecContent{Content: d.appSpec, Sha256: d.appSpecSHA}}
	}
	return info
}

// targetStatus maps a deployment's state to its (single) ECS target's status.
func targetStatus(d *deployment) string {
	switch d.status {
	case StatusCreated, StatusQueued:
		return "Pending"
	case StatusReady:
		return "Ready"
	case StatusSucceeded:
		return "Succeeded"
	case StatusFailed, StatusStopped:
		return "Failed"
	}
	return "InProgress"
}

func (s *Server) cdCreateDeployment(body []byte) (any, error) {
	var in struct {
		ApplicationName      string `json:"applicationName"`
		DeploymentGroupName  string `json:"deploymentGroupName"`
		DeploymentConfigName string `json:"deploymentConfigName"`
		Description          string `json:"description"`
		Revision             *struct {
			RevisionType   string `json:"revisionType"`
			AppSpecContent *struct {
				Content string `json:"content"`
				Sha256  string `json:"sha256"`
			} `json:"appSpecContent"`
		} `json:"revision"`
		AutoRollbackConfiguration *struct {
			Enabled bool     `json:"enabled"`
			Events  []string `json:"events"`
		} `json:"autoRollbackConfiguration"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Revision == nil {
		return nil, badRequest("RevisionRequiredException", "The revision must be specified.")
	}
	if in.Revision.RevisionType != "AppSpecContent" || in.Revision.AppSpecContent == nil {
		return nil, badRequest("InvalidRevisionException",
			"Revision type %q is not supported by the awsdouble test double; use AppSpecContent.", in.Revision.RevisionType)
	}
	ci := CreateInput{
		Application:          in.ApplicationName,
		DeploymentGroup:      in.DeploymentGroupName,
		AppSpec:              in.Revision.AppSpecContent.Content,
		AppSpecSHA256:        in.Revision.AppSpecContent.Sha256,
		Description:          in.Description,
		DeploymentConfigName: in.DeploymentConfigName,
	}
	if a := in.AutoRollbackConfiguration; a != nil {
		ci.AutoRollback = &AutoRollbackOverride{Enabled: a.Enabled, Events: a.Events}
	}
	id, err := s.create(ci, s.opts.Now())
	if err != nil {
		return nil, err
	}
	return map[string]any{"deploymentId": id}, nil
}

func (s *Server) cdContinueDeployment(body []byte) (any, error) {
	var in struct {
		DeploymentID       string `json:"deploymentId"`
		DeploymentWaitType string `json:"deploymentWaitType"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	if in.DeploymentWaitType == "" {
		in.DeploymentWaitType = "READY_WAIT"
	}
	now := s.opts.Now()
	switch {
	case in.DeploymentWaitType != "READY_WAIT" && in.DeploymentWaitType != "TERMINATION_WAIT":
		return nil, badRequest("InvalidDeploymentWaitTypeException", "The wait type %q is not valid.", in.DeploymentWaitType)
	case !d.active():
		return nil, badRequest("DeploymentAlreadyCompletedException", "The deployment %s is already completed (%s).", d.id, d.status)
	case in.DeploymentWaitType == "READY_WAIT" && d.phase == phaseReady:
		d.status = StatusInProgress
		d.logf(now, "ContinueDeployment(READY_WAIT): rerouting traffic")
		s.startEvent(d, d.event("BeforeAllowTraffic"), now)
	case in.DeploymentWaitType == "TERMINATION_WAIT" && d.phase == phaseTermWait:
		d.logf(now, "ContinueDeployment(TERMINATION_WAIT): ending the termination wait")
		s.finishTermination(d, now)
	case in.DeploymentWaitType == "READY_WAIT" && d.phase == phaseTermWait,
		in.DeploymentWaitType == "TERMINATION_WAIT" && d.phase == phaseReady:
		return nil, badRequest("InvalidDeploymentWaitTypeException",
			"The deployment %s is not waiting for %s (status %s).", d.id, in.DeploymentWaitType, d.status)
	case in.DeploymentWaitType == "READY_WAIT":
		return nil, badRequest("DeploymentIsNotInReadyStateException",
			"The deployment %s does not have a status of Ready and can't continue yet (status %s).", d.id, d.status)
	default:
		return nil, badRequest("InvalidDeploymentStatusException",
			"The deployment %s is not in its termination wait (status %s).", d.id, d.status)
	}
	return map[string]any{}, nil
}

func (s *Server) cdStopDeployment(body []byte) (any, error) {
	var in struct {
		DeploymentID        string `json:"deploymentId"`
		AutoRollbackEnabled *bool  `json:"autoRollbackEnabled"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	if !d.active() {
		return nil, badRequest("DeploymentAlreadyCompletedException", "The deployment %s is already completed (%s).", d.id, d.status)
	}
	rollback := slices.Contains(d.autoRollback, RollbackOnRequest)
	if in.AutoRollbackEnabled != nil {
		rollback = *in.AutoRollbackEnabled
	}
	s.stop(d, s.opts.Now(), "MANUAL_STOP", "The deployment was stopped by a StopDeployment request.", rollback && !d.rollback)
	msg := "Deployment " + d.id + " stopped"
	if d.rollbackID != "" {
		msg += "; rollback deployment " + d.rollbackID + " started"
	}
	return map[string]any{"status": "Succeeded", "statusMessage": msg}, nil
}

func (s *Server) targetID(d *deployment) string { return d.svc.cluster + ":" + d.svc.name }

func (s *Server) cdListDeploymentTargets(body []byte) (any, error) {
	var in struct {
		DeploymentID  string              `json:"deploymentId"`
		NextToken     string              `json:"nextToken"`
		TargetFilters map[string][]string `json:"targetFilters"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	for name := range in.TargetFilters {
		if name != "TargetStatus" && name != "ServerInstanceLabel" {
			return nil, badRequest("InvalidTargetFilterNameException", "The target filter name %s is not valid.", name)
		}
	}
	ids := []string{s.targetID(d)}
	if st := in.TargetFilters["TargetStatus"]; len(st) > 0 && !slices.Contains(st, targetStatus(d)) {
		ids = []string{}
	}
	if in.NextToken != "" {
		return nil, badRequest("InvalidNextTokenException", "The next token is not valid.")
	}
	return map[string]any{"targetIds": ids}, nil
}

func (s *Server) deploymentTarget(d *deployment, targetID string) (wDeploymentTarget, error) {
	if targetID == "" {
		return wDeploymentTarget{}, badRequest("DeploymentTargetIdRequiredException", "A deployment target ID must be specified.")
	}
	if targetID != s.targetID(d) {
		return wDeploymentTarget{}, badRequest("DeploymentTargetDoesNotExistException", "The deployment target %s does not exist in deployment %s.", targetID, d.id)
	}
	t := &wECSTarget{
		DeploymentID:    d.id,
		TargetID:        targetID,
		TargetArn:       s.serviceArn(d.svc.cluster, d.svc.name),
		Status:          targetStatus(d),
		LastUpdatedAt:   ts(d.lastUpdated),
		LifecycleEvents: []wLifecycleEvent{},
		TaskSetsInfo:    []wECSTaskSet{},
	}
	for _, e := range d.events {
		le := wLifecycleEvent{LifecycleEventName: e.name, Status: e.status, StartTime: ts(e.start), EndTime: ts(e.end)}
		if e.diag != nil {
			le.Diagnostics = &wDiagnostics{ErrorCode: e.diag.errorCode, ScriptName: e.diag.scriptName, Message: e.diag.message, LogTail: ""}
		}
		t.LifecycleEvents = append(t.LifecycleEvents, le)
	}
	for _, x := range []struct {
		ts    *taskSet
		label string
	}{{d.blue, "Blue"}, {d.green, "Green"}} {
		if x.ts == nil {
			continue
		}
		t.TaskSetsInfo = append(t.TaskSetsInfo, wECSTaskSet{
			Identifer:     x.ts.id,
			DesiredCount:  int64(x.ts.desired),
			PendingCount:  int64(x.ts.pending),
			RunningCount:  int64(x.ts.running),
			Status:        x.ts.status,
			TrafficWeight: x.ts.weight,
			TargetGroup:   wTargetGroup{Name: x.ts.targetGroup},
			TaskSetLabel:  x.label,
		})
	}
	return wDeploymentTarget{DeploymentTargetType: "ECSTarget", ECSTarget: t}, nil
}

func (s *Server) cdBatchGetDeploymentTargets(body []byte) (any, error) {
	var in struct {
		DeploymentID string   `json:"deploymentId"`
		TargetIDs    []string `json:"targetIds"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	if len(in.TargetIDs) == 0 {
		return nil, badRequest("DeploymentTargetIdRequiredException", "At least one deployment target ID must be specified.")
	}
	if len(in.TargetIDs) > 25 {
		return nil, badRequest("DeploymentTargetListSizeExceededException", "At most 25 target IDs may be given.")
	}
	out := []wDeploymentTarget{}
	for _, id := range in.TargetIDs {
		t, err := s.deploymentTarget(d, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return map[string]any{"deploymentTargets": out}, nil
}

func (s *Server) cdGetDeploymentTarget(body []byte) (any, error) {
	var in struct {
		DeploymentID string `json:"deploymentId"`
		TargetID     string `json:"targetId"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	d, err := s.lookupDeployment(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	t, err := s.deploymentTarget(d, in.TargetID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"deploymentTarget": t}, nil
}
