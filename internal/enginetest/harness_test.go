package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// knobs are what the self-test changes between operations; the program reads them each run.
type knobs struct {
	port         int
	image        string
	ignoreDrift  bool // ignoreChanges on the listener's defaultActions
	availability int
}

func selfTestProgram(k *knobs) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		zones := k.availability
		vpc, err := awsxec2.NewVpc(ctx, "net", &awsxec2.VpcArgs{NumberOfAvailabilityZones: &zones})
		if err != nil {
			return err
		}
		alb, err := lb.NewLoadBalancer(ctx, "web", &lb.LoadBalancerArgs{
			LoadBalancerType: pulumi.String("application"),
			Subnets:          vpc.PublicSubnetIds,
		})
		if err != nil {
			return err
		}
		groups := map[string]*lb.TargetGroup{}
		for _, name := range []string{"blue", "green"} {
			port := 80
			if name == "blue" {
				port = k.port
			}
			tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
				Port:       pulumi.Int(port),
				Protocol:   pulumi.String("HTTP"),
				TargetType: pulumi.String("ip"),
				VpcId:      vpc.VpcId,
			})
			if err != nil {
				return err
			}
			groups[name] = tg
		}
		var opts []pulumi.ResourceOption
		if k.ignoreDrift {
			opts = append(opts, pulumi.IgnoreChanges([]string{"defaultActions"}))
		}
		listener, err := lb.NewListener(ctx, "prod", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
				Type:           pulumi.String("forward"),
				TargetGroupArn: groups["blue"].Arn,
			}},
		}, opts...)
		if err != nil {
			return err
		}
		containers, err := json.Marshal([]map[string]any{{"name": "app", "image": k.image, "essential": true}})
		if err != nil {
			return err
		}
		td, err := ecs.NewTaskDefinition(ctx, "app", &ecs.TaskDefinitionArgs{
			Family:                  pulumi.String("app"),
			ContainerDefinitions:    pulumi.String(string(containers)),
			Cpu:                     pulumi.String("256"),
			Memory:                  pulumi.String("512"),
			NetworkMode:             pulumi.String("awsvpc"),
			RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		})
		if err != nil {
			return err
		}
		ctx.Export("listenerArn", listener.Arn)
		ctx.Export("blueArn", groups["blue"].Arn)
		ctx.Export("greenArn", groups["green"].Arn)
		ctx.Export("taskDefinitionArn", td.Arn)
		ctx.Export("revision", td.Revision)
		ctx.Export("vpcId", vpc.VpcId)
		ctx.Export("publicSubnetIds", vpc.PublicSubnetIds)
		ctx.Export("dnsName", alb.DnsName)
		return nil
	}
}

const (
	typeLB       = "aws:lb/loadBalancer:LoadBalancer"
	typeTG       = "aws:lb/targetGroup:TargetGroup"
	typeListener = "aws:lb/listener:Listener"
	typeTaskDef  = "aws:ecs/taskDefinition:TaskDefinition"
	typeAwsxVpc  = "awsx:ec2:Vpc"
	typeVpc      = "aws:ec2/vpc:Vpc"
	typeSubnet   = "aws:ec2/subnet:Subnet"
)

func output(t *testing.T, res auto.UpResult, key string) any {
	t.Helper()
	out, ok := res.Outputs[key]
	if !ok {
		t.Fatalf("stack output %q missing; outputs: %v", key, res.Outputs)
	}
	return out.Value
}

// listenerInputs returns the listener's stored inputs, from the exported stack state.
func listenerInputs(ctx context.Context, t *testing.T, st auto.Stack) map[string]any {
	t.Helper()
	for _, r := range ExportState(ctx, t, st) {
		if r.Type == typeListener {
			return r.Inputs
		}
	}
	t.Fatalf("no listener in the state of %s", st.Name())
	return nil
}

// forwardTo is a listener default action as CodeDeploy leaves it after a swap.
func forwardTo(arn string) []any {
	return []any{map[string]any{"type": "forward", "targetGroupArn": arn}}
}

// TestHarness runs the real Pulumi CLI against the test-double plugins: it checks that previews
// see creates, replacements (target group port, task definition image), and no change where
// nothing changed; that refresh picks up out-of-band listener drift which ignoreChanges hides
// and which shows without it; and that destroy deletes everything.
func TestHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("engine test: runs the Pulumi CLI (skipped with -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	env := New(t, Options{})
	k := &knobs{port: 80, image: "nginx:1.26", ignoreDrift: true, availability: 2}
	st := env.Stack(ctx, t, "selftest", "", selfTestProgram(k))

	var first auto.UpResult
	t.Run("preview from empty creates every resource", func(t *testing.T) {
		sum := Preview(ctx, t, st)
		want := map[string]int{
			typeLB: 1, typeTG: 2, typeListener: 1, typeTaskDef: 1,
			typeAwsxVpc: 1, typeVpc: 1, typeSubnet: 4,
		}
		for typ, n := range want {
			if sum.Creates[typ] != n {
				t.Errorf("creates[%s] = %d, want %d\n%s", typ, sum.Creates[typ], n, sum)
			}
		}
		if len(sum.Updates)+len(sum.Replaces)+len(sum.Deletes) > 0 {
			t.Errorf("preview from empty plans more than creates:\n%s", sum)
		}
	})

	t.Run("up creates with computed outputs", func(t *testing.T) {
		first = Up(ctx, t, st)
		checks := map[string]string{
			"taskDefinitionArn": `^arn:aws:ecs:us-east-1:123456789012:task-definition/app:1$`,
			"listenerArn":       `^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-[0-9a-f]{7}/[0-9a-f]{16}/[0-9a-f]{16}$`,
			"vpcId":             `^vpc-[0-9a-f]{17}$`,
			"dnsName":           `^web-[0-9a-f]{7}-[0-9]{10}\.us-east-1\.elb\.amazonaws\.com$`,
		}
		for key, re := range checks {
			if got := fmt.Sprint(output(t, first, key)); !regexp.MustCompile(re).MatchString(got) {
				t.Errorf("%s = %q, want match for %s", key, got, re)
			}
		}
		if got := output(t, first, "revision"); got != 1.0 {
			t.Errorf("revision = %v, want 1", got)
		}
		if subnets, _ := output(t, first, "publicSubnetIds").([]any); len(subnets) != 2 {
			t.Errorf("publicSubnetIds = %v, want 2 subnets", subnets)
		}
	})

	t.Run("preview after up shows no changes", func(t *testing.T) {
		if sum := Preview(ctx, t, st); sum.Changed() {
			t.Errorf("preview after up plans changes:\n%s", sum)
		}
	})

	t.Run("target group port change shows a replacement", func(t *testing.T) {
		k.port = 8080
		defer func() { k.port = 80 }()
		sum := Preview(ctx, t, st)
		if sum.Replaces[typeTG] != 1 {
			t.Fatalf("replaces[%s] = %d, want 1\n%s", typeTG, sum.Replaces[typeTG], sum)
		}
		steps := sum.Find(typeTG, "blue")
		i := slices.IndexFunc(steps, func(s Step) bool { return s.Op == "replace" })
		if i < 0 || !slices.Contains(steps[i].Replaces, "port") {
			t.Errorf("blue's steps = %+v, want a replace caused by port", steps)
		}
		if sum.Replaces[typeTaskDef]+sum.Updates[typeListener]+sum.Replaces[typeLB] != 0 {
			t.Errorf("a port change touches more than the target group:\n%s", sum)
		}
	})

	t.Run("task definition image change replaces with a new revision", func(t *testing.T) {
		k.image = "nginx:1.27"
		sum := Preview(ctx, t, st)
		steps := sum.Find(typeTaskDef, "app")
		i := slices.IndexFunc(steps, func(s Step) bool { return s.Op == "replace" })
		if sum.Replaces[typeTaskDef] != 1 || i < 0 || !slices.Contains(steps[i].Replaces, "containerDefinitions") {
			t.Fatalf("want the task definition replaced because of containerDefinitions:\n%s", sum)
		}
		res := Up(ctx, t, st)
		if got := output(t, res, "revision"); got != 2.0 {
			t.Errorf("revision after replacement = %v, want 2", got)
		}
		if got := output(t, res, "taskDefinitionArn"); got != "arn:aws:ecs:us-east-1:123456789012:task-definition/app:2" {
			t.Errorf("taskDefinitionArn = %v, want revision 2", got)
		}
	})

	green := fmt.Sprint(output(t, first, "greenArn"))
	drift := Override{Type: typeListener, Name: "prod", Set: map[string]any{"defaultActions": forwardTo(green)}}

	t.Run("refresh records listener drift that ignoreChanges hides", func(t *testing.T) {
		env.SetLive(t, drift)
		Refresh(ctx, t, st)
		actions, _ := json.Marshal(listenerInputs(ctx, t, st)["defaultActions"])
		if want, _ := json.Marshal(forwardTo(green)); string(actions) != string(want) {
			t.Fatalf("listener defaultActions after refresh = %s, want %s", actions, want)
		}
		if sum := Preview(ctx, t, st); sum.Changed() {
			t.Errorf("drift on an ignored property shows in preview:\n%s", sum)
		}
	})

	t.Run("without ignoreChanges the same drift shows as an update", func(t *testing.T) {
		k2 := &knobs{port: 80, image: "nginx:1.26", ignoreDrift: false, availability: 2}
		st2 := env.Stack(ctx, t, "noignore", "", selfTestProgram(k2))
		defer Destroy(ctx, t, st2)
		Up(ctx, t, st2)
		env.SetLive(t, drift)
		Refresh(ctx, t, st2)
		sum := Preview(ctx, t, st2)
		steps := sum.Find(typeListener, "prod")
		if sum.Updates[typeListener] != 1 || len(steps) != 1 || !slices.Contains(steps[0].Diffs, "defaultActions") {
			t.Errorf("want the listener updated because of defaultActions:\n%s", sum)
		}
	})

	t.Run("project directory with stack config", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{
			"Pulumi.yaml":     "name: fixture\nruntime: go\ndescription: enginetest fixture\n",
			"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  fixture:clusterName: main\n",
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		program := func(ctx *pulumi.Context) error {
			region, err := aws.GetRegion(ctx, nil)
			if err != nil {
				return err
			}
			name, _ := ctx.GetConfig("fixture:clusterName")
			cluster, err := ecs.NewCluster(ctx, "cluster", &ecs.ClusterArgs{Name: pulumi.String(name)})
			if err != nil {
				return err
			}
			ctx.Export("region", pulumi.String(region.Name))
			ctx.Export("clusterArn", cluster.Arn)
			return nil
		}
		st := env.Stack(ctx, t, "dev", dir, program)
		defer Destroy(ctx, t, st)
		res := Up(ctx, t, st)
		if got := output(t, res, "region"); got != "eu-west-1" {
			t.Errorf("getRegion = %v, want eu-west-1 from Pulumi.dev.yaml", got)
		}
		if got := output(t, res, "clusterArn"); got != "arn:aws:ecs:eu-west-1:123456789012:cluster/main" {
			t.Errorf("clusterArn = %v, want the region and name from Pulumi.dev.yaml", got)
		}
		for name, body := range files {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || string(got) != body {
				t.Errorf("%s changed in the project directory: %q (%v)", name, got, err)
			}
		}
	})

	t.Run("TryPreview returns a failing preview's error", func(t *testing.T) {
		failing := env.Stack(ctx, t, "failing", "", func(*pulumi.Context) error {
			return errors.New("the program refuses")
		})
		if _, err := TryPreview(ctx, t, failing); err == nil || !strings.Contains(err.Error(), "the program refuses") {
			t.Errorf("TryPreview error = %v, want the program's error", err)
		}
	})

	t.Run("destroy deletes everything", func(t *testing.T) {
		res := Destroy(ctx, t, st)
		if got := (*res.Summary.ResourceChanges)["delete"]; got < 10 {
			t.Errorf("destroy deleted %d resources, want at least 10 (%v)", got, *res.Summary.ResourceChanges)
		}
		deleted := map[string]bool{}
		for _, e := range env.RPCLog(t) {
			if e.Method == "Delete" {
				deleted[e.Type] = true
			}
		}
		for _, typ := range []string{typeLB, typeTG, typeListener, typeTaskDef, typeVpc, typeSubnet} {
			if !deleted[typ] {
				t.Errorf("no Delete RPC for %s", typ)
			}
		}
	})
}
