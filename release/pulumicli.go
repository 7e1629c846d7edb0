package release

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Installer finds or installs the Pulumi CLI. AutoInstaller is the real one; tests use a fake,
// since there is no network to install from.
type Installer interface {
	// NewPulumiCommand uses an installed CLI: the one on PATH when opts.Root is empty, else
	// opts.Root/bin/pulumi. It fails when the CLI is missing or older than the SDK's minimum.
	NewPulumiCommand(opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error)
	// InstallPulumiCommand installs opts.Version under opts.Root (or reuses an install there).
	InstallPulumiCommand(ctx context.Context, opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error)
}

// AutoInstaller is the Automation API's own discovery and installer.
type AutoInstaller struct{}

// NewPulumiCommand calls auto.NewPulumiCommand.
func (AutoInstaller) NewPulumiCommand(opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	return auto.NewPulumiCommand(opts)
}

// InstallPulumiCommand calls auto.InstallPulumiCommand.
func (AutoInstaller) InstallPulumiCommand(ctx context.Context, opts *auto.PulumiCommandOptions) (auto.PulumiCommand, error) {
	return auto.InstallPulumiCommand(ctx, opts)
}

// PulumiHome is $PULUMI_HOME, or ~/.pulumi.
func PulumiHome(getenv func(string) string) (string, error) {
	if h := getenv("PULUMI_HOME"); h != "" {
		return h, nil
	}
	home, err := userHome(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".pulumi"), nil
}

func userHome(getenv func(string) string) (string, error) {
	if h := getenv("HOME"); h != "" {
		return h, nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home directory: %w", err)
	}
	return h, nil
}

// FindPulumi returns a Pulumi CLI that the Automation API accepts: the `pulumi` on PATH, else
// $PULUMI_HOME/bin/pulumi, else the version matching the SDK (sdk.Version) installed into
// $PULUMI_HOME/versions/<version>, which it says on log.
func FindPulumi(ctx context.Context, inst Installer, getenv func(string) string, log io.Writer) (auto.PulumiCommand, error) {
	if inst == nil {
		inst = AutoInstaller{}
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	cmd, pathErr := inst.NewPulumiCommand(&auto.PulumiCommandOptions{})
	if pathErr == nil {
		return cmd, nil
	}
	home, err := PulumiHome(getenv)
	if err != nil {
		return nil, &PulumiError{Op: "find the CLI", Err: err}
	}
	cmd, homeErr := inst.NewPulumiCommand(&auto.PulumiCommandOptions{Root: home})
	if homeErr == nil {
		return cmd, nil
	}
	root := filepath.Join(home, "versions", sdk.Version.String())
	fmt.Fprintf(log, "no usable pulumi CLI (on PATH: %v; in %s: %v); installing pulumi %s into %s\n",
		pathErr, filepath.Join(home, "bin"), homeErr, sdk.Version, root)
	cmd, err = inst.InstallPulumiCommand(ctx, &auto.PulumiCommandOptions{Version: sdk.Version, Root: root})
	if err != nil {
		return nil, &PulumiError{Op: "install the CLI " + sdk.Version.String(), Err: err,
			Hint: "install pulumi " + sdk.Version.String() + " or newer yourself and put it on PATH (https://www.pulumi.com/docs/install/)"}
	}
	fmt.Fprintf(log, "installed pulumi %s into %s\n", cmd.Version(), root)
	return cmd, nil
}
