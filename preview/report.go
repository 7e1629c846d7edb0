package preview

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// SchemaVersion is the version of the JSON document [Report.JSON] writes. It changes only when a
// field is removed or changes meaning; new fields may appear without a change.
const SchemaVersion = 1

// Op is what a preview would do to a resource.
type Op string

// The operations a report lists. A replacement is one change (op replace), however the engine
// orders its create and delete steps.
const (
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpReplace Op = "replace"
	OpDelete  Op = "delete"
)

// ops is the order in which reports group changes.
var ops = []Op{OpCreate, OpUpdate, OpReplace, OpDelete}

// Kind is the category of a [Finding]; the first four are what --fail-on accepts.
type Kind string

const (
	// WillFail: an update that ECS rejects on a service deployed by CodeDeploy; `pulumi up`
	// fails at that step.
	WillFail Kind = "will-fail"
	// Downtime: a replacement or deletion of something that carries traffic or releases (load
	// balancer, listener, target group, cluster, service, CodeDeploy application, deployment
	// group or deployment configuration), or a listener change that reroutes traffic.
	Downtime Kind = "downtime"
	// Access: a change to who can reach or do what: ingress rules, IAM roles' trust policies,
	// role policies and policy attachments.
	Access Kind = "access"
	// Release: a new task definition revision, which the next `ecs-bluegreen deploy` ships
	// through CodeDeploy.
	Release Kind = "release"
	// Owned: a difference CodeDeploy made and owns (listener default actions, the service's task
	// definition and load balancers). Informational: not drift, never a failure.
	Owned Kind = "codedeploy-owned"
)

// FailKinds are the kinds --fail-on accepts, most severe first.
var FailKinds = []Kind{WillFail, Downtime, Access, Release}

// Severity ranks findings: critical (will fail), high (downtime, or access from the whole
// internet), medium (other access changes), info (releases and ownership notes).
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Info     Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	}
	return 3
}

func kindRank(k Kind) int {
	if i := slices.Index(FailKinds, k); i >= 0 {
		return i
	}
	return len(FailKinds)
}

// Change is one resource the preview would create, update, replace or delete.
type Change struct {
	Op   Op     `json:"op"`
	Type string `json:"type"` // type token, e.g. aws:ecs/service:Service
	Name string `json:"name"` // the resource's name in its URN
	URN  string `json:"urn"`
	// Keys are the top-level input properties that change (none for create and delete).
	Keys []string `json:"keys,omitempty"`
	// ReplaceKeys are the keys that force a replacement.
	ReplaceKeys []string `json:"replaceKeys,omitempty"`
	// Protected resources cannot be replaced or deleted until they are unprotected.
	Protected bool `json:"protected,omitempty"`
}

// Finding is one thing a reviewer should know about a change (or, for [Owned], about a
// difference Pulumi ignores).
type Finding struct {
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	Type     string   `json:"type"`
	Name     string   `json:"name"`
	URN      string   `json:"urn"`
	Op       Op       `json:"op,omitempty"` // "" for Owned findings on unchanged resources
	// Reason says what happens and why it matters, in one or two sentences.
	Reason string `json:"reason"`
	// Action says what to do instead or next; may be empty.
	Action string `json:"action,omitempty"`
	// Details are short facts: "image: a → b", "environment: +API_KEY".
	Details []string `json:"details,omitempty"`
}

// Report is what a preview would change and what of it matters.
type Report struct {
	// Stack is the stack previewed ("" when unknown, e.g. no resource events).
	Stack string
	// Changes in report order: by operation (create, update, replace, delete), then type, name.
	Changes []Change
	// Unchanged counts the resources the preview leaves as they are.
	Unchanged int
	// Findings, most severe first.
	Findings []Finding
	// Errors are the engine's error diagnostics (a failed preview has at least one).
	Errors []string
}

// Counts returns the number of changes per operation.
func (r *Report) Counts() map[Op]int {
	c := map[Op]int{}
	for _, ch := range r.Changes {
		c[ch.Op]++
	}
	return c
}

// Has reports whether the report holds a finding of kind k.
func (r *Report) Has(k Kind) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Kind == k })
}

// Fails reports whether the report holds a finding of any of the kinds (see [ParseFailOn]), or
// the preview itself failed (the report has errors). The exit code is the caller's business.
func (r *Report) Fails(kinds []Kind) bool {
	if len(r.Errors) > 0 {
		return true
	}
	return slices.ContainsFunc(kinds, r.Has)
}

// ParseFailOn parses a --fail-on value: a comma-separated list of will-fail, downtime, access
// and release, or "all" (every kind) or "none"/"" (nothing). Kinds are returned in the order of
// [FailKinds], without repeats.
func ParseFailOn(s string) ([]Kind, error) {
	want := map[Kind]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case part == "" || part == "none":
		case part == "all":
			for _, k := range FailKinds {
				want[k] = true
			}
		case slices.Contains(FailKinds, Kind(part)):
			want[Kind(part)] = true
		default:
			return nil, fmt.Errorf("fail-on: unknown kind %q; use a comma-separated list of will-fail, downtime, access, release, or all or none", part)
		}
	}
	var out []Kind
	for _, k := range FailKinds {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// sortReport puts changes and findings in report order.
func (r *Report) sort() {
	slices.SortStableFunc(r.Changes, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(slices.Index(ops, a.Op), slices.Index(ops, b.Op)),
			cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.URN, b.URN),
		)
	})
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.URN, b.URN),
			cmp.Compare(a.Reason, b.Reason),
		)
	})
}

// Verdict is the report's one-line summary.
type Verdict struct {
	Emoji string // for Markdown; Text never needs it
	Text  string
}

// Verdict summarises the report in one line, led by its most severe kind of finding.
func (r *Report) Verdict() Verdict {
	if len(r.Errors) > 0 {
		return Verdict{"❌", "The preview failed: " + firstLine(r.Errors[0])}
	}
	n := map[Kind]int{}
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if key := string(f.Kind) + " " + f.URN; !seen[key] {
			seen[key] = true
			n[f.Kind]++
		}
	}
	changes := func(k int) string { return plural(k, "change", "changes") }
	var lead Verdict
	switch {
	case n[WillFail] > 0:
		lead = Verdict{"⛔", fmt.Sprintf("%s will fail on a CODE_DEPLOY service", changes(n[WillFail]))}
	case n[Downtime] > 0:
		verb := "cause"
		if n[Downtime] == 1 {
			verb = "causes"
		}
		lead = Verdict{"⚠️", fmt.Sprintf("%s %s downtime or loss", changes(n[Downtime]), verb)}
	case n[Access] > 0:
		lead = Verdict{"🔐", fmt.Sprintf("%s to access", changes(n[Access]))}
	case n[Release] > 0:
		lead = Verdict{"🚀", "A new task definition revision for the next `ecs-bluegreen deploy`"}
	case len(r.Changes) > 0:
		lead = Verdict{"📝", fmt.Sprintf("%s, nothing that needs attention", changes(len(r.Changes)))}
	default:
		lead = Verdict{"✅", "No changes"}
	}
	var also []string
	leadKind := Kind("")
	for _, k := range FailKinds {
		if n[k] > 0 {
			leadKind = k
			break
		}
	}
	for _, k := range FailKinds {
		if k != leadKind && n[k] > 0 {
			also = append(also, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	if len(also) > 0 {
		lead.Text += "; also " + strings.Join(also, ", ")
	}
	if leadKind == "" && n[Owned] > 0 {
		lead.Text += fmt.Sprintf("; %s owned by CodeDeploy (not drift)", plural(n[Owned], "difference", "differences"))
	}
	return lead
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
