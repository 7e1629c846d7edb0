package awsdouble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Target prefixes of the two JSON 1.1 services (X-Amz-Target: <prefix>.<Op>).
const (
	codeDeployTarget = "CodeDeploy_20141006"
	ecsTarget        = "AmazonEC2ContainerServiceV20141113"
)

// Service names used in Call.Service.
const (
	ServiceCodeDeploy = "codedeploy"
	ServiceECS        = "ecs"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Now is the clock every state transition is computed from. Default time.Now.
	Now func() time.Time
	// Region is used in ARNs. Default "us-east-1".
	Region string
	// AccountID is used in ARNs. Default "123456789012".
	AccountID string
	// StepDuration is the simulated time each non-traffic lifecycle event (and the Created
	// phase) takes. Default 30s.
	StepDuration time.Duration
}

// Server is the CodeDeploy + ECS test double. All methods are safe for concurrent use.
type Server struct {
	opts    Options
	handler http.Handler
	ts      *httptest.Server

	mu            sync.Mutex
	apps          map[string]bool
	groups        map[groupKey]DeploymentGroup
	configs       map[string]DeploymentConfig
	services      map[serviceKey]*service
	taskDefs      []TaskDefinition
	tgArns        map[string]string // target group name -> ARN given by the caller
	deployments   []*deployment     // creation order
	byID          map[string]*deployment
	deploymentSeq int
	taskSetSeq    int
	faults        []*fault
	calls         []Call
	hookResults   map[string]bool
	hookDurations map[string]time.Duration
}

// Call is one request the server received (faulted ones included).
type Call struct {
	// Service is ServiceCodeDeploy, ServiceECS, or "" for an unknown target prefix.
	Service string
	// Op is the operation name from X-Amz-Target, e.g. "CreateDeployment".
	Op string
	// Input is the decoded JSON request body.
	Input map[string]any
	// At is Options.Now() when the request arrived.
	At time.Time
}

// APIError is an error answered the AWS way: HTTP Status with body {"__type":Type,"message":Message}.
// StartDeployment returns it too.
type APIError struct {
	Status  int
	Type    string
	Message string
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

func badRequest(typ, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

type fault struct {
	op          string
	remaining   int
	status      int
	errType     string
	afterEffect bool
}

// New starts the double on an httptest server bound to 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	s := newServer(opts)
	s.ts = httptest.NewServer(s.handler)
	return s
}

// NewUnstarted returns a Server without a listener, for callers who serve Handler() themselves.
// URL returns "" and Close is a no-op for it.
func NewUnstarted(opts Options) *Server {
	return newServer(opts)
}

func newServer(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.StepDuration <= 0 {
		opts.StepDuration = 30 * time.Second
	}
	s := &Server{
		opts:          opts,
		apps:          map[string]bool{},
		groups:        map[groupKey]DeploymentGroup{},
		configs:       map[string]DeploymentConfig{},
		services:      map[serviceKey]*service{},
		tgArns:        map[string]string{},
		byID:          map[string]*deployment{},
		hookResults:   map[string]bool{},
		hookDurations: map[string]time.Duration{},
	}
	for _, c := range builtinConfigs {
		s.configs[c.Name] = c
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// URL is the base endpoint (http://127.0.0.1:port) to give the SDK clients as BaseEndpoint.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close shuts the listener down.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Handler serves both APIs; for callers who want their own listener.
func (s *Server) Handler() http.Handler { return s.handler }

// FailNext makes the next n calls of op (e.g. "CreateDeployment"; "" = any operation, either
// service) answer with HTTP status and error type errType, without taking effect. status 0
// means 400; errType "" means "InternalFailure". Rules are consumed in the order they were
// added. Typical: FailNext("GetDeployment", 2, 400, "ThrottlingException") or
// FailNext("", 1, 500, "InternalFailure").
func (s *Server) FailNext(op string, n int, status int, errType string) {
	s.addFault(op, n, status, errType, false)
}

// FailNextAfterEffect is FailNext for a lost response: the operation takes effect, then the
// caller gets the error instead of the answer (e.g. a CreateDeployment that started a
// deployment but answered 500, so a retry hits DeploymentLimitExceededException).
func (s *Server) FailNextAfterEffect(op string, n int, status int, errType string) {
	s.addFault(op, n, status, errType, true)
}

func (s *Server) addFault(op string, n int, status int, errType string, after bool) {
	if n <= 0 {
		return
	}
	if status == 0 {
		status = http.StatusBadRequest
	}
	if errType == "" {
		errType = "InternalFailure"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{op: op, remaining: n, status: status, errType: errType, afterEffect: after})
}

// takeFault consumes and returns the first fault rule matching op, or nil.
func (s *Server) takeFault(op string) *fault {
	for i, f := range s.faults {
		if f.op != "" && f.op != op {
			continue
		}
		f.remaining--
		if f.remaining <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// Calls returns every request received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount is how many requests of op (either service) were received, faulted ones included.
func (s *Server) CallCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

type opFunc func(s *Server, body []byte) (any, error)

var codeDeployOps = map[string]opFunc{
	"GetDeploymentGroup":        (*Server).cdGetDeploymentGroup,
	"GetDeploymentConfig":       (*Server).cdGetDeploymentConfig,
	"ListDeployments":           (*Server).cdListDeployments,
	"GetDeployment":             (*Server).cdGetDeployment,
	"CreateDeployment":          (*Server).cdCreateDeployment,
	"ContinueDeployment":        (*Server).cdContinueDeployment,
	"StopDeployment":            (*Server).cdStopDeployment,
	"ListDeploymentTargets":     (*Server).cdListDeploymentTargets,
	"BatchGetDeploymentTargets": (*Server).cdBatchGetDeploymentTargets,
	"GetDeploymentTarget":       (*Server).cdGetDeploymentTarget,
}

var ecsOps = map[string]opFunc{
	"DescribeServices":       (*Server).ecsDescribeServices,
	"DescribeTaskDefinition": (*Server).ecsDescribeTaskDefinition,
	"ListTaskDefinitions":    (*Server).ecsListTaskDefinitions,
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, &APIError{Status: http.StatusBadRequest, Type: "SerializationException", Message: "cannot read request body"})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	prefix, op, _ := strings.Cut(target, ".")
	var svc string
	var ops map[string]opFunc
	switch prefix {
	case codeDeployTarget:
		svc, ops = ServiceCodeDeploy, codeDeployOps
	case ecsTarget:
		svc, ops = ServiceECS, ecsOps
	}

	input := map[string]any{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &input); err != nil {
			input = map[string]any{}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	s.calls = append(s.calls, Call{Service: svc, Op: op, Input: input, At: now})
	s.advance(now)

	fn, ok := ops[op]
	if r.Method != http.MethodPost || !ok {
		writeError(w, badRequest("UnknownOperationException", "operation %q is not supported by the awsdouble test double", target))
		return
	}
	if f := s.takeFault(op); f != nil {
		if f.afterEffect {
			_, _ = fn(s, body)
		}
		writeError(w, &APIError{Status: f.status, Type: f.errType, Message: "injected by the awsdouble test double"})
		return
	}
	out, err := fn(s, body)
	if err != nil {
		apiErr, ok := err.(*APIError)
		if !ok {
			apiErr = &APIError{Status: http.StatusInternalServerError, Type: "InternalFailure", Message: err.Error()}
		}
		writeError(w, apiErr)
		return
	}
	payload, err := json.Marshal(out)
	if err != nil {
		writeError(w, &APIError{Status: http.StatusInternalServerError, Type: "InternalFailure", Message: "encode response: " + err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("awsdouble-%d", len(s.calls)))
	_, _ = w.Write(payload)
}

func writeError(w http.ResponseWriter, e *APIError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(e.Status)
	payload, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	_, _ = w.Write(payload)
}

// decode unmarshals a request body; a malformed one is a SerializationException like AWS's.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("SerializationException", "cannot decode request: %v", err)
	}
	return nil
}

// epoch marshals as epoch seconds (with milliseconds), the JSON 1.1 timestamp format.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	return []byte(fmt.Sprintf("%d.%03d", ms/1000, ms%1000)), nil
}

// ts returns nil for the zero time so that omitempty drops it.
func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
