package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/spf13/cobra"

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

// previewFormats render a finished preview. Only "text" exists today; a --format flag picks
// one, and a new format is one more entry.
var previewFormats = map[string]func(w io.Writer, stack string, res auto.PreviewResult) error{
	"text": previewText,
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

func (a *app) previewCmd() *cobra.Command {
	var stack string
	cmd := &cobra.Command{
		Use:   "preview --stack STACK",
		Short: "Preview the stack's changes (streams Pulumi's progress)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := "text"
			render, ok := previewFormats[format]
			if !ok {
				return &release.UsageError{Msg: fmt.Sprintf("unknown preview format %q", format)}
			}
			res, err := a.stacks().Preview(cmd.Context(), stack)
			if err != nil {
				return err
			}
			return render(a.d.Stdout, stack, res)
		},
	}
	stackFlag(cmd, &stack)
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
