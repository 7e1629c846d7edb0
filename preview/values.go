package preview

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// Property values in engine events are JSON values in the engine's state encoding: a secret is
// an object {sig.Key: sig.Secret, "ciphertext"|"plaintext": ...}, a value not known until the
// update (during preview) is one of the sig.Unknown* sentinel strings.
const (
	// secretText is how every secret renders; its content is never looked at.
	secretText = "[secret]"
	// unknownText is how a value that is not known until the update renders.
	unknownText = "(known after update)"
)

// isSecret reports whether v is a secret envelope.
func isSecret(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[sig.Key] == sig.Secret
}

// isUnknown reports whether v is a value the engine will only know during the update.
func isUnknown(v any) bool {
	s, ok := v.(string)
	return ok && sig.IsUnknown(s)
}

// opaque reports whether v cannot be looked into: a secret or an unknown.
func opaque(v any) bool { return isSecret(v) || isUnknown(v) }

// get walks props along keys; it stops at (and returns) a secret or unknown value on the way.
func get(props map[string]any, keys ...string) any {
	var v any = props
	for _, k := range keys {
		if opaque(v) {
			return v
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// str returns v as a plain string: ok is false for secrets, unknowns, nulls and non-scalars.
func str(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		if sig.IsUnknown(v) {
			return "", false
		}
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case json.Number:
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	}
	return "", false
}

// show renders a value for a report: secrets as [secret], unknowns as (known after update),
// scalars as themselves, lists and objects compactly. Secret envelopes are never opened.
func show(v any) string {
	switch {
	case isSecret(v):
		return secretText
	case isUnknown(v):
		return unknownText
	case v == nil:
		return "(none)"
	}
	if s, ok := str(v); ok {
		return s
	}
	switch v := v.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + show(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("%v", v)
}

// strs returns v as a list of plain strings (a single string counts as a list of one); entries
// that are secret or unknown render through show.
func strs(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, show(e))
		}
		return out
	}
	return []string{show(v)}
}

// equal reports whether two property values are the same (secrets and unknowns never are,
// since their content is not looked at).
func equal(a, b any) bool {
	if opaque(a) || opaque(b) {
		return false
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// topKey is the top-level property of a property path: "networkConfiguration.subnets[0]" →
// "networkConfiguration", `["a.b"].c` → "a.b".
func topKey(path string) string {
	if strings.HasPrefix(path, `["`) {
		if end := strings.Index(path, `"]`); end > 0 {
			return path[2:end]
		}
	}
	if i := strings.IndexAny(path, ".["); i > 0 {
		return path[:i]
	}
	return path
}
