package release

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// fakeCLI is a Pulumi CLI that is never run.
type fakeCLI struct {
	auto.PulumiCommand
	version semver.Version
}

func (f fakeCLI) Version() semver.Version { return f.version }

// fakeInstaller is a TEST DOUBLE of the Pulumi CLI discovery: found maps a root ("" for PATH)
// to an installed CLI; installs are recorded, not performed (there is no network).
type fakeInstaller struct {
	found    map[string]bool
	lookups  []string
	installs []auto.PulumiCommandOptions
	failWith error
}

func (f *fakeInstaller) NewPulumiCommand(opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	f.lookups = append(f.lookups, opts.Root)
	if f.found[opts.Root] {
		return fakeCLI{version: semver.MustParse("3.300.0")}, nil
	}
	return nil, errors.New("failed to run `pulumi version`: not found")
}

func (f *fakeInstaller) InstallPulumiCommand(_ context.Context, opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	f.installs = append(f.installs, *opts)
	if f.failWith != nil {
		return nil, f.failWith
	}
	return fakeCLI{version: opts.Version}, nil
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFindPulumi(t *testing.T) {
	home := "/home/dev/.pulumi-custom"
	tests := []struct {
		name        string
		found       map[string]bool
		failWith    error
		wantInstall bool
		wantErr     bool
	}{
		{"on PATH", map[string]bool{"": true}, nil, false, false},
		{"in PULUMI_HOME/bin", map[string]bool{home: true}, nil, false, false},
		{"none: install the SDK's version", nil, nil, true, false},
		{"install fails", nil, errors.New("no network"), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inst := &fakeInstaller{found: tc.found, failWith: tc.failWith}
			var log bytes.Buffer
			cmd, err := FindPulumi(context.Background(), inst, env(map[string]string{"PULUMI_HOME": home, "HOME": "/home/dev"}), &log)
			if tc.wantErr {
				if ExitCode(err) != ExitInfra || !strings.Contains(err.Error(), "install pulumi "+sdk.Version.String()) {
					t.Fatalf("error %v, want a PulumiError saying what to install", err)
				}
			} else if err != nil || cmd == nil {
				t.Fatalf("FindPulumi: %v", err)
			}
			if !tc.wantInstall {
				if len(inst.installs) != 0 {
					t.Errorf("installed %v although a CLI was found", inst.installs)
				}
				return
			}
			if len(inst.installs) != 1 {
				t.Fatalf("%d installs, want 1", len(inst.installs))
			}
			got := inst.installs[0]
			wantRoot := filepath.Join(home, "versions", sdk.Version.String())
			if !got.Version.Equals(sdk.Version) || got.Root != wantRoot {
				t.Errorf("installed %s into %s, want %s into %s", got.Version, got.Root, sdk.Version, wantRoot)
			}
			if !strings.Contains(log.String(), "installing pulumi "+sdk.Version.String()+" into "+wantRoot) {
				t.Errorf("the install was not announced: %q", log.String())
			}
		})
	}
}

func TestPulumiHomeDefaultsUnderHome(t *testing.T) {
	inst := &fakeInstaller{}
	_, _ = FindPulumi(context.Background(), inst, env(map[string]string{"HOME": "/home/dev"}), &bytes.Buffer{})
	if len(inst.installs) != 1 || inst.installs[0].Root != filepath.Join("/home/dev/.pulumi/versions", sdk.Version.String()) {
		t.Errorf("installs %+v, want one under /home/dev/.pulumi/versions", inst.installs)
	}
	if len(inst.lookups) != 2 || inst.lookups[0] != "" || inst.lookups[1] != "/home/dev/.pulumi" {
		t.Errorf("looked in %q, want PATH then /home/dev/.pulumi", inst.lookups)
	}
}

func TestResolveBackend(t *testing.T) {
	home := t.TempDir()
	loggedIn := t.TempDir()
	if err := os.WriteFile(filepath.Join(loggedIn, "credentials.json"), []byte(`{"current":"https://api.pulumi.com"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), []byte("name: ecs-bluegreen\nruntime: go\nbackend:\n  url: s3://state-bucket\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        map[string]string
		projectDir string
		wantURL    string
		wantSource string
	}{
		{"env wins", map[string]string{"PULUMI_BACKEND_URL": "s3://from-env", "HOME": home}, project, "s3://from-env", "PULUMI_BACKEND_URL"},
		{"project backend", map[string]string{"HOME": home}, project, "s3://state-bucket", "Pulumi.yaml"},
		{"cli login", map[string]string{"HOME": home, "PULUMI_HOME": loggedIn}, "", "", "login"},
		{"access token", map[string]string{"HOME": home, "PULUMI_ACCESS_TOKEN": "pul-x"}, "", "", "PULUMI_ACCESS_TOKEN"},
		{"default local", map[string]string{"HOME": home}, "", "file://" + filepath.ToSlash(filepath.Join(home, ".pulumi-ecs-bluegreen/state")), "default"},
	}
	for _, tc := range tests {
		b, err := ResolveBackend(env(tc.env), tc.projectDir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.URL != tc.wantURL || b.Source != tc.wantSource || b.Default != (tc.wantSource == "default") {
			t.Errorf("%s: %+v, want url %q source %s", tc.name, b, tc.wantURL, tc.wantSource)
		}
	}
}
