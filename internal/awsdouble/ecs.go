package awsdouble

import (
	"sort"
	"strings"
)

// ---- wire shapes (member names from the ECS SDK's schemas) ----

type wService struct {
	ServiceName          string          `json:"serviceName"`
	ServiceArn           string          `json:"serviceArn"`
	ClusterArn           string          `json:"clusterArn"`
	Status               string          `json:"status"`
	TaskDefinition       string          `json:"taskDefinition,omitempty"`
	DesiredCount         int32           `json:"desiredCount"`
	RunningCount         int32           `json:"runningCount"`
	PendingCount         int32           `json:"pendingCount"`
	LaunchType           string          `json:"launchType"`
	SchedulingStrategy   string          `json:"schedulingStrategy"`
	DeploymentController wDeploymentCtl  `json:"deploymentController"`
	LoadBalancers        []wLoadBalancer `json:"loadBalancers"`
	TaskSets             []wTaskSet      `json:"taskSets"`
	Deployments          []struct{}      `json:"deployments"`
	CreatedAt            *epoch          `json:"createdAt,omitempty"`
}

type wDeploymentCtl struct {
	Type string `json:"type"`
}

type wLoadBalancer struct {
	TargetGroupArn string `json:"targetGroupArn"`
	ContainerName  string `json:"containerName"`
	ContainerPort  int32  `json:"containerPort"`
}

type wTaskSet struct {
	ID                   string          `json:"id"`
	TaskSetArn           string          `json:"taskSetArn"`
	ServiceArn           string          `json:"serviceArn"`
	ClusterArn           string          `json:"clusterArn"`
	StartedBy            string          `json:"startedBy,omitempty"`
	ExternalID           string          `json:"externalId,omitempty"`
	Status               string          `json:"status"`
	TaskDefinition       string          `json:"taskDefinition"`
	ComputedDesiredCount int32           `json:"computedDesiredCount"`
	PendingCount         int32           `json:"pendingCount"`
	RunningCount         int32           `json:"runningCount"`
	CreatedAt            *epoch          `json:"createdAt,omitempty"`
	UpdatedAt            *epoch          `json:"updatedAt,omitempty"`
	LaunchType           string          `json:"launchType"`
	LoadBalancers        []wLoadBalancer `json:"loadBalancers"`
	Scale                wScale          `json:"scale"`
	StabilityStatus      string          `json:"stabilityStatus"`
}

type wScale struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type wFailure struct {
	Arn    string `json:"arn"`
	Reason string `json:"reason"`
}

type wTaskDefinition struct {
	TaskDefinitionArn       string                 `json:"taskDefinitionArn"`
	Family                  string                 `json:"family"`
	Revision                int32                  `json:"revision"`
	Status                  string                 `json:"status"`
	NetworkMode             string                 `json:"networkMode"`
	RequiresCompatibilities []string               `json:"requiresCompatibilities"`
	ContainerDefinitions    []wContainerDefinition `json:"containerDefinitions"`
}

type wContainerDefinition struct {
	Name         string         `json:"name"`
	Image        string         `json:"image,omitempty"`
	Essential    bool           `json:"essential"`
	PortMappings []wPortMapping `json:"portMappings"`
}

type wPortMapping struct {
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// ---- operations ----

func (s *Server) ecsDescribeServices(body []byte) (any, error) {
	var in struct {
		Cluster  string   `json:"cluster"`
		Services []string `json:"services"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	cluster := lastSegment(in.Cluster)
	if cluster == "" {
		cluster = "default"
	}
	if len(in.Services) == 0 || len(in.Services) > 10 {
		return nil, badRequest("InvalidParameterException", "services must name between 1 and 10 services.")
	}
	known := false
	for k := range s.services {
		if k.cluster == cluster {
			known = true
			break
		}
	}
	if !known {
		return nil, badRequest("ClusterNotFoundException", "Cluster not found.")
	}
	out := []wService{}
	failures := []wFailure{}
	for _, ref := range in.Services {
		name := lastSegment(ref)
		svc := s.services[serviceKey{cluster, name}]
		if svc == nil {
			failures = append(failures, wFailure{Arn: s.serviceArn(cluster, name), Reason: "MISSING"})
			continue
		}
		out = append(out, s.describeService(svc))
	}
	return map[string]any{"services": out, "failures": failures}, nil
}

func (s *Server) describeService(svc *service) wService {
	c := svc.cfg
	w := wService{
		ServiceName:          c.Name,
		ServiceArn:           s.serviceArn(c.Cluster, c.Name),
		ClusterArn:           s.clusterArn(c.Cluster),
		Status:               "ACTIVE",
		DesiredCount:         c.DesiredCount,
		LaunchType:           "FARGATE",
		SchedulingStrategy:   "REPLICA",
		DeploymentController: wDeploymentCtl{Type: "CODE_DEPLOY"},
		LoadBalancers:        []wLoadBalancer{},
		TaskSets:             []wTaskSet{},
		Deployments:          []struct{}{}, // always empty for CODE_DEPLOY services
		CreatedAt:            ts(svc.createdAt),
	}
	if p := svc.primary(); p != nil {
		w.TaskDefinition = p.taskDef
		if p.targetGroup != "" {
			w.LoadBalancers = append(w.LoadBalancers, wLoadBalancer{TargetGroupArn: s.tgArn(p.targetGroup), ContainerName: c.ContainerName, ContainerPort: c.ContainerPort})
		}
	}
	for _, t := range svc.taskSets {
		w.RunningCount += t.running
		w.PendingCount += t.pending
		stability := "STEADY_STATE"
		if t.pending > 0 {
			stability = "STABILIZING"
		}
		startedBy := ""
		if t.externalID != "" {
			startedBy = "CodeDeploy"
		}
		lbs := []wLoadBalancer{}
		if t.targetGroup != "" {
			lbs = append(lbs, wLoadBalancer{TargetGroupArn: s.tgArn(t.targetGroup), ContainerName: c.ContainerName, ContainerPort: c.ContainerPort})
		}
		w.TaskSets = append(w.TaskSets, wTaskSet{
			ID:                   t.id,
			TaskSetArn:           t.arn,
			ServiceArn:           w.ServiceArn,
			ClusterArn:           w.ClusterArn,
			StartedBy:            startedBy,
			ExternalID:           t.externalID,
			Status:               t.status,
			TaskDefinition:       t.taskDef,
			ComputedDesiredCount: t.desired,
			PendingCount:         t.pending,
			RunningCount:         t.running,
			CreatedAt:            ts(t.createdAt),
			UpdatedAt:            ts(t.updatedAt),
			LaunchType:           "FARGATE",
			LoadBalancers:        lbs,
			Scale:                wScale{Value: 100, Unit: "PERCENT"},
			StabilityStatus:      stability,
		})
	}
	return w
}

func (s *Server) ecsDescribeTaskDefinition(body []byte) (any, error) {
	var in struct {
		TaskDefinition string `json:"taskDefinition"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	td, ok := s.findTaskDef(in.TaskDefinition)
	if !ok {
		return nil, badRequest("ClientException", "Unable to describe task definition.")
	}
	cd := wContainerDefinition{Name: td.ContainerName, Image: td.Image, Essential: true, PortMappings: []wPortMapping{}}
	if td.ContainerPort != 0 {
		cd.PortMappings = append(cd.PortMappings, wPortMapping{ContainerPort: td.ContainerPort, Protocol: "tcp"})
	}
	return map[string]any{
		"taskDefinition": wTaskDefinition{
			TaskDefinitionArn:       td.Arn,
			Family:                  td.Family,
			Revision:                td.Revision,
			Status:                  "ACTIVE",
			NetworkMode:             "awsvpc",
			RequiresCompatibilities: []string{"FARGATE"},
			ContainerDefinitions:    []wContainerDefinition{cd},
		},
		"tags": []struct{}{},
	}, nil
}

func (s *Server) ecsListTaskDefinitions(body []byte) (any, error) {
	var in struct {
		FamilyPrefix string `json:"familyPrefix"`
		Status       string `json:"status"`
		Sort         string `json:"sort"`
		NextToken    string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	status := strings.ToUpper(in.Status)
	if status == "" {
		status = "ACTIVE"
	}
	var tds []TaskDefinition
	if status == "ACTIVE" { // every registered revision is ACTIVE
		for _, td := range s.taskDefs {
			if in.FamilyPrefix == "" || td.Family == in.FamilyPrefix {
				tds = append(tds, td)
			}
		}
	}
	desc := strings.EqualFold(in.Sort, "DESC")
	sort.SliceStable(tds, func(i, j int) bool {
		a, b := tds[i], tds[j]
		if a.Family != b.Family {
			return (a.Family < b.Family) != desc
		}
		return (a.Revision < b.Revision) != desc
	})
	arns := []string{}
	for _, td := range tds {
		arns = append(arns, td.Arn)
	}
	out, next, err := page(arns, in.NextToken, "InvalidParameterException")
	if err != nil {
		return nil, err
	}
	resp := map[string]any{"taskDefinitionArns": out}
	if next != "" {
		resp["nextToken"] = next
	}
	return resp, nil
}
