using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class NetworkProps
{
    public required DeploymentConfig Config { get; init; }
}

/// <summary>
/// The ECS task's network: a VPC over two zones, public subnets for one NAT gateway, private ones for the task,
/// an S3 gateway endpoint when enabled (S3 traffic skips the NAT), and flow logs with the config's retention.
/// </summary>
public sealed class NetworkConstruct : Construct
{
    public NetworkConstruct(Construct scope, string id, NetworkProps props)
        : base(scope, id)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            AvailabilityZones = props.Config.AvailabilityZones.ToArray(),
            NatGateways = 1,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = "private", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
            ],
        });
        if (props.Config.EnableVpcEndpoints)
        {
            Vpc.AddGatewayEndpoint("S3Endpoint", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3 });
        }
        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = LambdaConstruct.Retention(props.Config.LogRetentionDays),
            RemovalPolicy = Amazon.CDK.RemovalPolicy.DESTROY,
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions { Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs), TrafficType = FlowLogTrafficType.REJECT });
        TaskSecurityGroup = new SecurityGroup(this, "TaskSecurityGroup", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "homebrew-sync tasks: outbound only (ghcr.io, formulae.brew.sh, S3, Slack)",
            AllowAllOutbound = true,
        });
    }

    public Vpc Vpc { get; }
    public SecurityGroup TaskSecurityGroup { get; }
    public SubnetSelection PrivateSubnets => new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };
}
