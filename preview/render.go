package preview

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Marker returns the hidden HTML comment that opens every Markdown report of a stack; CI finds
// its earlier comment on a pull request by it and updates that comment instead of adding one.
func Marker(stack string) string {
	return "<!-- ecs-bluegreen-preview:" + stack + " -->"
}

// OwnershipRules are the differences Pulumi ignores because another service owns them; every
// report states them.
var OwnershipRules = []string{
	"CodeDeploy owns the listeners' `defaultActions`: it points them at the live target group on every release.",
	"CodeDeploy owns the ECS service's `taskDefinition` and `loadBalancers`: a new revision reaches the service only through `ecs-bluegreen deploy`.",
	"Application Auto Scaling owns the service's `desiredCount` when autoscaling is on.",
}

const ownershipNote = "Pulumi ignores these, so a difference there is a release or a swap, not drift, and never shows as a change."

// maxTableRows is the size above which the changes table folds into a <details> block.
const maxTableRows = 20

var kindLabel = map[Kind]string{
	WillFail: "will fail",
	Downtime: "downtime or loss",
	Access:   "access",
	Release:  "release",
	Owned:    "owned by CodeDeploy",
}

func findingEmoji(f Finding) string {
	switch f.Kind {
	case WillFail:
		return "⛔"
	case Downtime:
		return "⚠️"
	case Access:
		if f.Severity == High {
			return "🚨"
		}
		return "🔐"
	case Release:
		return "🚀"
	}
	return "ℹ️"
}

// Markdown renders the report as a pull-request comment for stack ("" uses r.Stack): the hidden
// [Marker], a one-line verdict, the findings, a table of changes grouped by operation and a
// footnote with the ownership rules. Environment values and secrets never appear.
func (r *Report) Markdown(stack string) string {
	if stack == "" {
		stack = r.Stack
	}
	var b strings.Builder
	v := r.Verdict()
	fmt.Fprintf(&b, "%s\n### %s `%s`: %s\n\n", Marker(stack), v.Emoji, mdCode(stack), v.Text)
	if len(r.Errors) > 0 {
		b.WriteString("<details><summary>Errors</summary>\n\n```\n")
		for _, e := range r.Errors {
			b.WriteString(strings.ReplaceAll(truncate(e, 2000), "```", "'''") + "\n")
		}
		b.WriteString("```\n</details>\n\n")
	}
	if len(r.Changes) > 0 {
		fmt.Fprintf(&b, "**Plan:** %s.\n\n", r.planLine())
	}
	if len(r.Findings) > 0 {
		b.WriteString("#### Findings\n\n")
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "- %s **%s** (%s) · `%s` `%s`: %s\n",
				findingEmoji(f), kindLabel[f.Kind], f.Severity, mdCode(f.Name), mdCode(f.Type), oneLine(f.Reason))
			if f.Action != "" {
				fmt.Fprintf(&b, "  <br>→ %s\n", oneLine(f.Action))
			}
			for _, d := range f.Details {
				fmt.Fprintf(&b, "  - `%s`\n", strings.NewReplacer("`", "'", "\n", " ").Replace(d))
			}
		}
		b.WriteString("\n")
	}
	if len(r.Changes) > 0 {
		fold := len(r.Changes) > maxTableRows
		if fold {
			fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", plural(len(r.Changes), "change", "changes"))
		} else {
			b.WriteString("#### Changes\n\n")
		}
		b.WriteString("| Operation | Type | Name | Changed keys |\n|---|---|---|---|\n")
		forces, protected := false, false
		for _, c := range r.Changes {
			keys := make([]string, len(c.Keys))
			for i, k := range c.Keys {
				keys[i] = "`" + mdCode(k) + "`"
				if slices.Contains(c.ReplaceKeys, k) {
					keys[i] += "†"
					forces = true
				}
			}
			cell := strings.Join(keys, ", ")
			if cell == "" {
				cell = "—"
			}
			op := string(c.Op)
			if c.Protected && (c.Op == OpReplace || c.Op == OpDelete) {
				op += " 🔒"
				protected = true
			}
			fmt.Fprintf(&b, "| %s | `%s` | `%s` | %s |\n", op, mdCode(c.Type), mdCode(c.Name), cell)
		}
		if forces {
			b.WriteString("\n† forces the replacement.")
		}
		if protected {
			b.WriteString("\n🔒 protected: `pulumi up` stops there until it is unprotected.")
		}
		if forces || protected {
			b.WriteString("\n")
		}
		if fold {
			b.WriteString("\n</details>\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("<sub>")
	for _, rule := range OwnershipRules {
		b.WriteString(rule + " ")
	}
	b.WriteString(ownershipNote + "</sub>\n")
	return b.String()
}

// planLine is "1 to create, 2 to replace; 45 unchanged".
func (r *Report) planLine() string {
	counts := r.Counts()
	var parts []string
	for _, op := range ops {
		if n := counts[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n, op))
		}
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; %d unchanged", r.Unchanged)
}

// Text renders the report tersely for a terminal: the verdict, one line per change, one block
// per finding.
func (r *Report) Text() string {
	var b strings.Builder
	stack := r.Stack
	if stack == "" {
		stack = "(stack)"
	}
	fmt.Fprintf(&b, "%s: %s\n", stack, r.Verdict().Text)
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "error: %s\n", truncate(e, 2000))
	}
	if len(r.Changes) > 0 {
		fmt.Fprintf(&b, "plan: %s\n", r.planLine())
		for _, c := range r.Changes {
			fmt.Fprintf(&b, "  %-7s %s %s", c.Op, c.Type, c.Name)
			if len(c.Keys) > 0 {
				fmt.Fprintf(&b, " [%s]", strings.Join(c.Keys, " "))
			}
			b.WriteString("\n")
		}
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s (%s) %s %s: %s\n", strings.ToUpper(string(f.Kind)), f.Severity, f.Type, f.Name, f.Reason)
		if f.Action != "" {
			fmt.Fprintf(&b, "  do: %s\n", f.Action)
		}
		for _, d := range f.Details {
			fmt.Fprintf(&b, "  - %s\n", d)
		}
	}
	return b.String()
}

// jsonReport is the JSON document's shape; see the package documentation.
type jsonReport struct {
	SchemaVersion int            `json:"schemaVersion"`
	Stack         string         `json:"stack"`
	Verdict       string         `json:"verdict"`
	Counts        map[string]int `json:"counts"`
	Kinds         map[string]int `json:"kinds"`
	Changes       []Change       `json:"changes"`
	Findings      []Finding      `json:"findings"`
	Ownership     []string       `json:"ownership"`
	Errors        []string       `json:"errors"`
}

// JSON renders the report as the stable document described in the package documentation.
func (r *Report) JSON() ([]byte, error) {
	doc := jsonReport{
		SchemaVersion: SchemaVersion,
		Stack:         r.Stack,
		Verdict:       r.Verdict().Text,
		Counts:        map[string]int{"same": r.Unchanged},
		Kinds:         map[string]int{},
		Changes:       r.Changes,
		Findings:      r.Findings,
		Ownership:     OwnershipRules,
		Errors:        r.Errors,
	}
	for _, op := range ops {
		doc.Counts[string(op)] = r.Counts()[op]
	}
	for _, k := range append(FailKinds, Owned) {
		doc.Kinds[string(k)] = 0
	}
	for _, f := range r.Findings {
		doc.Kinds[string(f.Kind)]++
	}
	if doc.Changes == nil {
		doc.Changes = []Change{}
	}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	if doc.Errors == nil {
		doc.Errors = []string{}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode preview report: %w", err)
	}
	return append(out, '\n'), nil
}

// mdCode makes s safe inside a Markdown code span in a table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|", "\n", " ").Replace(s)
}

// oneLine keeps reasons (which hold `code`) on one line and free of HTML.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
