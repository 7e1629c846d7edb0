package release

import (
	"fmt"
	"strings"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventInfo     EventKind = "info"     // something the user should know
	EventWarning  EventKind = "warning"  // something that may make the release fail or hang
	EventBudget   EventKind = "budget"   // the time budget, at the start of the watch
	EventCreated  EventKind = "created"  // a deployment was created; Message has the console link
	EventProgress EventKind = "progress" // a poll of the deployment
	EventSmoke    EventKind = "smoke"    // one smoke-check request
	EventAction   EventKind = "action"   // the release called ContinueDeployment or StopDeployment
	EventWaiting  EventKind = "waiting"  // waiting for another deployment or for approval
)

// Event is what the release reports while it works. The CLI renders it as a live line, a
// timestamped line or a JSON object.
type Event struct {
	Time         time.Time     `json:"time"`
	Kind         EventKind     `json:"event"`
	DeploymentID string        `json:"deploymentId,omitempty"`
	Message      string        `json:"message,omitempty"`
	Progress     *Progress     `json:"progress,omitempty"`
	Smoke        *SmokeAttempt `json:"smoke,omitempty"`
	Budget       *Budget       `json:"budget,omitempty"`
	// Changed is false for a progress event that repeats the previous one except for the elapsed
	// time; renderers that print on change skip it.
	Changed bool `json:"-"`
}

// Progress is the state of a deployment at one poll.
type Progress struct {
	Status          string `json:"status"`
	LifecycleEvent  string `json:"lifecycleEvent,omitempty"`       // the current lifecycle event
	LifecycleStatus string `json:"lifecycleEventStatus,omitempty"` // its status
	Hook            string `json:"hook,omitempty"`                 // the Lambda hook of the current event, if any
	// TrafficPercent is the share of production traffic on the new (green) task set; nil while
	// the deployment has no task sets yet.
	TrafficPercent  *float64 `json:"trafficPercent,omitempty"`
	TerminationWait bool     `json:"terminationWait,omitempty"` // old task set kept for rollback
	Rollback        bool     `json:"rollback,omitempty"`        // this is a rollback deployment
	ElapsedSeconds  int64    `json:"elapsedSeconds"`
	BudgetSeconds   int64    `json:"budgetSeconds,omitempty"`
}

// key is the part of the progress that counts as a change.
func (p Progress) key() string {
	t := "-"
	if p.TrafficPercent != nil {
		t = fmt.Sprintf("%.0f", *p.TrafficPercent)
	}
	return strings.Join([]string{p.Status, p.LifecycleEvent, p.LifecycleStatus, t, fmt.Sprint(p.TerminationWait)}, "|")
}

// Line is the progress as one line of text.
func (p Progress) Line() string {
	var b strings.Builder
	b.WriteString(p.Status)
	if p.Rollback {
		b.WriteString(" (rollback)")
	}
	if p.LifecycleEvent != "" {
		fmt.Fprintf(&b, " · %s %s", p.LifecycleEvent, p.LifecycleStatus)
		if p.Hook != "" && p.LifecycleStatus == "InProgress" {
			fmt.Fprintf(&b, " (hook %s)", p.Hook)
		}
	}
	if p.TrafficPercent != nil {
		fmt.Fprintf(&b, " · traffic %.0f%% on new task set", *p.TrafficPercent)
	}
	if p.TerminationWait {
		b.WriteString(" · old task set kept (termination wait)")
	}
	el := fmtDuration(time.Duration(p.ElapsedSeconds) * time.Second)
	if p.BudgetSeconds > 0 {
		fmt.Fprintf(&b, " · %s / %s", el, fmtDuration(time.Duration(p.BudgetSeconds)*time.Second))
	} else {
		fmt.Fprintf(&b, " · %s", el)
	}
	return b.String()
}

func (c *Client) emit(e Event) {
	if c.Events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = c.clock().Now()
	}
	if e.Kind != EventProgress {
		e.Changed = true
	}
	c.Events(e)
}

func (c *Client) info(id, format string, args ...any) {
	c.emit(Event{Kind: EventInfo, DeploymentID: id, Message: fmt.Sprintf(format, args...)})
}

func (c *Client) warn(id, format string, args ...any) {
	c.emit(Event{Kind: EventWarning, DeploymentID: id, Message: fmt.Sprintf(format, args...)})
}
