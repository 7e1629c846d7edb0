package release

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// Client runs releases of one stack's service through CodeDeploy. Its fields are its
// dependencies; only CodeDeploy and ECS are required.
type Client struct {
	CodeDeploy CodeDeployAPI
	ECS        ECSAPI
	// HTTP makes the smoke-check requests. Nil: http.DefaultClient. Each request gets the
	// smoke check's request timeout through its context.
	HTTP *http.Client
	// Clock is the only source of time. Nil: RealClock.
	Clock Clock
	// Events receives what the release reports. Nil: dropped.
	Events func(Event)
}

func (c *Client) clock() Clock {
	if c.Clock == nil {
		return RealClock{}
	}
	return c.Clock
}

// activeStatuses are the statuses of a deployment that blocks a new one in the same group.
var activeStatuses = []cdtypes.DeploymentStatus{
	cdtypes.DeploymentStatusCreated, cdtypes.DeploymentStatusQueued, cdtypes.DeploymentStatusInProgress,
	cdtypes.DeploymentStatusBaking, cdtypes.DeploymentStatusReady,
}

func terminal(s cdtypes.DeploymentStatus) bool {
	return s == cdtypes.DeploymentStatusSucceeded || s == cdtypes.DeploymentStatusFailed || s == cdtypes.DeploymentStatusStopped
}

// activeDeployments lists the IDs of the group's active deployments.
func (c *Client) activeDeployments(ctx context.Context, t Target) ([]string, error) {
	var ids []string
	in := &codedeploy.ListDeploymentsInput{
		ApplicationName:     aws.String(t.Application),
		DeploymentGroupName: aws.String(t.DeploymentGroup),
		IncludeOnlyStatuses: activeStatuses,
	}
	for page := 0; page < 20; page++ {
		out, err := c.CodeDeploy.ListDeployments(ctx, in)
		if err != nil {
			return nil, awsErr("codedeploy:ListDeployments", err)
		}
		ids = append(ids, out.Deployments...)
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return ids, nil
}

func (c *Client) getDeployment(ctx context.Context, id string) (*cdtypes.DeploymentInfo, error) {
	out, err := c.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		return nil, awsErr("codedeploy:GetDeployment "+id, err)
	}
	if out.DeploymentInfo == nil {
		return nil, &AWSError{Op: "codedeploy:GetDeployment " + id, Err: errors.New("response has no deploymentInfo")}
	}
	return out.DeploymentInfo, nil
}

// service describes the target's ECS service.
func (c *Client) service(ctx context.Context, t Target) (*ecstypes.Service, error) {
	out, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(t.Cluster), Services: []string{t.Service}})
	if err != nil {
		return nil, awsErr("ecs:DescribeServices", err)
	}
	for i := range out.Services {
		s := &out.Services[i]
		if deref(s.ServiceName) == t.Service || strings.HasSuffix(deref(s.ServiceArn), "/"+t.Service) {
			if s.Status != nil && *s.Status == "INACTIVE" {
				break
			}
			return s, nil
		}
	}
	reason := ""
	for _, f := range out.Failures {
		reason = fmt.Sprintf(" (%s)", deref(f.Reason))
	}
	return nil, &UsageError{
		Msg:  fmt.Sprintf("ECS service %s not found in cluster %s%s", t.Service, t.Cluster, reason),
		Hint: fmt.Sprintf("check that stack %s is deployed (`ecs-bluegreen up --stack %s`) and that the AWS region is %s", t.Stack, t.Stack, t.Region),
	}
}

// servingTaskDefinition is the task definition serving production: the PRIMARY task set's, or the
// service's when it has no task sets.
func servingTaskDefinition(s *ecstypes.Service) string {
	for _, ts := range s.TaskSets {
		if deref(ts.Status) == "PRIMARY" {
			return deref(ts.TaskDefinition)
		}
	}
	return deref(s.TaskDefinition)
}

// primaryTargetGroup is the target group of the PRIMARY task set, by name.
func primaryTargetGroup(s *ecstypes.Service) string {
	for _, ts := range s.TaskSets {
		if deref(ts.Status) == "PRIMARY" && len(ts.LoadBalancers) > 0 {
			return targetGroupName(deref(ts.LoadBalancers[0].TargetGroupArn))
		}
	}
	if len(s.LoadBalancers) > 0 {
		return targetGroupName(deref(s.LoadBalancers[0].TargetGroupArn))
	}
	return ""
}

// targetGroupName returns NAME from arn:...:targetgroup/NAME/ID; other strings are returned as is.
func targetGroupName(arnOrName string) string {
	_, rest, ok := strings.Cut(arnOrName, ":targetgroup/")
	if !ok {
		return arnOrName
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// taskDefinitionFamily splits arn:...:task-definition/FAMILY:REVISION.
func taskDefinitionFamily(arn string) (family string, revision int, ok bool) {
	_, rest, found := strings.Cut(arn, ":task-definition/")
	if !found {
		rest = arn
	}
	i := strings.LastIndex(rest, ":")
	if i <= 0 {
		return "", 0, false
	}
	rev, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return "", 0, false
	}
	return rest[:i], rev, true
}

// checkTaskDefinition checks that the task definition has the container and port that the
// deployment group's load balancer sends traffic to.
func (c *Client) checkTaskDefinition(ctx context.Context, t Target, arn string) error {
	out, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		if strings.Contains(err.Error(), "Unable to describe task definition") || errorCode(err) == "ClientException" {
			return &UsageError{Msg: "task definition " + arn + " does not exist", Err: err,
				Hint: fmt.Sprintf("run `ecs-bluegreen up --stack %s` so that the stack's task definition exists", t.Stack)}
		}
		return awsErr("ecs:DescribeTaskDefinition", err)
	}
	td := out.TaskDefinition
	if td == nil {
		return &AWSError{Op: "ecs:DescribeTaskDefinition", Err: errors.New("response has no taskDefinition")}
	}
	var names []string
	for _, cd := range td.ContainerDefinitions {
		names = append(names, deref(cd.Name))
		if deref(cd.Name) != t.ContainerName {
			continue
		}
		var ports []string
		for _, pm := range cd.PortMappings {
			if pm.ContainerPort != nil && *pm.ContainerPort == t.ContainerPort {
				return nil
			}
			if pm.ContainerPort != nil {
				ports = append(ports, strconv.Itoa(int(*pm.ContainerPort)))
			}
		}
		return &UsageError{
			Msg:  fmt.Sprintf("container %s in %s has no port mapping for port %d (it maps %s)", t.ContainerName, arn, t.ContainerPort, strings.Join(ports, ", ")),
			Hint: "the load balancer sends traffic to outputs containerName:containerPort; make the task definition and the outputs agree",
		}
	}
	return &UsageError{
		Msg:  fmt.Sprintf("task definition %s has no container named %s (it has %s)", arn, t.ContainerName, strings.Join(names, ", ")),
		Hint: "the load balancer sends traffic to outputs containerName:containerPort; make the task definition and the outputs agree",
	}
}

// deploymentGroup reads the group and checks that it is the stack's: an ECS blue/green group of
// the stack's service, switching between the stack's two target groups.
func (c *Client) deploymentGroup(ctx context.Context, t Target) (*cdtypes.DeploymentGroupInfo, error) {
	out, err := c.CodeDeploy.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{
		ApplicationName: aws.String(t.Application), DeploymentGroupName: aws.String(t.DeploymentGroup),
	})
	if err != nil {
		switch errorCode(err) {
		case "DeploymentGroupDoesNotExistException", "ApplicationDoesNotExistException":
			return nil, &UsageError{Msg: fmt.Sprintf("deployment group %s/%s not found", t.Application, t.DeploymentGroup), Err: err,
				Hint: fmt.Sprintf("check that stack %s is deployed and that the AWS region is %s", t.Stack, t.Region)}
		}
		return nil, awsErr("codedeploy:GetDeploymentGroup", err)
	}
	g := out.DeploymentGroupInfo
	if g == nil {
		return nil, &AWSError{Op: "codedeploy:GetDeploymentGroup", Err: errors.New("response has no deploymentGroupInfo")}
	}
	var problems []string
	if st := g.DeploymentStyle; st != nil && (st.DeploymentType != cdtypes.DeploymentTypeBlueGreen || st.DeploymentOption != cdtypes.DeploymentOptionWithTrafficControl) {
		problems = append(problems, fmt.Sprintf("deployment style is %s/%s, want BLUE_GREEN/WITH_TRAFFIC_CONTROL", st.DeploymentType, st.DeploymentOption))
	}
	if len(g.EcsServices) > 0 {
		s := g.EcsServices[0]
		if lastSegment(deref(s.ClusterName)) != lastSegment(t.Cluster) || lastSegment(deref(s.ServiceName)) != lastSegment(t.Service) {
			problems = append(problems, fmt.Sprintf("it deploys service %s/%s, not the stack's %s/%s", deref(s.ClusterName), deref(s.ServiceName), t.Cluster, t.Service))
		}
	}
	var groups []string
	if lb := g.LoadBalancerInfo; lb != nil && len(lb.TargetGroupPairInfoList) > 0 {
		for _, tg := range lb.TargetGroupPairInfoList[0].TargetGroups {
			groups = append(groups, deref(tg.Name))
		}
	}
	want := []string{t.BlueTargetGroup, t.GreenTargetGroup}
	slices.Sort(groups)
	slices.Sort(want)
	if !slices.Equal(groups, want) {
		problems = append(problems, fmt.Sprintf("its target groups are [%s], not the stack's [%s]", strings.Join(groups, ", "), strings.Join(want, ", ")))
	}
	if len(problems) > 0 {
		return nil, &UsageError{
			Msg:  fmt.Sprintf("deployment group %s/%s does not match stack %s: %s", t.Application, t.DeploymentGroup, t.Stack, strings.Join(problems, "; ")),
			Hint: fmt.Sprintf("run `ecs-bluegreen up --stack %s`, or check that the stack outputs name this group", t.Stack),
		}
	}
	return g, nil
}

func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// deploymentConfig reads the config in force; CodeDeploy's predefined ECS configs are known
// without a call succeeding.
func (c *Client) deploymentConfig(ctx context.Context, name string) (*cdtypes.DeploymentConfigInfo, error) {
	if name == "" {
		name = "CodeDeployDefault.ECSAllAtOnce"
	}
	out, err := c.CodeDeploy.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String(name)})
	if err == nil && out.DeploymentConfigInfo != nil {
		return out.DeploymentConfigInfo, nil
	}
	if r, ok := predefinedConfigs[name]; ok {
		return &cdtypes.DeploymentConfigInfo{DeploymentConfigName: aws.String(name), TrafficRoutingConfig: &r}, nil
	}
	if err == nil {
		err = errors.New("response has no deploymentConfigInfo")
	}
	return nil, awsErr("codedeploy:GetDeploymentConfig "+name, err)
}

// followHint says how to follow and stop a deployment that keeps running without us.
func followHint(t Target, id string) string {
	return fmt.Sprintf("follow it with `ecs-bluegreen status --stack %[1]s` or `aws deploy get-deployment --deployment-id %[2]s` (%[3]s); "+
		"stop it with `aws deploy stop-deployment --deployment-id %[2]s --auto-rollback-enabled` or `ecs-bluegreen rollback --stack %[1]s`",
		t.Stack, id, ConsoleURL(t.Region, id))
}

func since(c Clock, start time.Time) time.Duration { return c.Now().Sub(start) }
