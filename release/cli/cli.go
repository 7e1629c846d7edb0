// Package cli is the ecs-bluegreen command tree (cobra). It parses flags and prints; package
// release decides. cmd/ecs-bluegreen runs it; tests run it in-process with Deps that point at
// test doubles.
package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ecs-bluegreen/ecs-bluegreen/release"
)

// Stacks is the stack side of the CLI; *release.Stacks implements it.
type Stacks interface {
	Preview(ctx context.Context, stack string, opts ...optpreview.Option) (auto.PreviewResult, error)
	Up(ctx context.Context, stack string, opts ...optup.Option) (auto.UpResult, error)
	SetImage(ctx context.Context, stack, image string) error
	Outputs(ctx context.Context, stack string) (auto.OutputMap, error)
}

var _ Stacks = (*release.Stacks)(nil)

// Deps is what the commands run with. Program and the writers are required; the rest have
// working defaults and exist so tests can substitute doubles.
type Deps struct {
	// Program is the Pulumi program (infra.Program).
	Program pulumi.RunFunc
	// ProjectDir holds Pulumi.yaml. Empty: the nearest directory from the working directory up
	// that has one (else the working directory); --project-dir overrides.
	ProjectDir string
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	// Env is the environment as KEY=VALUE. Nil: os.Environ(). When set, it is also passed to
	// the Pulumi CLI.
	Env []string

	// IsTerminal reports whether w is an interactive terminal (live progress line).
	// Nil: true for a terminal *os.File.
	IsTerminal func(w io.Writer) bool
	// Clock is the release's clock. Nil: release.RealClock.
	Clock release.Clock
	// HTTP makes the smoke-check requests. Nil: http.DefaultClient.
	HTTP *http.Client
	// NewStacks builds the stack operations, progress going to stdout. Nil: *release.Stacks.
	NewStacks func(stdout, stderr io.Writer) Stacks
	// NewAWS builds the AWS clients for a region. Nil: release.NewAWS.
	NewAWS func(ctx context.Context, region string) (release.CodeDeployAPI, release.ECSAPI, error)
	// Installer finds or installs the Pulumi CLI. Nil: release.AutoInstaller.
	Installer release.Installer
}

func (d *Deps) getenv(key string) string {
	env := d.Env
	if env == nil {
		return os.Getenv(key)
	}
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

func (d *Deps) isTerminal(w io.Writer) bool {
	if d.IsTerminal != nil {
		return d.IsTerminal(w)
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// app is the state of one command run.
type app struct {
	d          Deps
	projectDir string
	output     string
	started    bool // flags and arguments accepted, the command's own code ran
	// progressToStderr sends Pulumi's progress to stderr, keeping stdout for a report.
	progressToStderr bool
}

// New returns the root command.
func New(d Deps) *cobra.Command {
	root, _ := newRoot(d)
	return root
}

func newRoot(d Deps) (*cobra.Command, *app) {
	if d.Stdin == nil {
		d.Stdin = strings.NewReader("")
	}
	a := &app{d: d}
	root := &cobra.Command{
		Use:   "ecs-bluegreen",
		Short: "Blue/green releases of an ECS Fargate service through AWS CodeDeploy",
		Long: `ecs-bluegreen releases the stack's task definition to its ECS service through a CodeDeploy
blue/green deployment: it checks what runs, creates the deployment with a deterministic AppSpec,
gates it with an HTTP smoke check against the test listener, watches it within a time budget
derived from the deployment group and config, and rolls back when asked or when it fails.

Exit codes: 0 success (also "nothing to release"); 1 release failed or was stopped and rolled
back; 2 usage or configuration error; 3 timed out, interrupted, not confirmed, or another
deployment is active; 4 AWS or Pulumi error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if a.output != "text" && a.output != "json" {
				return &release.UsageError{Msg: fmt.Sprintf("--output %q: want text or json", a.output)}
			}
			if a.projectDir == "" {
				a.projectDir = findProjectDir(d.ProjectDir)
			}
			return nil
		},
	}
	root.SetIn(d.Stdin)
	root.SetOut(d.Stdout)
	root.SetErr(d.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &release.UsageError{Msg: err.Error()}
	})
	root.PersistentFlags().StringVar(&a.projectDir, "project-dir", "", "directory of Pulumi.yaml (default: nearest one from the working directory up)")
	root.PersistentFlags().StringVarP(&a.output, "output", "o", "text", "output format: text or json")
	root.AddCommand(a.deployCmd(), a.statusCmd(), a.rollbackCmd(), a.finishCmd(), a.appspecCmd(), a.previewCmd(), a.upCmd())
	for _, c := range root.Commands() {
		runE := c.RunE
		c.RunE = func(cmd *cobra.Command, args []string) error {
			a.started = true // flags and arguments were accepted: errors from here on are the command's
			return runE(cmd, args)
		}
	}
	root.CompletionOptions.DisableDefaultCmd = true
	return root, a
}

// Run executes the command line args in-process and prints any error to d.Stderr. The error is
// returned for release.ExitCode; errors from argument parsing are *release.UsageError.
func Run(ctx context.Context, d Deps, args []string) error {
	root, a := newRoot(d)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return nil
	}
	switch {
	case !a.started && release.ExitCode(err) != release.ExitUsage:
		err = &release.UsageError{Msg: err.Error(), Hint: "see `ecs-bluegreen --help`"}
	case ctx.Err() != nil && release.ExitCode(err) == release.ExitInfra:
		// e.g. pulumi up cancelled by the signal: an interrupt, not an infrastructure failure
		err = &release.AbortedError{Cause: "interrupted", Err: err}
	}
	fmt.Fprintf(d.Stderr, "ecs-bluegreen: %v\n", err)
	return err
}

func findProjectDir(start string) string {
	if start != "" {
		return start
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

func stackFlag(cmd *cobra.Command, stack *string) {
	cmd.Flags().StringVarP(stack, "stack", "s", "", "stack name (required), e.g. dev or org/project/dev")
	_ = cmd.MarkFlagRequired("stack")
}

// stacks builds the stack operations; progress goes to stdout in text mode and to stderr in
// JSON mode, so stdout stays one JSON object per line.
func (a *app) stacks() Stacks {
	progress := a.d.Stdout
	if a.output == "json" || a.progressToStderr {
		progress = a.d.Stderr
	}
	if a.d.NewStacks != nil {
		return a.d.NewStacks(progress, a.d.Stderr)
	}
	s := &release.Stacks{
		ProjectDir: a.projectDir, Program: a.d.Program, Getenv: a.d.getenv,
		Stdout: progress, Stderr: a.d.Stderr, Installer: a.d.Installer,
	}
	if a.d.Env != nil {
		s.Env = map[string]string{}
		for _, kv := range a.d.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				s.Env[k] = v
			}
		}
	}
	return s
}

// target reads the stack outputs.
func (a *app) target(ctx context.Context, st Stacks, stack string) (release.Target, error) {
	out, err := st.Outputs(ctx, stack)
	if err != nil {
		return release.Target{}, err
	}
	return release.TargetFromOutputs(stack, out)
}

// client builds the release client for the target's region.
// targetClient reads the stack's outputs and builds the release client for them.
func (a *app) targetClient(ctx context.Context, stack string, r *renderer) (release.Target, *release.Client, error) {
	t, err := a.target(ctx, a.stacks(), stack)
	if err != nil {
		return release.Target{}, nil, err
	}
	c, err := a.client(ctx, t, r)
	return t, c, err
}

func (a *app) client(ctx context.Context, t release.Target, r *renderer) (*release.Client, error) {
	newAWS := a.d.NewAWS
	if newAWS == nil {
		newAWS = func(ctx context.Context, region string) (release.CodeDeployAPI, release.ECSAPI, error) {
			return release.NewAWS(ctx, region)
		}
	}
	cd, e, err := newAWS(ctx, t.Region)
	if err != nil {
		return nil, err
	}
	return &release.Client{CodeDeploy: cd, ECS: e, HTTP: a.d.HTTP, Clock: a.d.Clock, Events: r.event}, nil
}

func (a *app) clock() release.Clock {
	if a.d.Clock != nil {
		return a.d.Clock
	}
	return release.RealClock{}
}

// confirm asks question on stderr and reads y/N from stdin.
func (a *app) confirm(question string) (bool, error) {
	fmt.Fprintf(a.d.Stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(a.d.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read answer: %w", err)
	}
	fmt.Fprintln(a.d.Stderr)
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
