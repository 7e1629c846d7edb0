// Package enginetest runs Pulumi programs through the real Pulumi CLI, with a local file://
// backend and the TEST DOUBLE aws and awsx provider plugins of internal/testprovider first on
// PATH (the engine loads them as ambient plugins). Programs run as Automation API inline
// programs, so no language host is needed. Nothing here talks to AWS.
//
// Typical use:
//
//	env := enginetest.New(t, enginetest.Options{})
//	st := env.Stack(ctx, t, "dev", "", program) // or a project directory holding Pulumi.yaml
//	sum := enginetest.Preview(ctx, t, st)       // creates/updates/replaces/... by type token
//	enginetest.Up(ctx, t, st)
//	env.SetLive(t, enginetest.Override{Type: "aws:lb/listener:Listener", Name: "prod", Set: ...})
//	enginetest.Refresh(ctx, t, st)
//
// The CLI is built once per machine by scripts/pulumi-cli (about 10 minutes cold); CLI fails
// the test with the script's output when it cannot be had, it never skips.
package enginetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/ecs-bluegreen/ecs-bluegreen/internal/testprovider"
)

// Override is one out-of-band change for the live state file (see testprovider.LiveState).
type Override = testprovider.Override

// Options configures New.
type Options struct {
	// ExtraEnv is added to the workspace environment (after, so overriding, the defaults).
	ExtraEnv map[string]string
}

// Env is one isolated engine environment: its own backend, PULUMI_HOME, live state file and
// RPC log, sharing the CLI and the plugin binaries.
type Env struct {
	Dir        string // temporary root, removed when the test ends
	CLIDir     string // directory holding the pulumi CLI
	PluginsDir string // directory holding pulumi-resource-aws and pulumi-resource-awsx
	StatePath  string // live state file (ECSBG_TESTPROVIDER_STATE)
	LogPath    string // RPC log (ECSBG_TESTPROVIDER_LOG)

	vars map[string]string
	cmd  auto.PulumiCommand
}

// RepoRoot walks up from the working directory to the directory holding go.mod: the repository
// root, which also holds Pulumi.yaml and the stack files (the project directory).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("enginetest: working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("enginetest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// withFileLock runs f holding an exclusive lock on path (serialising test processes that would
// otherwise build the same thing at once).
func withFileLock(tb testing.TB, path string, f func()) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatalf("enginetest: lock dir: %v", err)
	}
	lock, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		tb.Fatalf("enginetest: opening lock %s: %v", path, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		tb.Fatalf("enginetest: locking %s: %v", path, err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	f()
}

var cliOnce struct {
	sync.Mutex
	dir string
}

// CLI returns the directory holding the pinned pulumi CLI, running scripts/pulumi-cli (which
// builds it when it is not cached; about 10 minutes cold). It fails the test with the script's
// stderr when the CLI cannot be had; it never skips.
func CLI(tb testing.TB) string {
	tb.Helper()
	cliOnce.Lock()
	defer cliOnce.Unlock()
	if cliOnce.dir != "" {
		return cliOnce.dir
	}
	root := RepoRoot(tb)
	var stdout, stderr bytes.Buffer
	var runErr error
	withFileLock(tb, filepath.Join(os.TempDir(), "ecs-bluegreen-pulumi-cli.lock"), func() {
		cmd := exec.Command(filepath.Join(root, "scripts", "pulumi-cli"))
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr = cmd.Run()
	})
	if runErr != nil {
		tb.Fatalf("enginetest: scripts/pulumi-cli failed: %v\n%s", runErr, stderr.String())
	}
	dir := strings.TrimSpace(stdout.String())
	if _, err := os.Stat(filepath.Join(dir, "pulumi")); err != nil {
		tb.Fatalf("enginetest: scripts/pulumi-cli printed %q, which holds no pulumi: %v\n%s", dir, err, stderr.String())
	}
	cliOnce.dir = dir
	return dir
}

// DefaultPluginsDir is where New builds the plugin binaries: testprovider-bin in the cache
// directory scripts/pulumi-cli uses (${ECS_BLUEGREEN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-bluegreen}),
// a stable place so that repeated builds are cheap.
func DefaultPluginsDir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv("ECS_BLUEGREEN_CACHE"); dir != "" {
		return filepath.Join(dir, "testprovider-bin")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		tb.Fatalf("enginetest: user cache dir: %v", err)
	}
	return filepath.Join(cache, "ecs-bluegreen", "testprovider-bin")
}

// BuildPlugins builds pulumi-resource-aws and pulumi-resource-awsx (the test doubles) into dir
// with `go build` (cached by the Go build cache: about 2 s when nothing changed) and returns dir.
func BuildPlugins(tb testing.TB, dir string) string {
	tb.Helper()
	root := RepoRoot(tb)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("enginetest: plugins dir: %v", err)
	}
	withFileLock(tb, filepath.Join(dir, ".build.lock"), func() {
		cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
			"./internal/testprovider/cmd/pulumi-resource-aws",
			"./internal/testprovider/cmd/pulumi-resource-awsx")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("enginetest: building the test provider plugins: %v\n%s", err, out)
		}
	})
	return dir
}

// New prepares an Env: the CLI, the plugins, a temporary file:// backend and PULUMI_HOME, and
// the paths of the live state file and RPC log.
func New(tb testing.TB, opts Options) *Env {
	tb.Helper()
	cliDir := CLI(tb)
	pluginsDir := BuildPlugins(tb, DefaultPluginsDir(tb))
	dir := tb.TempDir()
	e := &Env{
		Dir:        dir,
		CLIDir:     cliDir,
		PluginsDir: pluginsDir,
		StatePath:  filepath.Join(dir, "live.json"),
		LogPath:    filepath.Join(dir, "rpc.log"),
	}
	for _, sub := range []string{"backend", "home", "cli/bin"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			tb.Fatalf("enginetest: %v", err)
		}
	}
	e.vars = map[string]string{
		"PATH":                          pluginsDir + string(os.PathListSeparator) + cliDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_BACKEND_URL":            "file://" + filepath.Join(dir, "backend"),
		"PULUMI_HOME":                   filepath.Join(dir, "home"),
		"PULUMI_CONFIG_PASSPHRASE":      "test",
		"PULUMI_SKIP_UPDATE_CHECK":      "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS": "false",
		// Never try to download a plugin: there is no registry here, and a missing plugin
		// should fail fast.
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		testprovider.StateEnv:                         e.StatePath,
		testprovider.LogEnv:                           e.LogPath,
	}
	for k, v := range opts.ExtraEnv {
		e.vars[k] = v
	}
	// auto.NewPulumiCommand wants <root>/bin/pulumi.
	if err := os.Symlink(filepath.Join(cliDir, "pulumi"), filepath.Join(dir, "cli", "bin", "pulumi")); err != nil {
		tb.Fatalf("enginetest: linking the CLI: %v", err)
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Join(dir, "cli")})
	if err != nil {
		tb.Fatalf("enginetest: pulumi command: %v", err)
	}
	e.cmd = cmd
	return e
}

// Vars returns a copy of the workspace environment (PATH with the plugins and CLI first, the
// backend, PULUMI_HOME, passphrase, and the test provider's file paths).
func (e *Env) Vars() map[string]string {
	out := make(map[string]string, len(e.vars))
	for k, v := range e.vars {
		out[k] = v
	}
	return out
}

// Command returns the Env's pulumi CLI, for code that runs stacks itself (e.g. the release
// library) with Vars as its environment.
func (e *Env) Command() auto.PulumiCommand { return e.cmd }

// ProjectName is the project name Stack generates when given no project directory.
const ProjectName = "enginetest"

// Stack creates (or selects) a stack running program inline. With projectDir "", the project is
// generated (ProjectName, runtime go). Otherwise projectDir's Pulumi.yaml and Pulumi.<stack>.yaml
// files are copied into a fresh working directory first, so the stack's config comes from them
// and nothing is written into projectDir (stack init would add an encryption salt).
func (e *Env) Stack(ctx context.Context, tb testing.TB, stackName, projectDir string, program pulumi.RunFunc) auto.Stack {
	tb.Helper()
	workDir, err := os.MkdirTemp(e.Dir, "work-"+stackName+"-")
	if err != nil {
		tb.Fatalf("enginetest: work dir: %v", err)
	}
	opts := []auto.LocalWorkspaceOption{
		auto.EnvVars(e.Vars()),
		auto.Pulumi(e.cmd),
		auto.PulumiHome(e.vars["PULUMI_HOME"]),
	}
	var st auto.Stack
	if projectDir == "" {
		opts = append(opts, auto.WorkDir(workDir), auto.Project(workspace.Project{
			Name:    tokens.PackageName(ProjectName),
			Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		}))
		st, err = auto.UpsertStackInlineSource(ctx, stackName, ProjectName, program, opts...)
	} else {
		copyProjectFiles(tb, projectDir, workDir)
		opts = append(opts, auto.Program(program))
		st, err = auto.UpsertStackLocalSource(ctx, stackName, workDir, opts...)
	}
	if err != nil {
		tb.Fatalf("enginetest: stack %s: %v", stackName, err)
	}
	return st
}

// copyProjectFiles copies Pulumi.yaml (or .yml) and every Pulumi.*.yaml from src to dst.
func copyProjectFiles(tb testing.TB, src, dst string) {
	tb.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		tb.Fatalf("enginetest: project dir: %v", err)
	}
	found := false
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasPrefix(name, "Pulumi.") ||
			!(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		if name == "Pulumi.yaml" || name == "Pulumi.yml" {
			found = true
		}
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			tb.Fatalf("enginetest: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			tb.Fatalf("enginetest: %v", err)
		}
	}
	if !found {
		tb.Fatalf("enginetest: %s holds no Pulumi.yaml", src)
	}
}

// SetLive writes the live state file: what the double's Read (pulumi refresh) reports from now
// on, replacing any earlier SetLive. With no overrides, the live state matches the stored one.
func (e *Env) SetLive(tb testing.TB, overrides ...Override) {
	tb.Helper()
	if err := testprovider.WriteLiveState(e.StatePath, testprovider.LiveState{Overrides: overrides}); err != nil {
		tb.Fatalf("enginetest: %v", err)
	}
}

// RPCLog returns the RPCs the plugins have served so far in this Env.
func (e *Env) RPCLog(tb testing.TB) []testprovider.LogEntry {
	tb.Helper()
	entries, err := testprovider.ReadLog(e.LogPath)
	if err != nil {
		tb.Fatalf("enginetest: %v", err)
	}
	return entries
}

// String names the Env in failure messages.
func (e *Env) String() string { return fmt.Sprintf("enginetest.Env(%s)", e.Dir) }
