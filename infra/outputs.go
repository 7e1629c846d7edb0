package infra

// Stack output names. The release step and CI read these; they are part of the product's
// interface and change only with a migration note.
const (
	OutputAlbDNSName                = "albDnsName"
	OutputProdURL                   = "prodUrl"
	OutputTestURL                   = "testUrl"
	OutputClusterName               = "clusterName"
	OutputServiceName               = "serviceName"
	OutputTaskDefinitionArn         = "taskDefinitionArn"
	OutputContainerName             = "containerName"
	OutputContainerPort             = "containerPort"
	OutputCodeDeployApplication     = "codeDeployApplication"
	OutputCodeDeployDeploymentGroup = "codeDeployDeploymentGroup"
	OutputProdListenerArn           = "prodListenerArn"
	OutputTestListenerArn           = "testListenerArn"
	OutputBlueTargetGroupName       = "blueTargetGroupName"
	OutputGreenTargetGroupName      = "greenTargetGroupName"
	OutputSubnetIDs                 = "subnetIds"
	OutputTaskSecurityGroupIDs      = "taskSecurityGroupIds"

	// Also read by the release step.
	OutputRegion          = "region"
	OutputAssignPublicIP  = "assignPublicIp"
	OutputPlatformVersion = "platformVersion"
	OutputLifecycleHooks  = "lifecycleHooks"
	OutputSmokeCheck      = "smokeCheck"
	// Informational.
	OutputDeploymentConfigName = "deploymentConfigName"
	OutputRepositoryURL        = "repositoryUrl"
	OutputVpcID                = "vpcId"
)

// Outputs lists every output the program exports.
var Outputs = []string{
	OutputAlbDNSName, OutputProdURL, OutputTestURL, OutputClusterName, OutputServiceName,
	OutputTaskDefinitionArn, OutputContainerName, OutputContainerPort, OutputCodeDeployApplication,
	OutputCodeDeployDeploymentGroup, OutputProdListenerArn, OutputTestListenerArn,
	OutputBlueTargetGroupName, OutputGreenTargetGroupName, OutputSubnetIDs,
	OutputTaskSecurityGroupIDs, OutputRegion, OutputAssignPublicIP, OutputPlatformVersion,
	OutputLifecycleHooks, OutputSmokeCheck, OutputDeploymentConfigName, OutputRepositoryURL,
	OutputVpcID,
}
