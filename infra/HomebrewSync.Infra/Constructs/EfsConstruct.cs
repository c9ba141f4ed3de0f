using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.EFS;
using EfsFileSystem = Amazon.CDK.AWS.EFS.FileSystem;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class EfsProps
{
    public required DeploymentConfig Config { get; init; }
    public required Vpc Vpc { get; init; }
    public required SecurityGroup TaskSecurityGroup { get; init; }
    public required bool RetainData { get; init; }
}

/// <summary>Staging space for the ECS task (when enable_efs_storage), with the config's performance and throughput modes.</summary>
public sealed class EfsConstruct : Construct
{
    public const string MountPath = "/mnt/efs";

    public EfsConstruct(Construct scope, string id, EfsProps props)
        : base(scope, id)
    {
        var c = props.Config;
        FileSystem = new EfsFileSystem(this, "Staging", new FileSystemProps
        {
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            Encrypted = true,
            PerformanceMode = c.EfsPerformanceMode == "maxIO" ? PerformanceMode.MAX_IO : PerformanceMode.GENERAL_PURPOSE,
            ThroughputMode = c.EfsThroughputMode switch { "provisioned" => ThroughputMode.PROVISIONED, "elastic" => ThroughputMode.ELASTIC, _ => ThroughputMode.BURSTING },
            ProvisionedThroughputPerSecond = c.EfsThroughputMode == "provisioned" ? Size.Mebibytes(c.EfsProvisionedThroughput) : null,
            LifecyclePolicy = LifecyclePolicy.AFTER_7_DAYS,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        FileSystem.Connections.AllowDefaultPortFrom(props.TaskSecurityGroup, "NFS from the sync task");
    }

    public EfsFileSystem FileSystem { get; }
}
