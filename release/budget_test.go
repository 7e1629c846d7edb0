package release

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
)

func group(action types.DeploymentReadyAction, readyWait, termWait int32) *types.DeploymentGroupInfo {
	return &types.DeploymentGroupInfo{
		DeploymentConfigName: aws.String("cfg"),
		BlueGreenDeploymentConfiguration: &types.BlueGreenDeploymentConfiguration{
			DeploymentReadyOption:                     &types.DeploymentReadyOption{ActionOnTimeout: action, WaitTimeInMinutes: readyWait},
			TerminateBlueInstancesOnDeploymentSuccess: &types.BlueInstanceTerminationOption{TerminationWaitTimeInMinutes: termWait},
		},
	}
}

func cfgFor(name string) *types.DeploymentConfigInfo {
	r := predefinedConfigs[name]
	return &types.DeploymentConfigInfo{DeploymentConfigName: aws.String(name), TrafficRoutingConfig: &r}
}

func TestNewBudget(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name      string
		group     *types.DeploymentGroupInfo
		cfg       *types.DeploymentConfigInfo
		waitTerm  bool
		wantShift time.Duration
		wantReady time.Duration
		wantTotal time.Duration
	}{
		{"all at once", group(types.DeploymentReadyActionContinueDeployment, 0, 5), cfgFor("CodeDeployDefault.ECSAllAtOnce"), false, 0, 0, 8 * m},
		{"canary 5m", group(types.DeploymentReadyActionContinueDeployment, 0, 5), cfgFor("CodeDeployDefault.ECSCanary10Percent5Minutes"), false, 5 * m, 0, 13 * m},
		{"linear 10% every 3m: 10 steps", group(types.DeploymentReadyActionContinueDeployment, 0, 5), cfgFor("CodeDeployDefault.ECSLinear10PercentEvery3Minutes"), false, 30 * m, 0, 38 * m},
		{"stop deployment adds the ready wait", group(types.DeploymentReadyActionStopDeployment, 20, 5), cfgFor("CodeDeployDefault.ECSCanary10Percent15Minutes"), false, 15 * m, 20 * m, 43 * m},
		{"continue deployment ignores a wait time", group(types.DeploymentReadyActionContinueDeployment, 20, 5), cfgFor("CodeDeployDefault.ECSAllAtOnce"), false, 0, 0, 8 * m},
		{"termination wait when waited for", group(types.DeploymentReadyActionContinueDeployment, 0, 60), cfgFor("CodeDeployDefault.ECSAllAtOnce"), true, 0, 0, 68 * m},
		{"linear 33%: 4 steps", group(types.DeploymentReadyActionContinueDeployment, 0, 0), &types.DeploymentConfigInfo{TrafficRoutingConfig: &types.TrafficRoutingConfig{
			Type: types.TrafficRoutingTypeTimeBasedLinear, TimeBasedLinear: &types.TimeBasedLinear{LinearPercentage: 33, LinearInterval: 2}}}, false, 8 * m, 0, 16 * m},
	}
	for _, tc := range tests {
		b := NewBudget(tc.group, tc.cfg, time.Minute, tc.waitTerm)
		if b.TrafficShift != tc.wantShift || b.ReadyWait != tc.wantReady || b.Total != tc.wantTotal {
			t.Errorf("%s: shift %s ready %s total %s; want %s %s %s (%s)", tc.name, b.TrafficShift, b.ReadyWait, b.Total, tc.wantShift, tc.wantReady, tc.wantTotal, b)
		}
	}
}

func TestBudgetString(t *testing.T) {
	b := NewBudget(group(types.DeploymentReadyActionStopDeployment, 10, 5), cfgFor("CodeDeployDefault.ECSCanary10Percent5Minutes"), time.Minute, false)
	want := "23m = ready wait 10m + traffic shift 5m (CodeDeployDefault.ECSCanary10Percent5Minutes, 10% then 100% after 5m) + 8 events × 1m"
	if b.String() != want {
		t.Errorf("String() = %q\nwant        %q", b.String(), want)
	}
}

func TestPoller(t *testing.T) {
	p := newPoller(5*time.Second, 30*time.Second)
	var got []time.Duration
	for range 6 {
		got = append(got, p.next())
		p.unchanged()
	}
	want := []time.Duration{5 * time.Second, 7500 * time.Millisecond, 11250 * time.Millisecond, 16875 * time.Millisecond, 25312500 * time.Microsecond, 30 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("intervals %v, want %v", got, want)
		}
	}
	p.changed()
	if p.next() != 5*time.Second {
		t.Errorf("after a change %s, want the base", p.next())
	}
	p.throttled()
	if p.next() != 10*time.Second {
		t.Errorf("after throttling %s, want 10s", p.next())
	}
	for range 5 {
		p.throttled()
	}
	if p.next() != 30*time.Second {
		t.Errorf("throttled interval %s, want capped at 30s", p.next())
	}
}
