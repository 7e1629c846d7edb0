package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecs-bluegreen/ecs-bluegreen/release"
)

// smokeFlags are the --smoke-* overrides of the stack's smokeCheck output.
type smokeFlags struct {
	enabled        bool
	url            string
	path           string
	status         string
	successes      int
	interval       time.Duration
	timeout        time.Duration
	requestTimeout time.Duration
}

func (f *smokeFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.enabled, "smoke", false, "run the smoke gate when the group waits for readiness; --smoke=false skips it (default: the stack's smokeCheck.enabled)")
	fl.StringVar(&f.url, "smoke-url", "", "base URL of the test listener to check instead of the stack's testUrl (e.g. a DNS name its TLS certificate names)")
	fl.StringVar(&f.path, "smoke-path", "", "path requested on the test listener (default: smokeCheck.path)")
	fl.StringVar(&f.status, "smoke-status", "", "expected statuses, e.g. 200,204 or 200-299 or 2xx (default: smokeCheck.expectedStatus)")
	fl.IntVar(&f.successes, "smoke-successes", 0, "consecutive successes needed (default: smokeCheck.consecutiveSuccesses)")
	fl.DurationVar(&f.interval, "smoke-interval", 0, "wait between requests (default: smokeCheck.intervalSeconds)")
	fl.DurationVar(&f.timeout, "smoke-timeout", 0, "total time allowed for the gate (default: smokeCheck.totalTimeoutSeconds)")
	fl.DurationVar(&f.requestTimeout, "smoke-request-timeout", 0, "timeout of each request (default: smokeCheck.requestTimeoutSeconds)")
}

// overrides returns the flags the user set, parsed.
func (f *smokeFlags) overrides(cmd *cobra.Command) (release.SmokeOverrides, error) {
	var o release.SmokeOverrides
	changed := cmd.Flags().Changed
	if changed("smoke") {
		o.Enabled = &f.enabled
	}
	if changed("smoke-url") {
		o.BaseURL = &f.url
	}
	if changed("smoke-path") {
		o.Path = &f.path
	}
	if changed("smoke-status") {
		codes, err := release.ParseStatuses(f.status)
		if err != nil {
			return o, &release.UsageError{Msg: "--smoke-status", Err: err}
		}
		o.ExpectedStatus = codes
	}
	if changed("smoke-successes") {
		o.ConsecutiveSuccesses = &f.successes
	}
	if changed("smoke-interval") {
		o.Interval = &f.interval
	}
	if changed("smoke-timeout") {
		o.TotalTimeout = &f.timeout
	}
	if changed("smoke-request-timeout") {
		o.RequestTimeout = &f.requestTimeout
	}
	return o, nil
}

// releaseFlags are the flags shared by deploy and rollback.
type releaseFlags struct {
	waitActive  time.Duration
	onAbort     string
	eventMargin time.Duration
	smoke       smokeFlags
}

func (f *releaseFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&f.waitActive, "wait-active", 0, "wait up to this long for another active deployment of the group to finish (0: fail at once, naming it)")
	fl.StringVar(&f.onAbort, "on-abort", string(release.AbortRollback), "on interrupt or exceeded budget: rollback (stop with rollback and wait) or leave (print how to follow/stop)")
	fl.DurationVar(&f.eventMargin, "event-margin", release.DefaultEventMargin, "time budget allowed per lifecycle event, on top of the group's ready wait and traffic shifting")
	f.smoke.register(cmd)
}

func (f *releaseFlags) options(cmd *cobra.Command) (release.DeployOptions, release.SmokeOverrides, error) {
	abort, err := release.ParseAbortAction(f.onAbort)
	if err != nil {
		return release.DeployOptions{}, release.SmokeOverrides{}, err
	}
	if f.waitActive < 0 {
		return release.DeployOptions{}, release.SmokeOverrides{}, &release.UsageError{Msg: "--wait-active must not be negative"}
	}
	smoke, err := f.smoke.overrides(cmd)
	if err != nil {
		return release.DeployOptions{}, release.SmokeOverrides{}, err
	}
	return release.DeployOptions{WaitActive: f.waitActive, OnAbort: abort, EventMargin: f.eventMargin}, smoke, nil
}

func (a *app) deployCmd() *cobra.Command {
	var (
		stack           string
		image           string
		force           bool
		waitTermination bool
		skipUp          bool
		rf              releaseFlags
	)
	cmd := &cobra.Command{
		Use:   "deploy --stack STACK [--image REF]",
		Short: "Release the stack's task definition through CodeDeploy (runs `up` first)",
		Long: `deploy sets the image (with --image), runs pulumi up (unless --skip-up), and releases the stack's
taskDefinitionArn output through a CodeDeploy blue/green deployment. It returns once production
traffic is 100% on the new task set; the old task set stays for the group's termination wait
(the rollback window; 'finish' ends it, --wait-termination waits for it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, smoke, err := rf.options(cmd)
			if err != nil {
				return err
			}
			if skipUp && image != "" {
				return &release.UsageError{Msg: "--image needs `up` to build the new task definition; it cannot be combined with --skip-up"}
			}
			opts.Force, opts.WaitTermination = force, waitTermination
			ctx := cmd.Context()
			r := a.renderer()
			st := a.stacks()
			if image != "" {
				r.note(a.clock().Now(), "stack %s: setting %s to %s", stack, release.ImageConfigKey, image)
				if err := st.SetImage(ctx, stack, image); err != nil {
					return err
				}
			}
			var t release.Target
			if skipUp {
				if t, err = a.target(ctx, st, stack); err != nil {
					return err
				}
			} else {
				r.note(a.clock().Now(), "stack %s: pulumi up", stack)
				res, err := st.Up(ctx, stack)
				if err != nil {
					return err
				}
				// the outputs of this very update: exactly the task definition it registered
				if t, err = release.TargetFromOutputs(stack, res.Outputs); err != nil {
					return err
				}
			}
			t.Smoke = t.Smoke.Apply(smoke)
			c, err := a.client(ctx, t, r)
			if err != nil {
				return err
			}
			r.note(a.clock().Now(), "stack %s: releasing %s to %s/%s", stack, t.TaskDefinitionArn, t.Cluster, t.Service)
			out, err := c.Deploy(ctx, t, opts)
			r.outcome(out, err)
			return err
		},
	}
	stackFlag(cmd, &stack)
	fl := cmd.Flags()
	fl.StringVar(&image, "image", "", "container image to release (sets config "+release.ImageConfigKey+"); default: the stack's current image")
	fl.BoolVar(&force, "force", false, "release even if the service already runs the task definition")
	fl.BoolVar(&waitTermination, "wait-termination", false, "wait until the old task set is terminated (deployment Succeeded)")
	fl.BoolVar(&skipUp, "skip-up", false, "do not run pulumi up; release the task definition the stack outputs already name")
	rf.register(cmd)
	return cmd
}

func (a *app) rollbackCmd() *cobra.Command {
	var (
		stack string
		yes   bool
		rf    releaseFlags
	)
	cmd := &cobra.Command{
		Use:   "rollback --stack STACK [--yes]",
		Short: "Stop the active deployment with rollback, or redeploy the previous task definition revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, smoke, err := rf.options(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			r := a.renderer()
			t, err := a.target(ctx, a.stacks(), stack)
			if err != nil {
				return err
			}
			t.Smoke = t.Smoke.Apply(smoke)
			c, err := a.client(ctx, t, r)
			if err != nil {
				return err
			}
			confirm := a.confirm
			if yes {
				confirm = func(string) (bool, error) { return true, nil }
			}
			out, err := c.Rollback(ctx, t, release.RollbackOptions{Confirm: confirm, Deploy: opts})
			r.outcome(out, err)
			return err
		},
	}
	stackFlag(cmd, &stack)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "redeploy the previous revision without asking")
	rf.register(cmd)
	return cmd
}

func (a *app) finishCmd() *cobra.Command {
	var stack string
	cmd := &cobra.Command{
		Use:   "finish --stack STACK",
		Short: "End the termination wait: terminate the old task set now (closes the rollback window)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r := a.renderer()
			t, c, err := a.targetClient(ctx, stack, r)
			if err != nil {
				return err
			}
			out, err := c.Finish(ctx, t, release.DeployOptions{})
			r.outcome(out, err)
			return err
		},
	}
	stackFlag(cmd, &stack)
	return cmd
}

func (a *app) statusCmd() *cobra.Command {
	var stack string
	cmd := &cobra.Command{
		Use:   "status --stack STACK",
		Short: "Show the active or last deployment, the live target group and the serving revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r := a.renderer()
			t, c, err := a.targetClient(ctx, stack, r)
			if err != nil {
				return err
			}
			rep, err := c.Status(ctx, t)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.d.Stdout, rep)
			}
			_, err = fmt.Fprint(a.d.Stdout, rep.Summary())
			return err
		},
	}
	stackFlag(cmd, &stack)
	return cmd
}
