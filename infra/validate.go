package infra

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/ecs-bluegreen/ecs-bluegreen/components"
)

var (
	serviceNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)
	acmArnPattern      = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$`)
	snsArnPattern      = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$`)
	imagePattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:@-]*[A-Za-z0-9_]$`)
)

// fieldKeys maps the composite's Args field paths to the config keys that set them, so that a
// component's own validation is reported in the words of the stack configuration. The longest
// matching prefix wins.
var fieldKeys = map[string]string{
	"name":                                        "serviceName",
	"LoadBalancer.CertificateArn":                 "certificateArn",
	"LoadBalancer.DomainName":                     "domainName",
	"LoadBalancer.ProdPort":                       "prodPort",
	"LoadBalancer.TestPort":                       "testPort",
	"LoadBalancer.ProdIngressCIDRs":               "prodIngressCidrs",
	"LoadBalancer.TestIngressCIDRs":               "testListenerCidrs",
	"LoadBalancer.HealthCheck.Path":               "healthCheckPath",
	"LoadBalancer.HealthCheck.Matcher":            "healthCheckMatcher",
	"LoadBalancer.HealthCheck.IntervalSeconds":    "healthCheckIntervalSeconds",
	"LoadBalancer.HealthCheck.TimeoutSeconds":     "healthCheckTimeoutSeconds",
	"LoadBalancer.HealthCheck.HealthyThreshold":   "healthyThreshold",
	"LoadBalancer.HealthCheck.UnhealthyThreshold": "unhealthyThreshold",
	"LoadBalancer.DeregistrationDelaySeconds":     "deregistrationDelaySeconds",
	"LoadBalancer.TargetPort":                     "containerPort",
	"Service.ContainerName":                       "containerName",
	"Service.ContainerPort":                       "containerPort",
	"Service.CPU":                                 "cpu",
	"Service.MemoryMiB":                           "memory",
	"Service.CPUArchitecture":                     "cpuArchitecture",
	"Service.Environment":                         "environment",
	"Service.Secrets":                             "secrets",
	"Service.LogRetentionDays":                    "logRetentionDays",
	"Service.DesiredCount":                        "desiredCount",
	"Service.PlatformVersion":                     "platformVersion",
	"Service.Autoscaling":                         "autoscalingMinCount",
	"Service.Autoscaling.TargetCPUPercent":        "autoscalingCpuPercent",
	"CodeDeploy.Traffic":                          "deploymentStrategy",
	"CodeDeploy.Traffic.Type":                     "deploymentStrategy",
	"CodeDeploy.Traffic.Percentage":               "trafficPercentage",
	"CodeDeploy.Traffic.IntervalMinutes":          "trafficIntervalMinutes",
	"CodeDeploy.ReadyWaitMinutes":                 "readyWaitMinutes",
	"CodeDeploy.TerminationWaitMinutes":           "terminationWaitMinutes",
	"CodeDeploy.Alarms.Target5xxThreshold":        "alarm5xxThreshold",
	"CodeDeploy.Alarms.LatencyThresholdSeconds":   "alarmLatencyMs",
	"CodeDeploy.AlarmNames":                       "alarmNames",
	"CodeDeploy.LifecycleHooks":                   "lifecycleHooks",
	"Registry.KeepImages":                         "registryKeepImages",
}

// keyFor returns the config key behind an Args field path ("Service.Secrets[DB]" → "secrets").
func keyFor(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	for f := field; f != ""; {
		if key, ok := fieldKeys[f]; ok {
			return key
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	return field
}

// translate turns a component ValidationError into config-key problems.
func translate(err error) []string {
	var verr *components.ValidationError
	if !errors.As(err, &verr) {
		if err != nil {
			return []string{err.Error()}
		}
		return nil
	}
	out := make([]string, 0, len(verr.Problems))
	for _, p := range verr.Problems {
		out = append(out, fmt.Sprintf("%s:%s: %s (%s)", Project, keyFor(p.Field), p.Message, p.Field))
	}
	return out
}

// validate checks what only the stack configuration knows: the network choice, the smoke gate,
// key combinations. The components check the rest (see [Plan]).
func (c Config) validate() []string {
	var out []string
	bad := func(key, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s:%s: %s", Project, key, fmt.Sprintf(format, args...)))
	}
	if !serviceNamePattern.MatchString(c.ServiceName) {
		bad("serviceName", "%q must be 2-32 lowercase letters, digits and hyphens, starting with a letter", c.ServiceName)
	}
	if c.Image == "" || !imagePattern.MatchString(c.Image) {
		bad("image", "%q is not an image reference such as registry/repository:tag", c.Image)
	}
	if c.CreateVpc {
		prefix, err := netip.ParsePrefix(c.VpcCidr)
		if err != nil || !prefix.Addr().Is4() || prefix.Bits() < 16 || prefix.Bits() > 24 || prefix.Masked() != prefix {
			bad("vpcCidr", "%q must be an IPv4 CIDR block from /16 to /24, e.g. 10.40.0.0/16", c.VpcCidr)
		}
		if c.VpcAzCount < 2 || c.VpcAzCount > 3 {
			bad("vpcAzCount", "%d must be 2 or 3", c.VpcAzCount)
		}
		for key, set := range map[string]bool{"vpcId": c.VpcID != "", "publicSubnetIds": len(c.PublicSubnetIDs) > 0, "privateSubnetIds": len(c.PrivateSubnetIDs) > 0} {
			if set {
				bad(key, "must be empty when createVpc is true (the stack creates its own network)")
			}
		}
	} else {
		if !strings.HasPrefix(c.VpcID, "vpc-") {
			bad("vpcId", "%q must be an existing VPC ID (vpc-...) when createVpc is false", c.VpcID)
		}
		checkSubnets := func(key string, ids []string) {
			if len(ids) < 2 {
				bad(key, "needs at least two subnet IDs in different availability zones when createVpc is false")
			}
			for _, id := range ids {
				if !strings.HasPrefix(id, "subnet-") {
					bad(key, "%q is not a subnet ID (subnet-...)", id)
				}
			}
		}
		checkSubnets("publicSubnetIds", c.PublicSubnetIDs)
		checkSubnets("privateSubnetIds", c.PrivateSubnetIDs)
	}
	if c.CertificateArn != "" && !acmArnPattern.MatchString(c.CertificateArn) {
		bad("certificateArn", "%q is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", c.CertificateArn)
	}
	if c.NotificationTopicArn != "" && !snsArnPattern.MatchString(c.NotificationTopicArn) {
		bad("notificationTopicArn", "%q is not an SNS topic ARN", c.NotificationTopicArn)
	}
	if c.AutoscalingMaxCount > 0 && c.AutoscalingMinCount == 0 {
		bad("autoscalingMinCount", "must be set (at least 1) when autoscalingMaxCount is set")
	}
	if c.AlarmLatencyMs < 1 {
		bad("alarmLatencyMs", "%d must be a positive number of milliseconds", c.AlarmLatencyMs)
	}
	if c.SmokeEnabled {
		if !strings.HasPrefix(c.SmokePath, "/") {
			bad("smokePath", "%q must start with /", c.SmokePath)
		}
		if len(c.SmokeExpectedStatus) == 0 {
			bad("smokeExpectedStatus", "needs at least one HTTP status code")
		}
		for _, s := range c.SmokeExpectedStatus {
			if s < 100 || s > 599 {
				bad("smokeExpectedStatus", "%d is not an HTTP status code (100-599)", s)
			}
		}
		if c.SmokeSuccesses < 1 || c.SmokeSuccesses > 100 {
			bad("smokeSuccesses", "%d is outside 1-100", c.SmokeSuccesses)
		}
		if c.SmokeIntervalSeconds < 1 {
			bad("smokeIntervalSeconds", "%d must be at least 1", c.SmokeIntervalSeconds)
		}
		if c.SmokeRequestTimeoutSeconds < 1 {
			bad("smokeRequestTimeoutSeconds", "%d must be at least 1", c.SmokeRequestTimeoutSeconds)
		}
		if c.SmokeTimeoutSeconds < 1 {
			bad("smokeTimeoutSeconds", "%d must be at least 1", c.SmokeTimeoutSeconds)
		} else if c.ReadyWaitMinutes > 0 && c.SmokeTimeoutSeconds >= c.ReadyWaitMinutes*60 {
			bad("smokeTimeoutSeconds", "%d must be shorter than readyWaitMinutes (%d min), or CodeDeploy stops the release before the gate decides", c.SmokeTimeoutSeconds, c.ReadyWaitMinutes)
		}
	}
	return out
}
