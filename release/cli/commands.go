package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/spf13/cobra"

	"github.com/ecs-bluegreen/ecs-bluegreen/preview"
	"github.com/ecs-bluegreen/ecs-bluegreen/release"
	"github.com/ecs-bluegreen/ecs-bluegreen/release/appspec"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func (a *app) appspecCmd() *cobra.Command {
	var stack string
	cmd := &cobra.Command{
		Use:   "appspec --stack STACK",
		Short: "Print the AppSpec that deploy would send (SHA-256 on stderr); deploys nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := a.target(cmd.Context(), a.stacks(), stack)
			if err != nil {
				return err
			}
			rev, err := appspec.Build(t.AppSpecInput(t.TaskDefinitionArn))
			if err != nil {
				return &release.UsageError{Msg: "cannot build the AppSpec", Err: err}
			}
			if _, err := a.d.Stdout.Write(rev.Content); err != nil {
				return fmt.Errorf("write appspec: %w", err)
			}
			fmt.Fprintf(a.d.Stderr, "sha256 %s\n", rev.SHA256)
			return nil
		},
	}
	stackFlag(cmd, &stack)
	return cmd
}

func previewText(w io.Writer, stack string, res auto.PreviewResult) error {
	var ops []string
	for op, n := range res.ChangeSummary {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	_, err := fmt.Fprintf(w, "preview of stack %s: %s\n", stack, strings.Join(ops, ", "))
	return err
}

// reportFormats render a preview report (package preview) for a pull request or a machine.
var reportFormats = map[string]func(r *preview.Report, stack string) ([]byte, error){
	"markdown": func(r *preview.Report, stack string) ([]byte, error) { return []byte(r.Markdown(stack)), nil },
	"json":     func(r *preview.Report, _ string) ([]byte, error) { return r.JSON() },
	"text":     func(r *preview.Report, _ string) ([]byte, error) { return []byte(r.Text()), nil },
}

func (a *app) previewCmd() *cobra.Command {
	var (
		stack, format, out, failOn string
		refresh                    bool
	)
	cmd := &cobra.Command{
		Use:   "preview --stack STACK [--format markdown|json|text] [--out FILE] [--fail-on KINDS]",
		Short: "Preview the stack's changes; with --format, a report of what they mean for CodeDeploy releases",
		Long: `Preview the stack's changes, streaming Pulumi's progress.

With --format, Pulumi's progress goes to stderr and a report goes to stdout (or --out): a verdict,
the changes by operation, and findings: changes ECS rejects on a CODE_DEPLOY service (will-fail),
replacements or deletions that cause downtime or loss (downtime), new task-definition revisions the
next deploy ships (release), and widened network or IAM access (access). Secret values never
appear. --fail-on will-fail,downtime,access,release|all|none exits 5 when such a finding exists.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if format == "" {
				if out != "" || failOn != "" || refresh {
					return &release.UsageError{Msg: "--out, --fail-on and --refresh need --format", Hint: "add --format markdown, json or text"}
				}
				res, err := a.stacks().Preview(ctx, stack)
				if err != nil {
					return err
				}
				return previewText(a.d.Stdout, stack, res)
			}
			render, ok := reportFormats[format]
			if !ok {
				return &release.UsageError{Msg: fmt.Sprintf("unknown --format %q", format), Hint: "use markdown, json or text"}
			}
			kinds, err := preview.ParseFailOn(failOn)
			if err != nil {
				return &release.UsageError{Msg: "bad --fail-on", Err: err}
			}
			a.progressToStderr = true
			st := a.stacks()
			report, previewErr := preview.CollectWith(ctx, stack, func(ctx context.Context, o ...optpreview.Option) error {
				_, err := st.Preview(ctx, stack, o...)
				return err
			}, preview.Options{Refresh: refresh})
			if report == nil {
				return previewErr
			}
			body, err := render(report, stack)
			if err != nil {
				return fmt.Errorf("render the %s report: %w", format, err)
			}
			w := a.d.Stdout
			if out != "" {
				if err := os.WriteFile(out, body, 0o644); err != nil {
					return &release.UsageError{Msg: "cannot write the report", Err: err}
				}
				fmt.Fprintf(a.d.Stderr, "report written to %s\n", out)
			} else if _, err := w.Write(body); err != nil {
				return fmt.Errorf("write the report: %w", err)
			}
			if previewErr != nil {
				return previewErr
			}
			if report.Fails(kinds) {
				return &release.GateError{Stack: stack, FailOn: failOn}
			}
			return nil
		},
	}
	stackFlag(cmd, &stack)
	cmd.Flags().StringVar(&format, "format", "", "write a report: markdown (PR comment), json or text")
	cmd.Flags().StringVar(&out, "out", "", "write the report to this file instead of stdout")
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 5 when the report has findings of these kinds: will-fail,downtime,access,release, all or none")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "read the live state first, so CodeDeploy's changes are reported as owned, not drift")
	return cmd
}

func (a *app) upCmd() *cobra.Command {
	var (
		stack string
		yes   bool
	)
	cmd := &cobra.Command{
		Use:   "up --stack STACK [--yes]",
		Short: "Update the stack (previews and asks first unless --yes; streams Pulumi's progress)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st := a.stacks()
			if !yes {
				res, err := st.Preview(ctx, stack)
				if err != nil {
					return err
				}
				if err := previewText(a.d.Stdout, stack, res); err != nil {
					return err
				}
				ok, err := a.confirm(fmt.Sprintf("update stack %s?", stack))
				if err != nil {
					return &release.UsageError{Msg: "cannot read the confirmation", Err: err, Hint: "pass --yes"}
				}
				if !ok {
					return &release.AbortedError{Cause: "not confirmed", Action: "nothing was changed", Hint: "pass --yes to update without asking"}
				}
			}
			res, err := st.Up(ctx, stack)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.d.Stdout, "stack %s updated: %s\n", stack, res.Summary.Result)
			return err
		},
	}
	stackFlag(cmd, &stack)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "update without previewing and asking")
	return cmd
}
