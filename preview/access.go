package preview

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

var worldCIDRs = map[string]bool{"0.0.0.0/0": true, "::/0": true}

// ingressKeys are the ingress rule inputs that decide who reaches what.
var ingressKeys = []string{"cidrIpv4", "cidrIpv6", "fromPort", "toPort", "ipProtocol", "cidrBlocks", "ipv6CidrBlocks", "type", "ingress"}

// ingress flags ingress rules that admit CIDR blocks, with the whole internet as high severity
// unless the port is the production listener's.
func (a *analysis) ingress(s *step) {
	if s.op != apitype.OpCreate && s.op != apitype.OpUpdate && s.op != apitype.OpReplace {
		return
	}
	if s.op != apitype.OpCreate && !slices.ContainsFunc(s.keys, func(k string) bool { return slices.Contains(ingressKeys, k) }) {
		return
	}
	switch s.typ {
	case typeIngressRule:
		cidrs := nonEmpty(get(s.newIn, "cidrIpv4"), get(s.newIn, "cidrIpv6"))
		var was []string
		if s.op != apitype.OpCreate {
			was = nonEmpty(get(s.oldIn, "cidrIpv4"), get(s.oldIn, "cidrIpv6"))
		}
		a.admits(s, cidrs, was, portRange(s.newIn, "fromPort", "toPort", "ipProtocol"))
	case typeSGRule:
		if t, _ := str(get(s.newIn, "type")); t != "ingress" {
			return
		}
		cidrs := append(strs(get(s.newIn, "cidrBlocks")), strs(get(s.newIn, "ipv6CidrBlocks"))...)
		var was []string
		if s.op != apitype.OpCreate {
			was = append(strs(get(s.oldIn, "cidrBlocks")), strs(get(s.oldIn, "ipv6CidrBlocks"))...)
		}
		a.admits(s, cidrs, was, portRange(s.newIn, "fromPort", "toPort", "protocol"))
	case typeSecurityGroup:
		// Inline ingress blocks: report the blocks that are new.
		old, _ := get(s.oldIn, "ingress").([]any)
		blocks, _ := get(s.newIn, "ingress").([]any)
		for _, b := range blocks {
			if slices.ContainsFunc(old, func(o any) bool { return equal(o, b) }) {
				continue
			}
			m, ok := b.(map[string]any)
			if !ok {
				continue
			}
			cidrs := append(strs(m["cidrBlocks"]), strs(m["ipv6CidrBlocks"])...)
			a.admits(s, cidrs, nil, portRange(m, "fromPort", "toPort", "protocol"))
		}
	}
}

// ports is a rule's port range, rendered.
type ports struct {
	text     string // "TCP 8080", "TCP 1024-2048", "all traffic"
	from, to float64
	all      bool
}

func portRange(props map[string]any, fromKey, toKey, protoKey string) ports {
	proto, _ := str(get(props, protoKey))
	from, okF := get(props, fromKey).(float64)
	to, okT := get(props, toKey).(float64)
	if proto == "-1" || strings.EqualFold(proto, "all") || (!okF && !okT) {
		return ports{text: "all traffic", all: true}
	}
	if !okT {
		to = from
	}
	p := ports{from: from, to: to, text: fmt.Sprintf("%s %g", strings.ToUpper(proto), from)}
	if to != from {
		p.text = fmt.Sprintf("%s %g-%g", strings.ToUpper(proto), from, to)
	}
	return p
}

// listenerOn names the listener whose port the range covers ("test listener", ...), preferring
// the test listener.
func (a *analysis) listenerOn(p ports) string {
	found := ""
	for _, s := range a.steps {
		if s.typ != typeListener {
			continue
		}
		port, ok := get(s.current(), "port").(float64)
		if !ok || !(p.all || (port >= p.from && port <= p.to)) {
			continue
		}
		role := listenerRole(s.name)
		if role == "test listener" {
			return role
		}
		if found == "" {
			found = role
		}
	}
	return found
}

func (a *analysis) admits(s *step, cidrs, was []string, p ports) {
	if len(cidrs) == 0 {
		return // a rule from another security group or a prefix list: no new CIDR
	}
	world := slices.ContainsFunc(cidrs, func(c string) bool { return worldCIDRs[c] })
	listener := a.listenerOn(p)
	target := p.text
	if listener != "" {
		target = fmt.Sprintf("the %s (%s)", listener, p.text)
	}
	var details []string
	if len(was) > 0 && !slices.Equal(was, cidrs) {
		details = append(details, fmt.Sprintf("source: %s → %s", strings.Join(was, ", "), strings.Join(cidrs, ", ")))
	}
	sources := strings.Join(cidrs, ", ")
	switch {
	case world && (listener == "production listener" || listener == "HTTP redirect listener"):
		a.add(s, Access, Medium,
			fmt.Sprintf("Opens %s to the whole internet (%s), as an internet-facing load balancer's production listener normally is.", target, sources),
			"Set prodIngressCidrs if the service is not meant to be public.", details...)
	case world && listener == "test listener":
		a.add(s, Access, High,
			fmt.Sprintf("Opens %s to the whole internet (%s): anyone can reach the replacement task set before it is released to production.", target, sources),
			"Give the test listener internal CIDRs (CI runners, VPN) instead.", details...)
	case world:
		a.add(s, Access, High,
			fmt.Sprintf("Opens %s to the whole internet (%s).", target, sources),
			"Restrict the rule to the CIDRs that need it.", details...)
	default:
		verb := "Admits"
		if s.op != apitype.OpCreate {
			verb = "Now admits"
		}
		a.add(s, Access, Medium, fmt.Sprintf("%s %s on %s.", verb, sources, target), "", details...)
	}
}

// nonEmpty renders the values that are set.
func nonEmpty(vs ...any) []string {
	var out []string
	for _, v := range vs {
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		out = append(out, show(v))
	}
	return out
}

// iam flags changes to who may assume a role and what roles may do.
func (a *analysis) iam(s *step) {
	opName := map[apitype.OpType]string{
		apitype.OpCreate: "Adds", apitype.OpUpdate: "Changes", apitype.OpReplace: "Replaces", apitype.OpDelete: "Removes",
	}[s.op]
	if opName == "" {
		return
	}
	props := s.current()
	if s.newIn != nil {
		props = s.newIn
	}
	role := show(get(props, "role"))
	switch s.typ {
	case typeRole:
		name := show(get(props, "name"))
		switch s.op {
		case apitype.OpCreate:
			a.add(s, Access, Medium,
				fmt.Sprintf("Adds IAM role %s, which %s may assume.", code(name), principals(get(s.newIn, "assumeRolePolicy"))), "")
		case apitype.OpUpdate, apitype.OpReplace:
			var details []string
			if slices.Contains(s.keys, "assumeRolePolicy") {
				details = append(details, fmt.Sprintf("trusted: %s → %s",
					principals(get(s.oldIn, "assumeRolePolicy")), principals(get(s.newIn, "assumeRolePolicy"))))
			}
			for _, k := range []string{"inlinePolicies", "managedPolicyArns", "permissionsBoundary"} {
				if slices.Contains(s.keys, k) {
					details = append(details, valueDiff(k, get(s.oldIn, k), get(s.newIn, k))...)
				}
			}
			if len(details) == 0 {
				return
			}
			a.add(s, Access, Medium, fmt.Sprintf("Changes who may assume IAM role %s, or what it may do.", code(name)), "", details...)
		}
	case typeRolePolicy:
		if s.op == apitype.OpUpdate && !slices.Contains(s.keys, "policy") {
			return
		}
		name := show(get(props, "name"))
		a.add(s, Access, Medium,
			fmt.Sprintf("%s inline policy %s of IAM role %s.", opName, code(name), code(role)), "",
			policyDiff(get(s.oldIn, "policy"), get(s.newIn, "policy"))...)
	case typeAttachment:
		if s.op == apitype.OpUpdate {
			return
		}
		verb := map[apitype.OpType]string{apitype.OpCreate: "Attaches", apitype.OpReplace: "Re-attaches", apitype.OpDelete: "Detaches"}[s.op]
		prep := "to"
		if s.op == apitype.OpDelete {
			prep = "from"
		}
		a.add(s, Access, Medium,
			fmt.Sprintf("%s %s %s IAM role %s.", verb, code(show(get(props, "policyArn"))), prep, code(role)), "")
	case typePolicy:
		if s.op == apitype.OpUpdate && !slices.Contains(s.keys, "policy") {
			return
		}
		a.add(s, Access, Medium,
			fmt.Sprintf("%s managed policy %s.", opName, code(show(get(props, "name")))), "",
			policyDiff(get(s.oldIn, "policy"), get(s.newIn, "policy"))...)
	}
}

// statement is the part of an IAM policy statement a report shows.
type statement struct {
	Effect    string
	Action    any
	NotAction any
	Resource  any
	Principal any
}

// parsePolicy decodes a policy document; ok is false when v is not a readable document (secret,
// unknown, absent or malformed).
func parsePolicy(v any) (sts []statement, ok bool) {
	var doc struct{ Statement any }
	switch d := v.(type) {
	case string:
		if opaque(d) || json.Unmarshal([]byte(d), &doc) != nil {
			return nil, false
		}
	case map[string]any:
		if opaque(d) {
			return nil, false
		}
		doc.Statement = d["Statement"]
	default:
		return nil, false
	}
	raw, err := json.Marshal(doc.Statement)
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(raw, &sts); err != nil {
		var one statement
		if json.Unmarshal(raw, &one) != nil {
			return nil, false
		}
		sts = []statement{one}
	}
	return sts, true
}

func (st statement) String() string {
	actions := strings.Join(strs(st.Action), ", ")
	if st.NotAction != nil {
		actions = "everything but " + strings.Join(strs(st.NotAction), ", ")
	}
	s := st.Effect + " " + actions
	if res := strs(st.Resource); len(res) > 0 {
		s += " on " + strings.Join(res, ", ")
	}
	return truncate(s, 300)
}

// policyDiff lists the statements a policy change adds (+) and removes (−).
func policyDiff(old, new any) []string {
	if isSecret(old) || isSecret(new) {
		return []string{"policy: " + secretText}
	}
	if new != nil && isUnknown(new) {
		return []string{"policy: " + unknownText}
	}
	before, _ := parsePolicy(old)
	after, _ := parsePolicy(new)
	var out []string
	for _, st := range after {
		if !slices.ContainsFunc(before, func(b statement) bool { return b.String() == st.String() }) {
			out = append(out, "+ "+st.String())
		}
	}
	for _, st := range before {
		if !slices.ContainsFunc(after, func(n statement) bool { return n.String() == st.String() }) {
			out = append(out, "− "+st.String())
		}
	}
	return out
}

// principals names who a trust policy lets assume the role.
func principals(v any) string {
	switch {
	case isSecret(v):
		return secretText
	case isUnknown(v):
		return unknownText
	}
	sts, ok := parsePolicy(v)
	if !ok {
		return "(unreadable trust policy)"
	}
	var out []string
	for _, st := range sts {
		if st.Effect != "Allow" {
			continue
		}
		switch p := st.Principal.(type) {
		case string:
			out = append(out, p)
		case map[string]any:
			for _, kind := range []string{"Service", "AWS", "Federated", "CanonicalUser"} {
				out = append(out, strs(p[kind])...)
			}
		}
	}
	if len(out) == 0 {
		return "nobody"
	}
	return strings.Join(out, ", ")
}
