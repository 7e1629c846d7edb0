package preview

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// step is one resource's planned step, from its ResourcePreEvent.
type step struct {
	op          apitype.OpType
	typ         string // canonical type token (aws:alb/... read as aws:lb/...)
	rawType     string
	urn, name   string
	parent      string
	oldIn       map[string]any // inputs before (nil on create)
	newIn       map[string]any // inputs after (nil on delete)
	oldOut      map[string]any
	newOut      map[string]any
	keys        []string // changed top-level keys
	replaceKeys []string
	protected   bool
}

// state returns the inputs the step starts from, or those it ends with when it creates.
func (s *step) current() map[string]any {
	if s.oldIn != nil {
		return s.oldIn
	}
	return s.newIn
}

// arn is the resource's ARN before the step (after it, for a create).
func (s *step) arn() string {
	for _, out := range []map[string]any{s.oldOut, s.newOut} {
		if v, ok := str(get(out, "arn")); ok && v != "" {
			return v
		}
	}
	return ""
}

// reportOp maps an engine op onto the report's ops; ok is false for steps that change nothing
// (same, reads, refreshes) or that belong to a replacement already reported as one change.
func reportOp(op apitype.OpType) (Op, bool) {
	switch op {
	case apitype.OpCreate, apitype.OpImport:
		return OpCreate, true
	case apitype.OpUpdate:
		return OpUpdate, true
	case apitype.OpReplace:
		return OpReplace, true
	case apitype.OpDelete:
		return OpDelete, true
	}
	return "", false
}

// opRank decides which of several steps on one URN describes it: a replacement's "replace" step
// over its create-replacement and delete-replaced steps, any change over a refresh or read.
func opRank(op apitype.OpType) int {
	switch op {
	case apitype.OpReplace:
		return 0
	case apitype.OpCreate, apitype.OpUpdate, apitype.OpDelete, apitype.OpImport:
		return 1
	case apitype.OpSame:
		return 2
	case apitype.OpCreateReplacement, apitype.OpDeleteReplaced:
		return 3
	}
	return 4
}

var typeAliases = map[string]string{
	"aws:alb/loadBalancer:LoadBalancer": "aws:lb/loadBalancer:LoadBalancer",
	"aws:alb/targetGroup:TargetGroup":   "aws:lb/targetGroup:TargetGroup",
	"aws:alb/listener:Listener":         "aws:lb/listener:Listener",
	"aws:alb/listenerRule:ListenerRule": "aws:lb/listenerRule:ListenerRule",
}

func canonicalType(t string) string {
	if c, ok := typeAliases[t]; ok {
		return c
	}
	return t
}

func newStep(md apitype.StepEventMetadata) *step {
	s := &step{
		op: md.Op, typ: canonicalType(md.Type), rawType: md.Type, urn: md.URN,
		name: md.URN[strings.LastIndex(md.URN, "::")+2:],
	}
	if md.Old != nil {
		s.oldIn, s.oldOut, s.parent, s.protected = md.Old.Inputs, md.Old.Outputs, md.Old.Parent, md.Old.Protect
	}
	if md.New != nil {
		s.newIn, s.newOut = md.New.Inputs, md.New.Outputs
		if s.parent == "" {
			s.parent = md.New.Parent
		}
	}
	keys := map[string]bool{}
	if md.DetailedDiff != nil {
		for path := range md.DetailedDiff {
			keys[topKey(path)] = true
		}
	} else {
		for _, k := range md.Diffs {
			keys[topKey(k)] = true
		}
	}
	s.keys = slices.Sorted(maps.Keys(keys))
	if md.Op == apitype.OpReplace || md.Op == apitype.OpCreateReplacement {
		rk := map[string]bool{}
		for _, k := range md.Keys {
			rk[topKey(k)] = true
		}
		s.replaceKeys = slices.Sorted(maps.Keys(rk))
	}
	return s
}

// custom reports whether the event is about a cloud resource (not a component, provider or the
// stack itself).
func custom(md apitype.StepEventMetadata) bool {
	if strings.HasPrefix(md.Type, "pulumi:") {
		return false
	}
	for _, st := range []*apitype.StepEventStateMetadata{md.New, md.Old} {
		if st != nil {
			return st.Custom
		}
	}
	return false
}

// stackOf returns the stack named in a URN (urn:pulumi:<stack>::<project>::<type>::<name>).
func stackOf(urn string) string {
	rest, ok := strings.CutPrefix(urn, "urn:pulumi:")
	if !ok {
		return ""
	}
	stack, _, _ := strings.Cut(rest, "::")
	return stack
}

var (
	colorTags = regexp.MustCompile(`<\{%[^%]*%\}>`)
	ansiCodes = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
)

func cleanDiagnostic(msg string) string {
	msg = ansiCodes.ReplaceAllString(colorTags.ReplaceAllString(msg, ""), "")
	return strings.TrimSpace(msg)
}

// FromEvents builds a report from a preview's engine events: each resource's ResourcePreEvent
// (operation, type, URN, detailed diff, old and new inputs and outputs) and the error
// diagnostics. It reads no text output and never opens a secret. The events may arrive in any
// order; the report is the same.
func FromEvents(evs []events.EngineEvent) *Report {
	r := &Report{}
	byURN := map[string]*step{}
	for _, ev := range evs {
		if d := ev.DiagnosticEvent; d != nil && d.Severity == "error" {
			if msg := cleanDiagnostic(d.Message); msg != "" {
				r.Errors = append(r.Errors, msg)
			}
		}
		pre := ev.ResourcePreEvent
		if pre == nil || !custom(pre.Metadata) {
			continue
		}
		s := newStep(pre.Metadata)
		if r.Stack == "" {
			r.Stack = stackOf(s.urn)
		}
		if prev, ok := byURN[s.urn]; !ok || opRank(s.op) < opRank(prev.op) {
			byURN[s.urn] = s
		}
	}
	steps := make([]*step, 0, len(byURN))
	for _, urn := range slices.Sorted(maps.Keys(byURN)) {
		steps = append(steps, byURN[urn])
	}
	for _, s := range steps {
		op, changed := reportOp(s.op)
		if !changed {
			if s.op == apitype.OpSame {
				r.Unchanged++
			}
			continue
		}
		c := Change{Op: op, Type: s.rawType, Name: s.name, URN: s.urn, Protected: s.protected}
		if op == OpUpdate || op == OpReplace {
			c.Keys, c.ReplaceKeys = s.keys, s.replaceKeys
		}
		r.Changes = append(r.Changes, c)
	}
	r.Findings = analyse(r.Stack, steps)
	r.sort()
	return r
}
