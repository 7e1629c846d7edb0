package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ecs-bluegreen/ecs-bluegreen/release"
)

// Render modes of the release's events.
const (
	modeLive  = "live"  // a terminal: one progress line rewritten in place
	modePlain = "plain" // not a terminal: timestamped lines, progress only when it changes
	modeJSON  = "json"  // one JSON object per event, progress only when it changes
)

// renderer prints release events and outcomes.
type renderer struct {
	mu       sync.Mutex
	w        io.Writer
	mode     string
	lineOpen bool // a live progress line is on screen without its newline
}

func (a *app) renderer() *renderer {
	mode := modePlain
	switch {
	case a.output == "json":
		mode = modeJSON
	case a.d.isTerminal(a.d.Stdout):
		mode = modeLive
	}
	return &renderer{w: a.d.Stdout, mode: mode}
}

func (r *renderer) event(e release.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch r.mode {
	case modeJSON:
		if e.Kind == release.EventProgress && !e.Changed {
			return
		}
		b, err := json.Marshal(e)
		if err != nil {
			b = []byte(fmt.Sprintf(`{"event":"error","message":%q}`, err.Error()))
		}
		fmt.Fprintf(r.w, "%s\n", b)
	case modeLive:
		if e.Kind == release.EventProgress {
			fmt.Fprintf(r.w, "\r\x1b[2K%s %s", e.DeploymentID, e.Progress.Line())
			r.lineOpen = true
			return
		}
		r.closeLine()
		fmt.Fprintln(r.w, text(e))
	default:
		if e.Kind == release.EventProgress && !e.Changed {
			return
		}
		ts := e.Time.UTC().Format(time.RFC3339)
		if e.Kind == release.EventProgress {
			fmt.Fprintf(r.w, "%s %s %s\n", ts, e.DeploymentID, e.Progress.Line())
			return
		}
		fmt.Fprintf(r.w, "%s %s\n", ts, text(e))
	}
}

func (r *renderer) closeLine() {
	if r.lineOpen {
		fmt.Fprintln(r.w)
		r.lineOpen = false
	}
}

func text(e release.Event) string {
	switch e.Kind {
	case release.EventWarning:
		return "warning: " + e.Message
	case release.EventSmoke:
		return "smoke " + e.Message
	}
	return e.Message
}

// note prints a line of the command's own (not a release event).
func (r *renderer) note(now time.Time, format string, args ...any) {
	r.event(release.Event{Time: now, Kind: release.EventInfo, Message: fmt.Sprintf(format, args...), Changed: true})
}

// outcome prints how the command ended. err is printed by Run (to stderr) in text mode and is
// part of the result object in JSON mode.
func (r *renderer) outcome(o *release.Outcome, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closeLine()
	if o == nil {
		o = &release.Outcome{}
	}
	if r.mode == modeJSON {
		res := struct {
			Event string `json:"event"`
			*release.Outcome
			ExitCode int    `json:"exitCode"`
			Error    string `json:"error,omitempty"`
		}{Event: "result", Outcome: o, ExitCode: release.ExitCode(err)}
		if err != nil {
			res.Error = err.Error()
		}
		b, merr := json.Marshal(res)
		if merr != nil {
			b = []byte(fmt.Sprintf(`{"event":"result","exitCode":%d,"error":%q}`, res.ExitCode, merr.Error()))
		}
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	if err != nil || o.Result == "" {
		return
	}
	var b strings.Builder
	switch o.Result {
	case release.ResultReleased, release.ResultSucceeded:
		fmt.Fprintf(&b, "released %s: %s\n", o.DeploymentID, o.Message)
		if o.LiveTargetGroup != "" {
			fmt.Fprintf(&b, "production target group: %s\n", o.LiveTargetGroup)
		}
	default:
		fmt.Fprintf(&b, "%s\n", o.Message)
	}
	fmt.Fprint(r.w, b.String())
}
