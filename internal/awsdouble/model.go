package awsdouble

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Ready actions and auto-rollback events, as the CodeDeploy API spells them.
const (
	ReadyContinue = "CONTINUE_DEPLOYMENT"
	ReadyStop     = "STOP_DEPLOYMENT"

	RollbackOnFailure = "DEPLOYMENT_FAILURE"
	RollbackOnAlarm   = "DEPLOYMENT_STOP_ON_ALARM"
	RollbackOnRequest = "DEPLOYMENT_STOP_ON_REQUEST"
)

// Traffic routing types of a DeploymentConfig.
const (
	TrafficAllAtOnce = "AllAtOnce"
	TrafficCanary    = "TimeBasedCanary"
	TrafficLinear    = "TimeBasedLinear"
)

// DeploymentGroup is a CodeDeploy ECS blue/green deployment group (compute platform ECS,
// deployment style BLUE_GREEN / WITH_TRAFFIC_CONTROL).
type DeploymentGroup struct {
	// Application is the CodeDeploy application; PutDeploymentGroup registers it if needed.
	Application string
	// Name is the deployment group name.
	Name string
	// DeploymentConfigName defaults to "CodeDeployDefault.ECSAllAtOnce".
	DeploymentConfigName string
	// ServiceRoleArn is reported as is.
	ServiceRoleArn string
	// Cluster and Service name the ECS service (names, not ARNs).
	Cluster, Service string
	// TargetGroups are the pair's target group names; [0] serves production at the start
	// unless the service's TargetGroupArn says otherwise.
	TargetGroups [2]string
	// ProdListenerArn and TestListenerArn are reported in loadBalancerInfo; TestListenerArn may be empty.
	ProdListenerArn, TestListenerArn string
	// ReadyAction is CONTINUE_DEPLOYMENT (default) or STOP_DEPLOYMENT.
	ReadyAction string
	// ReadyWaitMinutes is how long a STOP_DEPLOYMENT group waits in Ready before the deployment
	// is stopped; 0 waits without limit.
	ReadyWaitMinutes int32
	// TerminationWaitMinutes is how long the blue task set is kept after traffic moved.
	TerminationWaitMinutes int32
	// AutoRollbackEvents enable auto-rollback when non-empty: DEPLOYMENT_FAILURE,
	// DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST.
	AutoRollbackEvents []string
	// AlarmNames are the CloudWatch alarms monitored (alarm configuration enabled when non-empty).
	AlarmNames []string
}

// DeploymentConfig is an ECS deployment configuration. The built-in
// CodeDeployDefault.ECSAllAtOnce, ECSCanary10Percent5Minutes, ECSCanary10Percent15Minutes,
// ECSLinear10PercentEvery1Minutes and ECSLinear10PercentEvery3Minutes always exist.
type DeploymentConfig struct {
	// Name is the deployment config name.
	Name string
	// Type is TimeBasedCanary, TimeBasedLinear or AllAtOnce.
	Type string
	// Percentage is the canary percentage or the linear step (1..100).
	Percentage int32
	// IntervalMinutes is the canary interval or the linear step interval.
	IntervalMinutes int32
}

var builtinConfigs = []DeploymentConfig{
	{Name: "CodeDeployDefault.ECSAllAtOnce", Type: TrafficAllAtOnce},
	{Name: "CodeDeployDefault.ECSCanary10Percent5Minutes", Type: TrafficCanary, Percentage: 10, IntervalMinutes: 5},
	{Name: "CodeDeployDefault.ECSCanary10Percent15Minutes", Type: TrafficCanary, Percentage: 10, IntervalMinutes: 15},
	{Name: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes", Type: TrafficLinear, Percentage: 10, IntervalMinutes: 1},
	{Name: "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", Type: TrafficLinear, Percentage: 10, IntervalMinutes: 3},
}

// Service is an ECS service with the CODE_DEPLOY deployment controller. PutService gives it
// one PRIMARY task set running TaskDefinitionArn behind TargetGroupArn.
type Service struct {
	// Cluster and Name identify the service (names, not ARNs).
	Cluster, Name string
	// TaskDefinitionArn is what the primary task set runs.
	TaskDefinitionArn string
	// TargetGroupArn is the target group serving production; empty means the ARN of the
	// deployment group's TargetGroups[0] (see TargetGroupArn).
	TargetGroupArn string
	// ContainerName and ContainerPort are the load-balanced container.
	ContainerName string
	ContainerPort int32
	// DesiredCount is the task count of each task set (running = desired once installed).
	DesiredCount int32
}

// TaskDefinition is a registered task definition revision with one load-balanced container.
type TaskDefinition struct {
	// Arn defaults to arn:aws:ecs:<region>:<account>:task-definition/<Family>:<Revision>.
	Arn string
	// Family and Revision default to what Arn says.
	Family   string
	Revision int32
	// ContainerName, ContainerPort and Image describe the container. When ContainerName
	// (ContainerPort) is set, a deployment whose AppSpec names another fails at Install.
	ContainerName string
	ContainerPort int32
	Image         string
}

type groupKey struct{ app, name string }

type serviceKey struct{ cluster, name string }

type service struct {
	cfg       Service
	createdAt time.Time
	taskSets  []*taskSet
}

type taskSet struct {
	id, arn     string
	taskDef     string
	targetGroup string // name
	status      string // PRIMARY | ACTIVE
	weight      float64
	desired     int32
	running     int32
	pending     int32
	externalID  string
	createdAt   time.Time
	updatedAt   time.Time
	removed     bool
}

func (svc *service) primary() *taskSet {
	for _, t := range svc.taskSets {
		if t.status == "PRIMARY" {
			return t
		}
	}
	return nil
}

func (svc *service) remove(ts *taskSet, now time.Time) {
	if ts == nil {
		return
	}
	kept := svc.taskSets[:0]
	for _, t := range svc.taskSets {
		if t != ts {
			kept = append(kept, t)
		}
	}
	svc.taskSets = kept
	ts.removed = true
	ts.running, ts.pending, ts.weight = 0, 0, 0
	ts.updatedAt = now
}

// PutApplication registers a CodeDeploy application (compute platform ECS).
func (s *Server) PutApplication(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[name] = true
}

// PutDeploymentGroup adds or replaces a deployment group (and registers its application).
// Deployments already created keep the settings they started with.
func (s *Server) PutDeploymentGroup(g DeploymentGroup) {
	if g.DeploymentConfigName == "" {
		g.DeploymentConfigName = "CodeDeployDefault.ECSAllAtOnce"
	}
	if g.ReadyAction == "" {
		g.ReadyAction = ReadyContinue
	}
	g.AutoRollbackEvents = append([]string(nil), g.AutoRollbackEvents...)
	g.AlarmNames = append([]string(nil), g.AlarmNames...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[g.Application] = true
	s.groups[groupKey{g.Application, g.Name}] = g
	if svc := s.services[serviceKey{g.Cluster, g.Service}]; svc != nil {
		if p := svc.primary(); p != nil && p.targetGroup == "" {
			p.targetGroup = g.TargetGroups[0]
		}
	}
}

// PutDeploymentConfig adds or replaces a custom deployment config.
func (s *Server) PutDeploymentConfig(c DeploymentConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.configs[c.Name] = c
}

// PutService adds or replaces an ECS service with a single PRIMARY task set taking all traffic.
func (s *Server) PutService(svc Service) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	tg := ""
	if svc.TargetGroupArn != "" {
		tg = targetGroupName(svc.TargetGroupArn)
		s.tgArns[tg] = svc.TargetGroupArn
	} else {
		for _, g := range s.sortedGroups() {
			if g.Cluster == svc.Cluster && g.Service == svc.Name {
				tg = g.TargetGroups[0]
				break
			}
		}
	}
	ts := s.newTaskSet(svc, svc.TaskDefinitionArn, tg, "", now)
	ts.status = "PRIMARY"
	ts.weight = 100
	ts.running, ts.pending = svc.DesiredCount, 0
	s.services[serviceKey{svc.Cluster, svc.Name}] = &service{cfg: svc, createdAt: now, taskSets: []*taskSet{ts}}
}

func (s *Server) newTaskSet(svc Service, taskDef, tg, externalID string, now time.Time) *taskSet {
	s.taskSetSeq++
	id := fmt.Sprintf("ecs-svc/%019d", 1000000000000000000+int64(s.taskSetSeq))
	return &taskSet{
		id:          id,
		arn:         fmt.Sprintf("arn:aws:ecs:%s:%s:task-set/%s/%s/%s", s.opts.Region, s.opts.AccountID, svc.Cluster, svc.Name, id),
		taskDef:     taskDef,
		targetGroup: tg,
		status:      "ACTIVE",
		desired:     svc.DesiredCount,
		pending:     svc.DesiredCount,
		externalID:  externalID,
		createdAt:   now,
		updatedAt:   now,
	}
}

// PutTaskDefinition registers a task definition revision (status ACTIVE).
func (s *Server) PutTaskDefinition(td TaskDefinition) {
	if td.Family == "" || td.Revision == 0 {
		if fam, rev, ok := parseFamilyRevision(td.Arn); ok {
			if td.Family == "" {
				td.Family = fam
			}
			if td.Revision == 0 {
				td.Revision = rev
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if td.Arn == "" {
		td.Arn = fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s:%d", s.opts.Region, s.opts.AccountID, td.Family, td.Revision)
	}
	for i, old := range s.taskDefs {
		if old.Arn == td.Arn {
			s.taskDefs[i] = td
			return
		}
	}
	s.taskDefs = append(s.taskDefs, td)
}

// SetHookResult sets the outcome of a lifecycle hook Lambda function, by the name or ARN used in
// the AppSpec (an ARN also matches by its function name). Hooks succeed by default.
func (s *Server) SetHookResult(functionName string, succeeded bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hookResults[functionName] = succeeded
}

// SetHookDuration sets how long a hook function runs (default StepDuration). Over one hour it
// times out and fails (ScriptTimedOut) after one hour, like CodeDeploy's hook limit.
func (s *Server) SetHookDuration(functionName string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hookDurations[functionName] = d
}

func hookLookup[V any](m map[string]V, fn string) (V, bool) {
	if v, ok := m[fn]; ok {
		return v, true
	}
	// arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
	parts := strings.Split(fn, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
		if v, ok := m[parts[6]]; ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// TargetGroupArn is the ARN the double uses for a target group name: the one given in a
// Service.TargetGroupArn, else arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>
// with the hex derived from the name.
func (s *Server) TargetGroupArn(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tgArn(name)
}

func (s *Server) tgArn(name string) string {
	if name == "" {
		return ""
	}
	if arn, ok := s.tgArns[name]; ok {
		return arn
	}
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", s.opts.Region, s.opts.AccountID, name, hex.EncodeToString(sum[:8]))
}

// targetGroupName extracts the name from a target group ARN (or returns a plain name as is).
func targetGroupName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func (s *Server) clusterArn(cluster string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:cluster/%s", s.opts.Region, s.opts.AccountID, cluster)
}

func (s *Server) serviceArn(cluster, name string) string {
	return fmt.Sprintf("arn:aws:ecs:%s:%s:service/%s/%s", s.opts.Region, s.opts.AccountID, cluster, name)
}

// lastSegment turns an ECS ARN (…:cluster/x, …:service/c/x) or a plain name into the name.
func lastSegment(nameOrArn string) string {
	if !strings.HasPrefix(nameOrArn, "arn:") {
		return nameOrArn
	}
	if i := strings.LastIndex(nameOrArn, "/"); i >= 0 {
		return nameOrArn[i+1:]
	}
	return nameOrArn
}

// parseFamilyRevision reads "family:rev" or a task definition ARN.
func parseFamilyRevision(ref string) (string, int32, bool) {
	if _, rest, ok := strings.Cut(ref, ":task-definition/"); ok {
		ref = rest
	}
	fam, rev, ok := strings.Cut(ref, ":")
	if !ok {
		return "", 0, false
	}
	n, err := strconv.ParseInt(rev, 10, 32)
	if err != nil {
		return "", 0, false
	}
	return fam, int32(n), true
}

// findTaskDef resolves an ARN, "family:revision" or "family" (latest revision).
func (s *Server) findTaskDef(ref string) (TaskDefinition, bool) {
	if ref == "" {
		return TaskDefinition{}, false
	}
	for _, td := range s.taskDefs {
		if td.Arn == ref {
			return td, true
		}
	}
	if fam, rev, ok := parseFamilyRevision(ref); ok {
		for _, td := range s.taskDefs {
			if td.Family == fam && td.Revision == rev {
				return td, true
			}
		}
		return TaskDefinition{}, false
	}
	var best TaskDefinition
	found := false
	for _, td := range s.taskDefs {
		if td.Family == ref && (!found || td.Revision > best.Revision) {
			best, found = td, true
		}
	}
	return best, found
}

// sortedGroups returns the deployment groups ordered by application then name.
func (s *Server) sortedGroups() []DeploymentGroup {
	out := make([]DeploymentGroup, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Application != out[j].Application {
			return out[i].Application < out[j].Application
		}
		return out[i].Name < out[j].Name
	})
	return out
}
