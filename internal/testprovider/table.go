package testprovider

import "slices"

// replaceRule says which input keys of a resource type force a replacement when they change.
type replaceRule struct {
	keys []string // these keys force a replacement
	// allExcept, when non-nil, makes every input key force a replacement except the ones listed.
	allExcept []string
}

func (r replaceRule) replaces(key string) bool {
	if r.allExcept != nil {
		return !slices.Contains(r.allExcept, key)
	}
	return slices.Contains(r.keys, key)
}

// replaceTable is the one table of the double's force-new properties, modelled on AWS's own
// (properties whose change the real provider can only apply by replacing the resource).
// Types not listed here never request a replacement.
var replaceTable = map[string]replaceRule{
	"aws:lb/loadBalancer:LoadBalancer": {keys: []string{"name", "namePrefix", "internal", "loadBalancerType"}},
	"aws:lb/targetGroup:TargetGroup": {keys: []string{
		"name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId", "targetType",
	}},
	"aws:lb/listener:Listener":                                  {keys: []string{"loadBalancerArn"}},
	"aws:ec2/securityGroup:SecurityGroup":                       {keys: []string{"name", "namePrefix", "vpcId", "description"}},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {keys: []string{"securityGroupId"}},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   {keys: []string{"securityGroupId"}},
	"aws:ecs/cluster:Cluster":                                   {keys: []string{"name"}},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {keys: []string{"clusterName"}},
	"aws:ecs/service:Service": {keys: []string{
		"name", "cluster", "launchType", "deploymentController", "schedulingStrategy", "iamRole",
	}},
	"aws:ecs/taskDefinition:TaskDefinition":             {allExcept: []string{"tags", "tagsAll", "skipDestroy", "trackLatest"}},
	"aws:iam/role:Role":                                 {keys: []string{"name", "namePrefix", "path"}},
	"aws:iam/rolePolicy:RolePolicy":                     {keys: []string{"name", "role"}},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {keys: []string{"role", "policyArn"}},
	"aws:cloudwatch/logGroup:LogGroup":                  {keys: []string{"name", "namePrefix"}},
	"aws:cloudwatch/metricAlarm:MetricAlarm":            {keys: []string{"name"}},
	"aws:codedeploy/application:Application":            {keys: []string{"computePlatform"}},
	"aws:codedeploy/deploymentGroup:DeploymentGroup":    {keys: []string{"appName"}},
	"aws:codedeploy/deploymentConfig:DeploymentConfig":  {allExcept: []string{}},
	"aws:ecr/repository:Repository":                     {keys: []string{"name"}},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":           {keys: []string{"repository"}},
	"aws:appautoscaling/target:Target":                  {keys: []string{"resourceId", "scalableDimension", "serviceNamespace"}},
	"aws:appautoscaling/policy:Policy":                  {keys: []string{"name", "resourceId", "scalableDimension", "serviceNamespace"}},
	"aws:sns/topic:Topic":                               {keys: []string{"name"}},
	"aws:ec2/vpc:Vpc":                                   {keys: []string{"cidrBlock"}},
	"aws:ec2/subnet:Subnet":                             {keys: []string{"vpcId", "cidrBlock", "availabilityZone"}},
}

// typeAliases maps type tokens that the aws SDK also publishes under a second module to the
// token the tables use (pulumi-aws exposes the ALB resources as both aws:lb and aws:alb).
var typeAliases = map[string]string{
	"aws:alb/loadBalancer:LoadBalancer": "aws:lb/loadBalancer:LoadBalancer",
	"aws:alb/targetGroup:TargetGroup":   "aws:lb/targetGroup:TargetGroup",
	"aws:alb/listener:Listener":         "aws:lb/listener:Listener",
	"aws:alb/listenerRule:ListenerRule": "aws:lb/listenerRule:ListenerRule",
}

func canonicalType(typ string) string {
	if t, ok := typeAliases[typ]; ok {
		return t
	}
	return typ
}

// ReplaceKeys reports whether a change to the top-level input key of a resource of type typ
// makes the double request a replacement.
func ReplaceKeys(typ, key string) bool {
	rule, ok := replaceTable[canonicalType(typ)]
	return ok && rule.replaces(key)
}

// unnamedTypes are the types that have no autonamed `name` input; every other type gets a
// computed `name` (from `name`, else `namePrefix` + 7 hex, else <urn name>-<7 hex>).
var unnamedTypes = map[string]bool{
	"aws:lb/listener:Listener":                                  true,
	"aws:lb/listenerRule:ListenerRule":                          true,
	"aws:lb/targetGroupAttachment:TargetGroupAttachment":        true,
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": true,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   true,
	"aws:ec2/securityGroupRule:SecurityGroupRule":               true,
	"aws:ecs/taskDefinition:TaskDefinition":                     true,
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": true,
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":         true,
	"aws:codedeploy/deploymentGroup:DeploymentGroup":            true,
	"aws:codedeploy/deploymentConfig:DeploymentConfig":          true,
	"aws:ecr/lifecyclePolicy:LifecyclePolicy":                   true,
	"aws:ecr/repositoryPolicy:RepositoryPolicy":                 true,
	"aws:appautoscaling/target:Target":                          true,
	"aws:ec2/vpc:Vpc":                                           true,
	"aws:ec2/subnet:Subnet":                                     true,
}
