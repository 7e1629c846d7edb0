package components

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// AWS name limits the components respect.
const (
	maxLoadBalancerName = 32 // ALB names
	maxTargetGroupName  = 32 // target group names
	maxIAMRoleName      = 64
	maxGenericName      = 100 // CodeDeploy names, cluster and service names (ECS allows 255)
)

var componentNamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// checkComponentName reports whether name can be used to derive AWS names: lowercase letters,
// digits and hyphens, neither starting nor ending with a hyphen.
func checkComponentName(p *problems, name string) {
	switch {
	case name == "":
		p.add("name", "must not be empty")
	case len(name) > 63:
		p.addf("name", "%q is %d characters; at most 63 are accepted", name, len(name))
	case !componentNamePattern.MatchString(name):
		p.addf("name", "%q must be lowercase letters, digits and hyphens, not starting or ending with a hyphen", name)
	}
}

// physicalName derives the AWS name of a child from the component name and a suffix, e.g.
// ("shop-prod", "blue", 32) → "shop-prod-blue". When the result would exceed max characters the
// component name is shortened and a 6-hex-digit hash of the full name is inserted, so names stay
// unique and deterministic: ("a-very-long-service-name-production", "green", 32) →
// "a-very-long-service-n-3f9c2a-green" trimmed to fit. The result never ends with a hyphen.
func physicalName(name, suffix string, max int) string {
	full := name
	if suffix != "" {
		full = name + "-" + suffix
	}
	if len(full) <= max {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	hash := hex.EncodeToString(sum[:])[:6]
	tail := "-" + hash
	if suffix != "" {
		tail += "-" + suffix
	}
	keep := max - len(tail)
	if keep < 1 {
		// The suffix alone is too long (never for the short constant suffixes used here).
		return hex.EncodeToString(sum[:])[:max]
	}
	head := strings.TrimRight(name[:keep], "-")
	return head + tail
}
