package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&FailedError{DeploymentID: "d-1", Reason: "x"}, 1},
		{fmt.Errorf("deploy: %w", &FailedError{}), 1},
		{&UsageError{Msg: "bad flag"}, 2},
		{&AbortedError{Cause: "interrupted"}, 3},
		{&BusyError{DeploymentID: "d-2"}, 3},
		{&AbortedError{Cause: "interrupted", Err: &BusyError{}}, 3},
		{&AWSError{Op: "x", Err: errors.New("boom")}, 4},
		{&PulumiError{Op: "up", Err: errors.New("boom")}, 4},
		{context.Canceled, 3},
		{&AWSError{Op: "x", Err: fmt.Errorf("operation error: %w", context.Canceled)}, 3},
		{errors.New("unexpected"), 4},
	}
	for _, tc := range tests {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	tests := []struct {
		err  error
		want []string
	}{
		{&FailedError{DeploymentID: "d-1", Reason: "smoke gate failed", RollbackDeploymentID: "d-2", RolledBack: true}, []string{"d-1 failed: smoke gate failed", "rolled back by d-2"}},
		{&FailedError{DeploymentID: "d-1", Reason: "x"}, []string{"no rollback deployment was seen"}},
		{&BusyError{Group: "g", DeploymentID: "d-3", Status: "InProgress", Region: "eu-west-1"}, []string{"d-3 is InProgress", "stop-deployment --deployment-id d-3", "--wait-active", "eu-west-1.console.aws.amazon.com"}},
		{&AWSError{Op: "codedeploy:GetDeployment", Err: errors.New("AccessDeniedException: no"), Hint: awsHint(errors.New("AccessDeniedException"))}, []string{"lack this permission"}},
	}
	for _, tc := range tests {
		for _, w := range tc.want {
			if s := tc.err.Error(); !strings.Contains(s, w) {
				t.Errorf("%q does not say %q", s, w)
			}
		}
	}
}
