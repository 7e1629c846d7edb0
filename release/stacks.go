package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultStateDir is where state goes, under the user's home, when no backend is configured.
const DefaultStateDir = ".pulumi-ecs-bluegreen/state"

// Stacks runs the stack operations of a release through the Automation API, hybrid form: the
// program is Program (in-process), the project and stack settings are the Pulumi.yaml and
// Pulumi.<stack>.yaml in ProjectDir. It is safe for sequential use by one command.
type Stacks struct {
	ProjectDir string
	Program    pulumi.RunFunc
	// Env adds environment variables for the Pulumi CLI (on top of the process's own).
	Env map[string]string
	// Getenv reads the environment the backend and CLI are chosen from. Nil: os.Getenv.
	Getenv func(string) string
	// Stdout receives Pulumi's progress; Stderr its errors and the notes of this type.
	Stdout, Stderr io.Writer
	// Pulumi is the CLI to use. Nil: FindPulumi with Installer, on first use.
	Pulumi    auto.PulumiCommand
	Installer Installer

	once    sync.Once
	initErr error
	env     map[string]string
}

func (s *Stacks) init(ctx context.Context) error {
	s.once.Do(func() {
		if s.Getenv == nil {
			s.Getenv = os.Getenv
		}
		if s.Stdout == nil {
			s.Stdout = io.Discard
		}
		if s.Stderr == nil {
			s.Stderr = io.Discard
		}
		s.env = map[string]string{}
		for k, v := range s.Env {
			s.env[k] = v
		}
		getenv := func(k string) string {
			if v, ok := s.env[k]; ok {
				return v
			}
			return s.Getenv(k)
		}
		b, err := ResolveBackend(getenv, s.ProjectDir)
		if err != nil {
			s.initErr = &PulumiError{Op: "choose a state backend", Err: err}
			return
		}
		if b.Default {
			if err := os.MkdirAll(b.Dir, 0o700); err != nil {
				s.initErr = &PulumiError{Op: "create the local state directory", Err: err}
				return
			}
			s.env["PULUMI_BACKEND_URL"] = b.URL
			fmt.Fprintf(s.Stderr, "using local state backend %s (no PULUMI_BACKEND_URL, project backend or Pulumi Cloud login found)\n", b.URL)
			if getenv("PULUMI_CONFIG_PASSPHRASE") == "" && getenv("PULUMI_CONFIG_PASSPHRASE_FILE") == "" {
				fmt.Fprintln(s.Stderr, "note: a local backend encrypts secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE")
			}
		}
		if s.Pulumi == nil {
			s.Pulumi, s.initErr = FindPulumi(ctx, s.Installer, getenv, s.Stderr)
		}
	})
	return s.initErr
}

func (s *Stacks) options() []auto.LocalWorkspaceOption {
	return []auto.LocalWorkspaceOption{auto.Program(s.Program), auto.Pulumi(s.Pulumi), auto.EnvVars(s.env)}
}

// upsert selects the stack, creating it when missing.
func (s *Stacks) upsert(ctx context.Context, stack string) (auto.Stack, error) {
	if err := s.init(ctx); err != nil {
		return auto.Stack{}, err
	}
	st, err := auto.UpsertStackLocalSource(ctx, stack, s.ProjectDir, s.options()...)
	if err != nil {
		return auto.Stack{}, pulumiErr("select or create stack "+stack, stack, err)
	}
	return st, nil
}

// selectStack selects an existing stack.
func (s *Stacks) selectStack(ctx context.Context, stack string) (auto.Stack, error) {
	if err := s.init(ctx); err != nil {
		return auto.Stack{}, err
	}
	st, err := auto.SelectStackLocalSource(ctx, stack, s.ProjectDir, s.options()...)
	if err != nil {
		if auto.IsSelectStack404Error(err) {
			return auto.Stack{}, &UsageError{Msg: "stack " + stack + " does not exist", Err: err,
				Hint: fmt.Sprintf("create it with `ecs-bluegreen up --stack %s` (config in Pulumi.%s.yaml)", stack, stack)}
		}
		return auto.Stack{}, pulumiErr("select stack "+stack, stack, err)
	}
	return st, nil
}

// Preview runs a preview, streaming Pulumi's progress to Stdout. opts are passed on after the
// progress streams (e.g. optpreview.Diff(), optpreview.EventStreams(...)).
func (s *Stacks) Preview(ctx context.Context, stack string, opts ...optpreview.Option) (auto.PreviewResult, error) {
	st, err := s.upsert(ctx, stack)
	if err != nil {
		return auto.PreviewResult{}, err
	}
	all := append([]optpreview.Option{optpreview.ProgressStreams(s.Stdout), optpreview.ErrorProgressStreams(s.Stderr)}, opts...)
	res, err := st.Preview(ctx, all...)
	if err != nil {
		return res, pulumiErr("preview", stack, err)
	}
	return res, nil
}

// Up runs an update, streaming Pulumi's progress to Stdout.
func (s *Stacks) Up(ctx context.Context, stack string, opts ...optup.Option) (auto.UpResult, error) {
	st, err := s.upsert(ctx, stack)
	if err != nil {
		return auto.UpResult{}, err
	}
	all := append([]optup.Option{optup.ProgressStreams(s.Stdout), optup.ErrorProgressStreams(s.Stderr)}, opts...)
	res, err := st.Up(ctx, all...)
	if err != nil {
		return res, pulumiErr("up", stack, err)
	}
	return res, nil
}

// SetImage sets the stack's container image (config ImageConfigKey).
func (s *Stacks) SetImage(ctx context.Context, stack, image string) error {
	if strings.TrimSpace(image) == "" {
		return &UsageError{Msg: "--image is empty"}
	}
	st, err := s.upsert(ctx, stack)
	if err != nil {
		return err
	}
	if err := st.SetConfig(ctx, ImageConfigKey, auto.ConfigValue{Value: image}); err != nil {
		return pulumiErr("config set "+ImageConfigKey, stack, err)
	}
	return nil
}

// Outputs reads the stack's outputs.
func (s *Stacks) Outputs(ctx context.Context, stack string) (auto.OutputMap, error) {
	st, err := s.selectStack(ctx, stack)
	if err != nil {
		return nil, err
	}
	out, err := st.Outputs(ctx)
	if err != nil {
		return nil, pulumiErr("read outputs", stack, err)
	}
	return out, nil
}

func pulumiErr(op, stack string, err error) error {
	e := &PulumiError{Op: op, Err: err}
	msg := err.Error()
	switch {
	case auto.IsConcurrentUpdateError(err):
		e.Hint = "another update of stack " + stack + " is running; wait for it, or `pulumi cancel` it if it died"
	case auto.IsCompilationError(err):
		e.Hint = "the program does not compile; run `go build ./...`"
	case strings.Contains(msg, "passphrase"):
		e.Hint = "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE to the stack's secrets passphrase"
	case strings.Contains(msg, "PULUMI_ACCESS_TOKEN") || strings.Contains(msg, "pulumi login"):
		e.Hint = "log in with `pulumi login`, set PULUMI_ACCESS_TOKEN, or set PULUMI_BACKEND_URL"
	}
	return e
}

// Backend is the state backend chosen for the Pulumi CLI.
type Backend struct {
	URL     string // empty: whatever the CLI is logged in to
	Source  string // "PULUMI_BACKEND_URL", "Pulumi.yaml", "login", "PULUMI_ACCESS_TOKEN" or "default"
	Default bool   // no backend was configured: URL is the local default
	Dir     string // the local directory of the default backend
}

// ResolveBackend chooses the backend the usual way: PULUMI_BACKEND_URL; the project's
// backend.url; an existing CLI login ($PULUMI_HOME/credentials.json) or PULUMI_ACCESS_TOKEN
// (Pulumi Cloud); else a local file:// backend under the user's home (DefaultStateDir).
func ResolveBackend(getenv func(string) string, projectDir string) (Backend, error) {
	if u := getenv("PULUMI_BACKEND_URL"); u != "" {
		return Backend{URL: u, Source: "PULUMI_BACKEND_URL"}, nil
	}
	if projectDir != "" {
		path := filepath.Join(projectDir, "Pulumi.yaml")
		if _, err := os.Stat(path); err == nil {
			p, err := workspace.LoadProject(path)
			if err != nil {
				return Backend{}, fmt.Errorf("read %s: %w", path, err)
			}
			if p.Backend != nil && p.Backend.URL != "" {
				return Backend{URL: p.Backend.URL, Source: "Pulumi.yaml"}, nil
			}
		}
	}
	home, err := PulumiHome(getenv)
	if err != nil {
		return Backend{}, err
	}
	if current, err := currentLogin(filepath.Join(home, "credentials.json")); err != nil {
		return Backend{}, err
	} else if current != "" {
		return Backend{Source: "login"}, nil
	}
	if getenv("PULUMI_ACCESS_TOKEN") != "" {
		return Backend{Source: "PULUMI_ACCESS_TOKEN"}, nil
	}
	userDir, err := userHome(getenv)
	if err != nil {
		return Backend{}, err
	}
	dir := filepath.Join(userDir, filepath.FromSlash(DefaultStateDir))
	return Backend{URL: "file://" + filepath.ToSlash(dir), Source: "default", Default: true, Dir: dir}, nil
}

// currentLogin reads the "current" backend of the CLI's credentials file; "" when there is none.
func currentLogin(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read pulumi credentials: %w", err)
	}
	var creds struct {
		Current string `json:"current"`
	}
	if err := json.Unmarshal(b, &creds); err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	return creds.Current, nil
}
