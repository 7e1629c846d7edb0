package components

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageRegistryArgs configures [NewImageRegistry].
type ImageRegistryArgs struct {
	// KeepImages is how many images the lifecycle policy keeps; older ones expire. 1–1000.
	// Default 30, enough to roll back well past the current release.
	KeepImages int
	// MutableTags allows pushing a tag twice. Default false: tags are immutable, so a tag names
	// one image forever and a release is reproducible.
	MutableTags bool
	// ForceDelete lets `pulumi destroy` delete a repository that still holds images. Default false.
	ForceDelete bool
	// Protect protects the repository in Pulumi. Default false.
	Protect bool
	// Tags added to the repository.
	Tags map[string]string
}

// ImageRegistry is an ECR repository for the service's images, scanned on push.
type ImageRegistry struct {
	pulumi.ResourceState

	Repository *ecr.Repository
	// RepositoryURL is the address to push to and to name images by, without a tag.
	RepositoryURL pulumi.StringOutput
	RepositoryArn pulumi.StringOutput
}

func (a ImageRegistryArgs) withDefaults() ImageRegistryArgs {
	if a.KeepImages == 0 {
		a.KeepImages = 30
	}
	return a
}

// Validate applies the documented defaults and reports every invalid field at once as a
// *ValidationError; the constructor calls it before registering anything.
func (a ImageRegistryArgs) Validate(name string) error {
	a = a.withDefaults()
	p := newProblems("ImageRegistryArgs for " + strconv.Quote(name))
	checkComponentName(p, name)
	if a.KeepImages < 1 || a.KeepImages > 1000 {
		p.addf("KeepImages", "%d is outside 1–1000", a.KeepImages)
	}
	return p.err()
}

type lifecyclePolicy struct {
	Rules []lifecycleRule `json:"rules"`
}

type lifecycleRule struct {
	RulePriority int                `json:"rulePriority"`
	Description  string             `json:"description"`
	Selection    lifecycleSelection `json:"selection"`
	Action       map[string]string  `json:"action"`
}

type lifecycleSelection struct {
	TagStatus   string `json:"tagStatus"`
	CountType   string `json:"countType"`
	CountNumber int    `json:"countNumber"`
}

// NewImageRegistry registers an ECR repository with scan on push, immutable tags and a lifecycle
// policy that keeps the last KeepImages images.
func NewImageRegistry(ctx *pulumi.Context, name string, args ImageRegistryArgs, opts ...pulumi.ResourceOption) (*ImageRegistry, error) {
	if err := args.Validate(name); err != nil {
		return nil, err
	}
	args = args.withDefaults()
	c := &ImageRegistry{}
	if err := ctx.RegisterComponentResource(typePrefix+"ImageRegistry", name, c, opts...); err != nil {
		return nil, fmt.Errorf("register image registry %q: %w", name, err)
	}
	// Every child is parented to the component and protected with it.
	parent := pulumi.Composite(pulumi.Parent(c), pulumi.Protect(args.Protect))
	mutability := "IMMUTABLE"
	if args.MutableTags {
		mutability = "MUTABLE"
	}
	repo, err := ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		Name:               pulumi.String(physicalName(name, "", 256)),
		ImageTagMutability: pulumi.String(mutability),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		ForceDelete: pulumi.Bool(args.ForceDelete),
		Tags:        tagMap(args.Tags, name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("image registry %q: repository: %w", name, err)
	}
	policy, err := json.Marshal(lifecyclePolicy{Rules: []lifecycleRule{{
		RulePriority: 1,
		Description:  fmt.Sprintf("keep the last %d images", args.KeepImages),
		Selection:    lifecycleSelection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: args.KeepImages},
		Action:       map[string]string{"type": "expire"},
	}}})
	if err != nil {
		return nil, fmt.Errorf("image registry %q: lifecycle policy: %w", name, err)
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(string(policy)),
	}, parent); err != nil {
		return nil, fmt.Errorf("image registry %q: lifecycle policy: %w", name, err)
	}
	c.Repository = repo
	c.RepositoryURL = repo.RepositoryUrl
	c.RepositoryArn = repo.Arn
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"repositoryUrl": c.RepositoryURL,
		"repositoryArn": c.RepositoryArn,
	}); err != nil {
		return nil, fmt.Errorf("image registry %q: register outputs: %w", name, err)
	}
	return c, nil
}
