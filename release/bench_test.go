package release_test

import (
	"context"
	"testing"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/awsdouble"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/internal/testenv"
)

// maxCallsPerMinute is the polling budget of a release: one call per second on average, far
// below CodeDeploy's per-account request rates (which are counted per second, not per minute).
const maxCallsPerMinute = 60

// BenchmarkWatchLinear10Minutes runs a 10-step linear deployment (10% every minute) against the
// TEST DOUBLE on a fake clock and reports the AWS calls the release makes per simulated minute.
func BenchmarkWatchLinear10Minutes(b *testing.B) {
	var calls, minutes float64
	for b.Loop() {
		env := testenv.New(b, testenv.Options{DeploymentConfig: "linear-10x1",
			Configs: []awsdouble.DeploymentConfig{{Name: "linear-10x1", Type: awsdouble.TrafficLinear, Percentage: 10, IntervalMinutes: 1}}})
		out, err := env.Client().Deploy(context.Background(), env.Target(b), release.DeployOptions{})
		if err != nil || out.Result != release.ResultReleased {
			b.Fatalf("deploy: %v (%v)", err, out)
		}
		calls += float64(len(env.Server.Calls()))
		minutes += env.Clock.Slept().Minutes()
	}
	perMin := calls / minutes
	b.ReportMetric(perMin, "calls/min")
	b.ReportMetric(minutes/float64(b.N), "sim-min/op")
	if perMin > maxCallsPerMinute {
		b.Errorf("%.1f AWS calls per simulated minute, want at most %d", perMin, maxCallsPerMinute)
	}
}

// BenchmarkWatchThrottled is the same deployment with CodeDeploy throttling every GetDeployment
// for a while: the release backs off instead of hammering the API.
func BenchmarkWatchThrottled(b *testing.B) {
	var calls, minutes float64
	for b.Loop() {
		env := testenv.New(b, testenv.Options{DeploymentConfig: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"})
		env.Server.FailNext("GetDeployment", 40, 400, "ThrottlingException")
		out, err := env.Client().Deploy(context.Background(), env.Target(b), release.DeployOptions{})
		if err != nil || out.Result != release.ResultReleased {
			b.Fatalf("deploy: %v (%v)", err, out)
		}
		calls += float64(len(env.Server.Calls()))
		minutes += env.Clock.Slept().Minutes()
	}
	b.ReportMetric(calls/minutes, "calls/min")
}
