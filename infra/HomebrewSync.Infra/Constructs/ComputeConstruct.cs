using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.EFS;
using EfsFileSystem = Amazon.CDK.AWS.EFS.FileSystem;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;

namespace HomebrewSync.Infra.Constructs;

public sealed class ComputeProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required Amazon.CDK.AWS.EC2.Vpc Vpc { get; init; }
    public required IBucket Bucket { get; init; }
    public required ISecret SlackWebhook { get; init; }
    public EfsFileSystem? Efs { get; init; }
    /// <summary>The repository root: the image is built from runtime/HomebrewSync.Cli/Dockerfile.</summary>
    public required string RepositoryRoot { get; init; }
}

/// <summary>The ECS cluster and the Fargate task that runs <c>homebrew-sync sync --plan ...</c>.</summary>
public sealed class ComputeConstruct : Construct
{
    public const string ContainerName = "homebrew-sync";

    public ComputeConstruct(Construct scope, string id, ComputeProps props)
        : base(scope, id)
    {
        var c = props.Config;
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            ClusterName = props.Names.Cluster,
            Vpc = props.Vpc,
            ContainerInsights = c.EnableDetailedMonitoring,
            EnableFargateCapacityProviders = true,
        });
        TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Family = props.Names.TaskFamily,
            Cpu = c.EcsTaskCpu,
            MemoryLimitMiB = c.EcsTaskMemory,
            EphemeralStorageGiB = c.EcsEphemeralStorageSizeGb,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        var logs = new LogGroup(this, "Logs", new LogGroupProps
        {
            LogGroupName = props.Names.EcsLogGroup,
            Retention = LambdaConstruct.Retention(c.LogRetentionDays),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
        Container = TaskDefinition.AddContainer(ContainerName, new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromAsset(props.RepositoryRoot, new AssetImageProps { File = "runtime/HomebrewSync.Cli/Dockerfile", IgnoreMode = IgnoreMode.DOCKER }),
            Environment = RuntimeEnvironment.EcsTask(c, props.Names, props.Efs is null ? null : EfsConstruct.MountPath),
            Secrets = new Dictionary<string, EcsSecret> { [EnvVars.SlackWebhookUrl] = EcsSecret.FromSecretsManager(props.SlackWebhook) },
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "sync" }),
            Command = ["--help"],
        });
        if (props.Efs is { } efs)
        {
            TaskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume
            {
                Name = "staging",
                EfsVolumeConfiguration = new EfsVolumeConfiguration { FileSystemId = efs.FileSystemId, TransitEncryption = "ENABLED" },
            });
            Container.AddMountPoints(new MountPoint { ContainerPath = EfsConstruct.MountPath, SourceVolume = "staging", ReadOnly = false });
            efs.GrantReadWrite(TaskDefinition.TaskRole);
        }
        props.Bucket.GrantReadWrite(TaskDefinition.TaskRole);
    }

    public Cluster Cluster { get; }
    public FargateTaskDefinition TaskDefinition { get; }
    public ContainerDefinition Container { get; }
}
