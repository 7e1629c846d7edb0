package release

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

// lifecycleEvents are the events of an ECS blue/green deployment, in order.
var lifecycleEvents = []string{
	"BeforeInstall", "Install", "AfterInstall", "AllowTestTraffic", "AfterAllowTestTraffic",
	"BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
}

// DefaultEventMargin is the time allowed per lifecycle event on top of the waits that the
// deployment group and config impose (starting the new tasks, health checks, hooks).
const DefaultEventMargin = 2 * time.Minute

// Budget is how long a release may take, derived from the deployment group and deployment config
// actually in force.
type Budget struct {
	DeploymentConfig string
	TrafficRouting   string // AllAtOnce, TimeBasedCanary, TimeBasedLinear
	Shift            string // how traffic moves, e.g. "10% then 100% after 5m"
	ReadyAction      string // CONTINUE_DEPLOYMENT or STOP_DEPLOYMENT
	ReadyWait        time.Duration
	TrafficShift     time.Duration
	Events           int
	EventMargin      time.Duration
	TerminationWait  time.Duration // the group's wait before the old task set is terminated
	WaitTermination  bool          // the budget includes TerminationWait
	Total            time.Duration
}

// NewBudget computes the budget: the ready wait (when the group stops unless continued), the
// traffic shift (canary interval, or one interval per linear step), a margin per lifecycle event,
// and the termination wait when waitTermination is set.
func NewBudget(group *types.DeploymentGroupInfo, cfg *types.DeploymentConfigInfo, eventMargin time.Duration, waitTermination bool) Budget {
	if eventMargin <= 0 {
		eventMargin = DefaultEventMargin
	}
	b := Budget{
		TrafficRouting:  string(types.TrafficRoutingTypeAllAtOnce),
		Shift:           "100% at once",
		ReadyAction:     string(types.DeploymentReadyActionContinueDeployment),
		Events:          len(lifecycleEvents),
		EventMargin:     eventMargin,
		WaitTermination: waitTermination,
	}
	if cfg != nil {
		b.DeploymentConfig = deref(cfg.DeploymentConfigName)
		if r := cfg.TrafficRoutingConfig; r != nil {
			switch {
			case r.Type == types.TrafficRoutingTypeTimeBasedCanary && r.TimeBasedCanary != nil:
				c := r.TimeBasedCanary
				b.TrafficRouting = string(r.Type)
				b.TrafficShift = minutes(c.CanaryInterval)
				b.Shift = fmt.Sprintf("%d%% then 100%% after %s", c.CanaryPercentage, fmtDuration(b.TrafficShift))
			case r.Type == types.TrafficRoutingTypeTimeBasedLinear && r.TimeBasedLinear != nil && r.TimeBasedLinear.LinearPercentage > 0:
				l := r.TimeBasedLinear
				steps := int(math.Ceil(100 / float64(l.LinearPercentage)))
				b.TrafficRouting = string(r.Type)
				b.TrafficShift = time.Duration(steps) * minutes(l.LinearInterval)
				b.Shift = fmt.Sprintf("%d%% every %s (%d steps)", l.LinearPercentage, fmtDuration(minutes(l.LinearInterval)), steps)
			}
		}
	}
	if group != nil && group.DeploymentConfigName != nil && b.DeploymentConfig == "" {
		b.DeploymentConfig = *group.DeploymentConfigName
	}
	if group != nil && group.BlueGreenDeploymentConfiguration != nil {
		bg := group.BlueGreenDeploymentConfiguration
		if r := bg.DeploymentReadyOption; r != nil && r.ActionOnTimeout != "" {
			b.ReadyAction = string(r.ActionOnTimeout)
			if r.ActionOnTimeout == types.DeploymentReadyActionStopDeployment {
				b.ReadyWait = minutes(r.WaitTimeInMinutes)
			}
		}
		if t := bg.TerminateBlueInstancesOnDeploymentSuccess; t != nil {
			b.TerminationWait = minutes(t.TerminationWaitTimeInMinutes)
		}
	}
	b.Total = b.ReadyWait + b.TrafficShift + time.Duration(b.Events)*b.EventMargin
	if waitTermination {
		b.Total += b.TerminationWait
	}
	return b
}

// String explains the budget, e.g. "23m = ready wait 10m + traffic shift 5m (10% then 100% after
// 5m) + 8 events × 1m".
func (b Budget) String() string {
	parts := []string{}
	if b.ReadyWait > 0 {
		parts = append(parts, "ready wait "+fmtDuration(b.ReadyWait))
	}
	parts = append(parts, fmt.Sprintf("traffic shift %s (%s, %s)", fmtDuration(b.TrafficShift), b.DeploymentConfig, b.Shift))
	parts = append(parts, fmt.Sprintf("%d events × %s", b.Events, fmtDuration(b.EventMargin)))
	if b.WaitTermination {
		parts = append(parts, "termination wait "+fmtDuration(b.TerminationWait))
	}
	return fmtDuration(b.Total) + " = " + strings.Join(parts, " + ")
}

// MarshalJSON writes durations as whole seconds.
func (b Budget) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Total            int64  `json:"totalSeconds"`
		DeploymentConfig string `json:"deploymentConfig"`
		TrafficRouting   string `json:"trafficRouting"`
		Shift            string `json:"shift"`
		ReadyAction      string `json:"readyAction"`
		ReadyWait        int64  `json:"readyWaitSeconds"`
		TrafficShift     int64  `json:"trafficShiftSeconds"`
		Events           int    `json:"events"`
		EventMargin      int64  `json:"eventMarginSeconds"`
		TerminationWait  int64  `json:"terminationWaitSeconds"`
		WaitTermination  bool   `json:"includesTerminationWait"`
		Summary          string `json:"summary"`
	}{
		int64(b.Total.Seconds()), b.DeploymentConfig, b.TrafficRouting, b.Shift, b.ReadyAction,
		int64(b.ReadyWait.Seconds()), int64(b.TrafficShift.Seconds()), b.Events, int64(b.EventMargin.Seconds()),
		int64(b.TerminationWait.Seconds()), b.WaitTermination, b.String(),
	})
}

// predefinedConfigs are CodeDeploy's predefined ECS deployment configs, used when
// GetDeploymentConfig does not know them (some endpoints only describe custom configs).
var predefinedConfigs = map[string]types.TrafficRoutingConfig{
	"CodeDeployDefault.ECSAllAtOnce": {Type: types.TrafficRoutingTypeAllAtOnce},
	"CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {Type: types.TrafficRoutingTypeTimeBasedLinear,
		TimeBasedLinear: &types.TimeBasedLinear{LinearPercentage: 10, LinearInterval: 1}},
	"CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {Type: types.TrafficRoutingTypeTimeBasedLinear,
		TimeBasedLinear: &types.TimeBasedLinear{LinearPercentage: 10, LinearInterval: 3}},
	"CodeDeployDefault.ECSCanary10Percent5Minutes": {Type: types.TrafficRoutingTypeTimeBasedCanary,
		TimeBasedCanary: &types.TimeBasedCanary{CanaryPercentage: 10, CanaryInterval: 5}},
	"CodeDeployDefault.ECSCanary10Percent15Minutes": {Type: types.TrafficRoutingTypeTimeBasedCanary,
		TimeBasedCanary: &types.TimeBasedCanary{CanaryPercentage: 10, CanaryInterval: 15}},
}

func minutes(m int32) time.Duration { return time.Duration(m) * time.Minute }

// fmtDuration prints a duration without trailing zero units: 1h5m, 23m, 1m30s, 4s.
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
