package testprovider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumiprovider "github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Versions the plugins report: the ones the pinned Go SDKs ask the engine for.
const (
	AWSVersion  = "6.83.4"
	AWSXVersion = "2.22.0"
)

// Banner is the line each plugin prints to stderr when it starts.
const Banner = "TEST DOUBLE: this %s provider is ecs-bluegreen's internal/testprovider; it makes no AWS calls"

// Config configures a provider server.
type Config struct {
	Package   string // "aws" or "awsx"
	StatePath string // live state file (see LiveState); "" for none
	LogPath   string // RPC log file; "" for none
	// EngineConn is the engine's gRPC connection, needed by the awsx Construct.
	EngineConn *grpc.ClientConn
	// Logger, when set, receives one info message per process saying this is a test double
	// (the engine hides provider stderr unless the provider fails).
	Logger Logger
}

// Logger sends a diagnostic to the engine; *provider.HostClient is one.
type Logger interface {
	Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
}

// ConfigFromEnv returns the Config the plugin binaries use: paths from StateEnv and LogEnv.
func ConfigFromEnv(pkg string) Config {
	return Config{Package: pkg, StatePath: os.Getenv(StateEnv), LogPath: os.Getenv(LogEnv)}
}

// Server is the test double's gRPC resource provider.
type Server struct {
	pulumirpc.UnimplementedResourceProviderServer

	cfg  Config
	log  rpcLog
	revs revisions

	mu     sync.Mutex
	region string

	announce sync.Once
}

// NewServer returns a provider server for cfg.Package ("aws" or "awsx").
func NewServer(cfg Config) (*Server, error) {
	switch cfg.Package {
	case "aws", "awsx":
	default:
		return nil, fmt.Errorf("testprovider: unknown package %q (want aws or awsx)", cfg.Package)
	}
	return &Server{
		cfg:    cfg,
		log:    rpcLog{path: cfg.LogPath},
		revs:   revisions{path: RevisionsPath(cfg.StatePath)},
		region: DefaultRegion,
	}, nil
}

// Main serves the package's provider as a Pulumi plugin until the engine stops it. It is what
// the cmd/pulumi-resource-<pkg> binaries run.
func Main(pkg string) error {
	fmt.Fprintf(os.Stderr, Banner+"\n", pkg)
	return pulumiprovider.Main(pkg, func(host *pulumiprovider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		cfg := ConfigFromEnv(pkg)
		if host != nil {
			cfg.EngineConn = host.EngineConn()
			cfg.Logger = host
		}
		return NewServer(cfg)
	})
}

func (s *Server) version() string {
	if s.cfg.Package == "awsx" {
		return AWSXVersion
	}
	return AWSVersion
}

func (s *Server) record(method, urn, typ string, preview bool) error {
	if err := s.log.append(LogEntry{
		Package: s.cfg.Package, Method: method, URN: urn, Type: typ, Preview: preview,
	}); err != nil {
		return fmt.Errorf("testprovider %s: %w", method, err)
	}
	return nil
}

var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func unmarshal(label string, s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	opts := unmarshalOpts
	opts.Label = label
	m, err := plugin.UnmarshalProperties(s, opts)
	if err != nil {
		return nil, fmt.Errorf("testprovider: unmarshaling %s: %w", label, err)
	}
	return m, nil
}

func marshal(label string, m resource.PropertyMap) (*structpb.Struct, error) {
	opts := unmarshalOpts
	opts.Label = label
	s, err := plugin.MarshalProperties(m, opts)
	if err != nil {
		return nil, fmt.Errorf("testprovider: marshaling %s: %w", label, err)
	}
	return s, nil
}

// GetPluginInfo reports the version the SDK asks for.
func (s *Server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	if err := s.record("GetPluginInfo", "", "", false); err != nil {
		return nil, err
	}
	return &pulumirpc.PluginInfo{Version: s.version()}, nil
}

// GetSchema returns a minimal schema that names the package and says it is a test double.
func (s *Server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	if err := s.record("GetSchema", "", "", false); err != nil {
		return nil, err
	}
	schema, err := json.Marshal(map[string]string{
		"name":        s.cfg.Package,
		"version":     s.version(),
		"description": fmt.Sprintf(Banner, s.cfg.Package),
	})
	if err != nil {
		return nil, fmt.Errorf("testprovider: encoding schema: %w", err)
	}
	return &pulumirpc.GetSchemaResponse{Schema: string(schema)}, nil
}

// CheckConfig accepts any provider configuration unchanged.
func (s *Server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := s.record("CheckConfig", req.GetUrn(), req.GetType(), false); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig never reports a change of provider configuration.
func (s *Server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := s.record("DiffConfig", req.GetUrn(), req.GetType(), false); err != nil {
		return nil, err
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Configure records the region (provider config "region", else variable "aws:region").
func (s *Server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if err := s.record("Configure", req.GetUrn(), req.GetType(), false); err != nil {
		return nil, err
	}
	var logErr error
	s.announce.Do(func() {
		if s.cfg.Logger != nil {
			msg := fmt.Sprintf("pulumi-resource-%s %s: "+Banner, s.cfg.Package, s.version(), s.cfg.Package)
			logErr = s.cfg.Logger.Log(ctx, diag.Info, "", msg)
		}
	})
	if logErr != nil {
		return nil, fmt.Errorf("testprovider: logging to the engine: %w", logErr)
	}
	// Engines of this SDK's age still send provider config as variables as well as args, as the
	// real provider reads them; args win below.
	//lint:ignore SA1019 the engine still fills Variables, and the real provider still reads it
	region := req.GetVariables()["aws:region"]
	args, err := unmarshal("config", req.GetArgs())
	if err != nil {
		return nil, err
	}
	if v, ok := args["region"]; ok {
		if v = unwrapSecrets(v); v.IsString() && v.StringValue() != "" {
			region = v.StringValue()
		}
	}
	if region != "" {
		s.mu.Lock()
		s.region = region
		s.mu.Unlock()
	}
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets:   true,
		SupportsPreview: true,
		AcceptResources: true,
		AcceptOutputs:   true,
	}, nil
}

func (s *Server) currentRegion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.region
}

// Check returns the new inputs unchanged.
func (s *Server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := s.record("Check", req.GetUrn(), req.GetType(), false); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// Diff compares old inputs with new ones; see the package documentation.
func (s *Server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	urn, err := resource.ParseURN(req.GetUrn())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Diff: %w", err)
	}
	if err := s.record("Diff", req.GetUrn(), string(urn.Type()), false); err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	var olds resource.PropertyMap
	if req.GetOldInputs() != nil {
		if olds, err = unmarshal("old inputs", req.GetOldInputs()); err != nil {
			return nil, err
		}
	} else {
		// An engine that sends no old inputs: compare the old state without the keys the double
		// computes.
		if olds, err = unmarshal("olds", req.GetOlds()); err != nil {
			return nil, err
		}
		c, err := compute(&computeRequest{
			urn: urn, typ: canonicalType(string(urn.Type())), region: s.currentRegion(),
			inputs: olds, prior: olds, preview: true, revs: &s.revs,
		})
		if err != nil {
			return nil, err
		}
		for k := range c.outs {
			delete(olds, resource.PropertyKey(k))
		}
	}
	return diff(string(urn.Type()), olds, news), nil
}

// diff is Diff's pure core.
func diff(typ string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		o, hasOld := olds[k]
		n, hasNew := news[k]
		hasOld = hasOld && o.HasValue()
		hasNew = hasNew && (n.HasValue() || n.ContainsUnknowns())
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasOld && !hasNew:
			continue
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE
		case equalValues(o, n):
			continue
		default:
			kind = pulumirpc.PropertyDiff_UPDATE
		}
		key := string(k)
		if ReplaceKeys(typ, key) {
			kind++ // each *_REPLACE kind directly follows its plain kind
			resp.Replaces = append(resp.Replaces, key)
		}
		resp.Diffs = append(resp.Diffs, key)
		resp.DetailedDiff[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(resp.Diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}

// equalValues reports whether an old and a new value are the same; an unknown new value never is.
func equalValues(old, new resource.PropertyValue) bool {
	if new.ContainsUnknowns() {
		return false
	}
	return unwrapSecrets(old).DeepEquals(unwrapSecrets(new))
}

func (s *Server) computeState(urn resource.URN, inputs, prior resource.PropertyMap, preview bool,
) (string, resource.PropertyMap, error) {
	c, err := compute(&computeRequest{
		urn: urn, typ: canonicalType(string(urn.Type())), region: s.currentRegion(),
		inputs: inputs, prior: prior, preview: preview, revs: &s.revs,
	})
	if err != nil {
		return "", nil, err
	}
	id := c.id.s
	if preview || !c.id.known {
		id = ""
	}
	return id, c.state(inputs), nil
}

// Create returns the inputs plus computed outputs.
func (s *Server) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	urn, err := resource.ParseURN(req.GetUrn())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Create: %w", err)
	}
	if err := s.record("Create", req.GetUrn(), string(urn.Type()), req.GetPreview()); err != nil {
		return nil, err
	}
	inputs, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() && inputs.ContainsUnknowns() {
		return nil, fmt.Errorf("testprovider: Create %s: unknown inputs outside preview", urn)
	}
	id, state, err := s.computeState(urn, inputs, nil, req.GetPreview())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Create %s: %w", urn, err)
	}
	if !req.GetPreview() && id == "" {
		return nil, fmt.Errorf("testprovider: Create %s: no id could be derived", urn)
	}
	props, err := marshal("state", state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update returns the new inputs plus recomputed outputs (a task definition keeps its revision).
func (s *Server) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	urn, err := resource.ParseURN(req.GetUrn())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Update: %w", err)
	}
	if err := s.record("Update", req.GetUrn(), string(urn.Type()), req.GetPreview()); err != nil {
		return nil, err
	}
	news, err := unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		oldInputs := olds
		if req.GetOldInputs() != nil {
			if oldInputs, err = unmarshal("old inputs", req.GetOldInputs()); err != nil {
				return nil, err
			}
		}
		if err := checkUpdatable(string(urn.Type()), oldInputs, news); err != nil {
			return nil, fmt.Errorf("testprovider: Update %s: %w", urn, err)
		}
	}
	_, state, err := s.computeState(urn, news, olds, req.GetPreview())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Update %s: %w", urn, err)
	}
	props, err := marshal("state", state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// codeDeployFrozen are the ECS service properties that UpdateService rejects on a service with
// the CODE_DEPLOY deployment controller, with the noun AWS's error message uses.
var codeDeployFrozen = []struct{ key, noun string }{
	{"taskDefinition", "task definition"},
	{"loadBalancers", "load balancers"},
	{"networkConfiguration", "network configuration"},
}

// checkUpdatable refuses, as ECS does, an in-place update that changes the task definition, load
// balancers or network configuration of a service deployed by CodeDeploy.
func checkUpdatable(typ string, olds, news resource.PropertyMap) error {
	if typ != "aws:ecs/service:Service" || !(codeDeployControlled(olds) || codeDeployControlled(news)) {
		return nil
	}
	for _, f := range codeDeployFrozen {
		k := resource.PropertyKey(f.key)
		o, n := olds[k], news[k]
		if (!o.HasValue() && !n.HasValue()) || equalValues(o, n) {
			continue
		}
		return fmt.Errorf("InvalidParameterException: Unable to update %s on services with a CODE_DEPLOY "+
			"deployment controller. Use AWS CodeDeploy to trigger a new deployment. (test double)", f.noun)
	}
	return nil
}

func codeDeployControlled(inputs resource.PropertyMap) bool {
	dc := unwrapSecrets(inputs["deploymentController"])
	if !dc.IsObject() {
		return false
	}
	t := unwrapSecrets(dc.ObjectValue()["type"])
	return t.IsString() && t.StringValue() == "CODE_DEPLOY"
}

// Read returns the stored state merged with the live state file's overrides. An override key
// also replaces the input of that name unless the key is one the double computes and the
// resource has no such input (so refresh records the drift in the inputs, as the real
// provider's refresh does, and the next preview diffs against it).
func (s *Server) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	urn, err := resource.ParseURN(req.GetUrn())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Read: %w", err)
	}
	if err := s.record("Read", req.GetUrn(), string(urn.Type()), false); err != nil {
		return nil, err
	}
	props, err := unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	var inputs resource.PropertyMap
	if req.GetInputs() != nil {
		if inputs, err = unmarshal("inputs", req.GetInputs()); err != nil {
			return nil, err
		}
	}
	live, err := ReadLiveState(s.cfg.StatePath)
	if err != nil {
		return nil, fmt.Errorf("testprovider: Read %s: %w", urn, err)
	}
	props, inputs = applyOverrides(props, inputs, overridesFor(live, urn))
	resp := &pulumirpc.ReadResponse{Id: req.GetId()}
	if resp.Properties, err = marshal("properties", props); err != nil {
		return nil, err
	}
	if inputs != nil {
		if resp.Inputs, err = marshal("inputs", inputs); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// applyOverrides merges set into the state and, for keys that are inputs or not computed
// outputs, into the inputs (when the engine sent inputs).
func applyOverrides(props, inputs, set resource.PropertyMap) (resource.PropertyMap, resource.PropertyMap) {
	if len(set) == 0 {
		return props, inputs
	}
	props = props.Copy()
	if inputs != nil {
		inputs = inputs.Copy()
	}
	for k, v := range set {
		_, isInput := inputs[k]
		_, isOutput := props[k]
		props[k] = v
		if inputs != nil && (isInput || !isOutput) {
			inputs[k] = v
		}
	}
	return props, inputs
}

// Delete always succeeds.
func (s *Server) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	urn, err := resource.ParseURN(req.GetUrn())
	if err != nil {
		return nil, fmt.Errorf("testprovider: Delete: %w", err)
	}
	if err := s.record("Delete", req.GetUrn(), string(urn.Type()), false); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Cancel has nothing to cancel.
func (s *Server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// GetMapping has no mappings.
func (s *Server) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

// GetMappings has no mappings.
func (s *Server) GetMappings(context.Context, *pulumirpc.GetMappingsRequest) (*pulumirpc.GetMappingsResponse, error) {
	return &pulumirpc.GetMappingsResponse{}, nil
}

// Invoke serves the data sources the programs use; see the package documentation.
func (s *Server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if err := s.record("Invoke", "", req.GetTok(), req.GetPreview()); err != nil {
		return nil, err
	}
	ret, err := invoke(req.GetTok(), s.currentRegion())
	if err != nil {
		return nil, err
	}
	out, err := structpb.NewStruct(ret)
	if err != nil {
		return nil, fmt.Errorf("testprovider: encoding %s result: %w", req.GetTok(), err)
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}

func invoke(tok, region string) (map[string]any, error) {
	switch tok {
	case "aws:index/getRegion:getRegion":
		return map[string]any{
			"name":        region,
			"region":      region,
			"id":          region,
			"description": "test double region " + region,
			"endpoint":    "ec2." + region + ".amazonaws.com",
		}, nil
	case "aws:index/getPartition:getPartition":
		return map[string]any{
			"partition":        "aws",
			"dnsSuffix":        "amazonaws.com",
			"reverseDnsPrefix": "com.amazonaws",
			"id":               "aws",
		}, nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return map[string]any{
			"accountId": Account,
			"arn":       "arn:aws:iam::" + Account + ":user/testprovider",
			"userId":    "AIDATESTPROVIDERDOUBLE",
			"id":        Account,
		}, nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := []any{region + "a", region + "b", region + "c"}
		return map[string]any{
			"names":      names,
			"zoneIds":    []any{"use1-az1", "use1-az2", "use1-az3"},
			"groupNames": []any{region},
			"id":         region,
		}, nil
	default:
		return nil, fmt.Errorf("testprovider: invoke %q is not implemented by the test double", tok)
	}
}
