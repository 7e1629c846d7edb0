package release

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/ecs-bluegreen/ecs-bluegreen/release/appspec"
)

// Stack output names the release reads. They are defined by the infra program; the two must agree.
const (
	OutAlbDNSName              = "albDnsName"
	OutProdURL                 = "prodUrl"
	OutTestURL                 = "testUrl"
	OutClusterName             = "clusterName"
	OutServiceName             = "serviceName"
	OutTaskDefinitionArn       = "taskDefinitionArn"
	OutContainerName           = "containerName"
	OutContainerPort           = "containerPort"
	OutCodeDeployApplication   = "codeDeployApplication"
	OutCodeDeployGroup         = "codeDeployDeploymentGroup"
	OutProdListenerArn         = "prodListenerArn"
	OutTestListenerArn         = "testListenerArn"
	OutBlueTargetGroupName     = "blueTargetGroupName"
	OutGreenTargetGroupName    = "greenTargetGroupName"
	OutSubnetIDs               = "subnetIds"
	OutTaskSecurityGroupIDs    = "taskSecurityGroupIds"
	OutRegion                  = "region"
	OutAssignPublicIP          = "assignPublicIp"
	OutPlatformVersion         = "platformVersion"
	OutLifecycleHooks          = "lifecycleHooks"
	OutSmokeCheck              = "smokeCheck"
	ImageConfigKey             = "ecs-bluegreen:image"
	smokeKeyEnabled            = "enabled"
	smokeKeyPath               = "path"
	smokeKeyExpectedStatus     = "expectedStatus"
	smokeKeyConsecutive        = "consecutiveSuccesses"
	smokeKeyIntervalSeconds    = "intervalSeconds"
	smokeKeyRequestTimeoutSecs = "requestTimeoutSeconds"
	smokeKeyTotalTimeoutSecs   = "totalTimeoutSeconds"
)

// Target is everything a release needs to know about a stack's service and its CodeDeploy
// wiring. It is built from the stack outputs (TargetFromOutputs) so the AWS side of the release
// can be used and tested without Pulumi.
type Target struct {
	Stack  string
	Region string

	Cluster, Service  string
	TaskDefinitionArn string // the revision the stack wants to run
	ContainerName     string
	ContainerPort     int32

	Application, DeploymentGroup      string
	ProdListenerArn, TestListenerArn  string
	BlueTargetGroup, GreenTargetGroup string // names; which one is live alternates per release

	ALBDNSName, ProdURL, TestURL string

	Subnets, SecurityGroups []string
	AssignPublicIP          bool
	PlatformVersion         string
	Hooks                   map[string]string // lifecycle event → Lambda function
	Smoke                   SmokeConfig
}

// SmokeConfig is the HTTP smoke gate run against the test listener while the deployment waits
// for readiness.
type SmokeConfig struct {
	Enabled bool
	// BaseURL replaces the stack's testUrl, e.g. https://shop.example.com:8443 when the test
	// listener's certificate does not name the load balancer's DNS name. Empty: testUrl.
	BaseURL              string
	Path                 string // appended to the test URL; starts with "/"
	ExpectedStatus       []int  // a response with one of these statuses is a success
	ConsecutiveSuccesses int    // the gate passes after this many successes in a row
	Interval             time.Duration
	RequestTimeout       time.Duration
	TotalTimeout         time.Duration
}

// Validate reports every problem of an enabled gate in one error; a disabled gate is valid.
func (s SmokeConfig) Validate() error {
	if !s.Enabled {
		return nil
	}
	var errs []error
	if u, err := url.Parse(s.BaseURL); s.BaseURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, fmt.Errorf("smoke URL %q is not an http(s) URL", s.BaseURL))
	}
	if !strings.HasPrefix(s.Path, "/") {
		errs = append(errs, fmt.Errorf("smoke path %q must start with /", s.Path))
	}
	if len(s.ExpectedStatus) == 0 {
		errs = append(errs, errors.New("smoke check has no expected status"))
	}
	for _, c := range s.ExpectedStatus {
		if c < 100 || c > 599 {
			errs = append(errs, fmt.Errorf("smoke status %d is not an HTTP status (100-599)", c))
		}
	}
	if s.ConsecutiveSuccesses < 1 {
		errs = append(errs, fmt.Errorf("smoke successes must be at least 1, got %d", s.ConsecutiveSuccesses))
	}
	if s.Interval < 0 {
		errs = append(errs, fmt.Errorf("smoke interval %s is negative", s.Interval))
	}
	if s.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("smoke request timeout %s must be positive", s.RequestTimeout))
	}
	if s.TotalTimeout < s.RequestTimeout {
		errs = append(errs, fmt.Errorf("smoke total timeout %s is shorter than the request timeout %s", s.TotalTimeout, s.RequestTimeout))
	}
	if len(errs) > 0 {
		return &UsageError{Msg: "invalid smoke check", Err: errors.Join(errs...)}
	}
	return nil
}

// SmokeURL is the URL the smoke gate requests: the test listener URL (or Smoke.BaseURL) plus
// the smoke path.
func (t Target) SmokeURL() string {
	base := t.TestURL
	if t.Smoke.BaseURL != "" {
		base = t.Smoke.BaseURL
	}
	return strings.TrimRight(base, "/") + t.Smoke.Path
}

// AppSpecInput is the AppSpec input that deploys taskDefinitionArn to the target's service.
func (t Target) AppSpecInput(taskDefinitionArn string) appspec.Input {
	return appspec.Input{
		TaskDefinitionArn: taskDefinitionArn,
		ContainerName:     t.ContainerName,
		ContainerPort:     t.ContainerPort,
		PlatformVersion:   t.PlatformVersion,
		Subnets:           t.Subnets,
		SecurityGroups:    t.SecurityGroups,
		AssignPublicIP:    t.AssignPublicIP,
		Hooks:             t.Hooks,
	}
}

// TargetFromOutputs reads a Target from the outputs of stack. Every missing or mistyped output is
// reported, by name, in one *UsageError.
func TargetFromOutputs(stack string, out auto.OutputMap) (Target, error) {
	r := outputReader{out: out}
	t := Target{
		Stack:             stack,
		Region:            r.str(OutRegion),
		Cluster:           r.str(OutClusterName),
		Service:           r.str(OutServiceName),
		TaskDefinitionArn: r.str(OutTaskDefinitionArn),
		ContainerName:     r.str(OutContainerName),
		ContainerPort:     int32(r.integer(OutContainerPort, 1, 65535)),
		Application:       r.str(OutCodeDeployApplication),
		DeploymentGroup:   r.str(OutCodeDeployGroup),
		ProdListenerArn:   r.str(OutProdListenerArn),
		TestListenerArn:   r.str(OutTestListenerArn),
		BlueTargetGroup:   r.str(OutBlueTargetGroupName),
		GreenTargetGroup:  r.str(OutGreenTargetGroupName),
		ALBDNSName:        r.str(OutAlbDNSName),
		ProdURL:           r.url(OutProdURL),
		TestURL:           r.url(OutTestURL),
		Subnets:           r.strings(OutSubnetIDs),
		SecurityGroups:    r.strings(OutTaskSecurityGroupIDs),
		AssignPublicIP:    r.boolean(OutAssignPublicIP),
		PlatformVersion:   r.optionalStr(OutPlatformVersion),
		Hooks:             r.stringMap(OutLifecycleHooks),
		Smoke:             r.smoke(OutSmokeCheck),
	}
	if len(r.errs) > 0 {
		return Target{}, &UsageError{
			Msg:  fmt.Sprintf("stack %s outputs do not describe a releasable service", stack),
			Err:  errors.Join(r.errs...),
			Hint: fmt.Sprintf("run `ecs-bluegreen up --stack %s` so the outputs match this version of the program", stack),
		}
	}
	return t, nil
}

type outputReader struct {
	out  auto.OutputMap
	errs []error
}

func (r *outputReader) fail(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("output %q: %s", key, fmt.Sprintf(format, args...)))
}

func (r *outputReader) get(key string) (any, bool) {
	v, ok := r.out[key]
	if !ok || v.Value == nil {
		r.fail(key, "missing")
		return nil, false
	}
	return v.Value, true
}

func (r *outputReader) str(key string) string {
	v, ok := r.get(key)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(key, "want a string, got %T", v)
		return ""
	}
	if strings.TrimSpace(s) == "" {
		r.fail(key, "empty")
	}
	return s
}

func (r *outputReader) optionalStr(key string) string {
	v, ok := r.out[key]
	if !ok || v.Value == nil {
		return ""
	}
	s, ok := v.Value.(string)
	if !ok {
		r.fail(key, "want a string, got %T", v.Value)
	}
	return s
}

func (r *outputReader) url(key string) string {
	s := r.str(key)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail(key, "want an http(s) URL, got %q", s)
	}
	return s
}

func (r *outputReader) boolean(key string) bool {
	v, ok := r.get(key)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.fail(key, "want a bool, got %T", v)
	}
	return b
}

// number accepts the float64 that JSON decoding gives, and Go integer types.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func (r *outputReader) integerValue(key string, v any, lo, hi int) int {
	f, ok := number(v)
	if !ok {
		r.fail(key, "want a number, got %T", v)
		return 0
	}
	if f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		r.fail(key, "want an integer in %d-%d, got %v", lo, hi, f)
		return 0
	}
	return int(f)
}

func (r *outputReader) integer(key string, lo, hi int) int {
	v, ok := r.get(key)
	if !ok {
		return 0
	}
	return r.integerValue(key, v, lo, hi)
}

func (r *outputReader) strings(key string) []string {
	v, ok := r.get(key)
	if !ok {
		return nil
	}
	var out []string
	switch l := v.(type) {
	case []string:
		out = slices.Clone(l)
	case []any:
		for i, e := range l {
			s, ok := e.(string)
			if !ok || s == "" {
				r.fail(key, "element %d: want a non-empty string, got %#v", i, e)
				continue
			}
			out = append(out, s)
		}
	default:
		r.fail(key, "want a list of strings, got %T", v)
		return nil
	}
	if len(out) == 0 {
		r.fail(key, "empty list")
	}
	return out
}

func (r *outputReader) stringMap(key string) map[string]string {
	v, ok := r.out[key]
	if !ok || v.Value == nil {
		return nil // hooks are optional
	}
	out := map[string]string{}
	switch m := v.Value.(type) {
	case map[string]string:
		for k, s := range m {
			out[k] = s
		}
	case map[string]any:
		for k, e := range m {
			s, ok := e.(string)
			if !ok {
				r.fail(key, "%s: want a string, got %T", k, e)
				continue
			}
			out[k] = s
		}
	default:
		r.fail(key, "want an object of strings, got %T", v.Value)
	}
	for k := range out {
		if !slices.Contains(appspec.HookEvents, k) {
			r.fail(key, "%s is not an ECS lifecycle hook event (one of %s)", k, strings.Join(appspec.HookEvents, ", "))
		}
	}
	return out
}

func (r *outputReader) smoke(key string) SmokeConfig {
	v, ok := r.get(key)
	if !ok {
		return SmokeConfig{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.fail(key, "want an object, got %T", v)
		return SmokeConfig{}
	}
	field := func(name string) (any, bool) {
		f, ok := m[name]
		if !ok || f == nil {
			r.fail(key+"."+name, "missing")
			return nil, false
		}
		return f, true
	}
	var s SmokeConfig
	if f, ok := field(smokeKeyEnabled); ok {
		if s.Enabled, ok = f.(bool); !ok {
			r.fail(key+"."+smokeKeyEnabled, "want a bool, got %T", f)
		}
	}
	if f, ok := field(smokeKeyPath); ok {
		if s.Path, ok = f.(string); !ok {
			r.fail(key+"."+smokeKeyPath, "want a string, got %T", f)
		}
	}
	if f, ok := field(smokeKeyExpectedStatus); ok {
		l, isList := f.([]any)
		if !isList {
			r.fail(key+"."+smokeKeyExpectedStatus, "want a list of numbers, got %T", f)
		}
		for _, e := range l {
			s.ExpectedStatus = append(s.ExpectedStatus, r.integerValue(key+"."+smokeKeyExpectedStatus, e, 100, 599))
		}
	}
	seconds := func(name string, lo int) time.Duration {
		f, ok := field(name)
		if !ok {
			return 0
		}
		return time.Duration(r.integerValue(key+"."+name, f, lo, 86400)) * time.Second
	}
	if f, ok := field(smokeKeyConsecutive); ok {
		s.ConsecutiveSuccesses = r.integerValue(key+"."+smokeKeyConsecutive, f, 1, 1000)
	}
	s.Interval = seconds(smokeKeyIntervalSeconds, 0)
	s.RequestTimeout = seconds(smokeKeyRequestTimeoutSecs, 1)
	s.TotalTimeout = seconds(smokeKeyTotalTimeoutSecs, 1)
	return s
}
