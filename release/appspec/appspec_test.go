package appspec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const tdArn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42"

func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name string
		in   Input
	}{
		{
			name: "minimal",
			in:   Input{TaskDefinitionArn: tdArn, ContainerName: "web", ContainerPort: 8080},
		},
		{
			name: "full",
			in: Input{
				TaskDefinitionArn: tdArn,
				ContainerName:     "web",
				ContainerPort:     8080,
				PlatformVersion:   "1.4.0",
				// unsorted, with a duplicate and padding: the output is sorted and unique
				Subnets:        []string{"subnet-b", "subnet-a", " subnet-b"},
				SecurityGroups: []string{"sg-2", "sg-1"},
				AssignPublicIP: true,
				Hooks: map[string]string{
					"AfterAllowTraffic":     "arn:aws:lambda:eu-west-1:123456789012:function:after",
					"BeforeInstall":         "before-install",
					"AfterAllowTestTraffic": "smoke",
				},
			},
		},
		{
			name: "private",
			in: Input{
				TaskDefinitionArn: tdArn, ContainerName: "web", ContainerPort: 80,
				PlatformVersion: "LATEST", Subnets: []string{"subnet-1"}, SecurityGroups: []string{"sg-1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, err := Build(tt.in)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			golden := filepath.Join("testdata", tt.name+".json")
			if *update {
				if err := os.WriteFile(golden, rev.Content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if !bytes.Equal(rev.Content, want) {
				t.Errorf("content differs from %s:\ngot:\n%s\nwant:\n%s", golden, rev.Content, want)
			}
			sum := sha256.Sum256(want)
			if rev.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 = %s, want the hash of the content", rev.SHA256)
			}
			if !bytes.HasSuffix(rev.Content, []byte("}\n")) {
				t.Errorf("content does not end with a newline")
			}
		})
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	in := Input{
		TaskDefinitionArn: tdArn, ContainerName: "web", ContainerPort: 80,
		Subnets: []string{"c", "a", "b"}, SecurityGroups: []string{"z", "y"},
		Hooks: map[string]string{"BeforeInstall": "a", "AfterInstall": "b", "AfterAllowTraffic": "c", "BeforeAllowTraffic": "d", "AfterAllowTestTraffic": "e"},
	}
	first, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 { // map iteration order varies between runs; the bytes must not
		again, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Content, again.Content) || first.SHA256 != again.SHA256 {
			t.Fatalf("Build is not deterministic:\n%s\n---\n%s", first.Content, again.Content)
		}
	}
	doc, err := Parse(first.Content)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, h := range doc.Hooks {
		order = append(order, h.Event)
	}
	if got, want := strings.Join(order, ","), strings.Join(HookEvents, ","); got != want {
		t.Errorf("hook order = %s, want lifecycle order %s", got, want)
	}
}

func TestBuildRejects(t *testing.T) {
	valid := Input{TaskDefinitionArn: tdArn, ContainerName: "web", ContainerPort: 80}
	tests := []struct {
		name   string
		modify func(*Input)
		want   string
	}{
		{"family only", func(in *Input) { in.TaskDefinitionArn = "web:42" }, "not a task definition ARN"},
		{"no container", func(in *Input) { in.ContainerName = " " }, "container name is empty"},
		{"port zero", func(in *Input) { in.ContainerPort = 0 }, "outside 1-65535"},
		{"port too big", func(in *Input) { in.ContainerPort = 70000 }, "outside 1-65535"},
		{"empty subnet", func(in *Input) { in.Subnets = []string{"subnet-1", ""} }, "empty subnet id"},
		{"groups without subnets", func(in *Input) { in.SecurityGroups = []string{"sg-1"} }, "without subnets"},
		{"public ip without subnets", func(in *Input) { in.AssignPublicIP = true }, "without subnets"},
		{"unknown hook", func(in *Input) { in.Hooks = map[string]string{"AllowTraffic": "fn"} }, `"AllowTraffic" is not an ECS hook event`},
		{"empty hook function", func(in *Input) { in.Hooks = map[string]string{"BeforeInstall": ""} }, "empty or invalid function name"},
		{"no revision", func(in *Input) { in.TaskDefinitionArn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web" }, "not a task definition ARN"},
		{"invalid utf-8", func(in *Input) { in.Subnets = []string{"subnet-\xff"} }, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid
			tt.modify(&in)
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Build error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// every problem is reported at once
	_, err := Build(Input{})
	for _, want := range []string{"ARN", "container name", "container port"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build(Input{}) error = %v, want it to mention %q", err, want)
		}
	}
}

func TestParseRejectsForeignDocuments(t *testing.T) {
	for _, in := range []string{`{"version":0.0,"Resources":[],"Extra":1}`, `{"version":0.0,"Hooks":[{"a":"b","c":"d"}]}`, `[`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%s) succeeded, want an error", in)
		}
	}
}

func FuzzBuild(f *testing.F) {
	f.Add(tdArn, "web", int32(8080), "LATEST", "subnet-b,subnet-a", "sg-1", true, 0, "fn")
	f.Add("arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/b:1", "c\"<>&\u00e9", int32(1), "", "", "", false, 4, "arn:aws:lambda:x")
	f.Add("arn:aws:ecs:x:123456789012:task-definition/b:7", "\xff", int32(65535), "1.4.0", "a,,b", "", false, 7, "")
	f.Fuzz(func(t *testing.T, arn, container string, port int32, platform, subnets, groups string, public bool, hook int, fn string) {
		in := Input{
			TaskDefinitionArn: arn, ContainerName: container, ContainerPort: port, PlatformVersion: platform,
			Subnets: split(subnets), SecurityGroups: split(groups), AssignPublicIP: public,
		}
		if hook >= 0 && hook < len(HookEvents) {
			in.Hooks = map[string]string{HookEvents[hook]: fn}
		}
		rev, err := Build(in)
		if err != nil {
			return // rejected input: an error, never a panic
		}
		if !json.Valid(rev.Content) {
			t.Fatalf("invalid JSON:\n%s", rev.Content)
		}
		doc, err := Parse(rev.Content)
		if err != nil {
			t.Fatalf("Parse of built content: %v\n%s", err, rev.Content)
		}
		again, err := doc.Revision()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Content, rev.Content) {
			t.Fatalf("round trip changed the bytes:\n%s\n---\n%s", rev.Content, again.Content)
		}
		same, err := Build(in)
		if err != nil || !bytes.Equal(same.Content, rev.Content) || same.SHA256 != rev.SHA256 {
			t.Fatalf("same input gave different output (err %v)", err)
		}
		props := doc.Resources[0].TargetService.Properties
		if props.LoadBalancerInfo.ContainerPort != port {
			t.Fatalf("port %d came back as %d", port, props.LoadBalancerInfo.ContainerPort)
		}
	})
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
