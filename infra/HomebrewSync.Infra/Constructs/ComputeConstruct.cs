using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class ComputeProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required Amazon.CDK.AWS.EC2.Vpc Vpc { get; init; }
    public required IBucket Bucket { get; init; }
    public required ISecret SlackWebhook { get; init; }
    public required RuntimeInputs Inputs { get; init; }
    /// <summary>The repository root: the image is built from runtime/HomebrewSync.Cli/Dockerfile.</summary>
    public required string RepositoryRoot { get; init; }
}

/// <summary>
/// The ECS cluster and the Fargate task that runs <c>homebrew-sync sync --plan ...</c>: x86_64 (the image is built for
/// linux/amd64 wherever the deploy runs), staging on the task's ephemeral storage, Container Insights for the CPU
/// alarm, the Slack webhook read from its secret through SSM like the Lambdas.
/// </summary>
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
            // Standalone Fargate tasks publish CPU and memory only through Container Insights (ECS/ContainerInsights),
            // billed as custom metrics: enable_detailed_monitoring turns it, and the ECS alarm and widget, on.
            ContainerInsights = props.Config.EnableDetailedMonitoring,
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
            Image = ContainerImage.FromAsset(props.RepositoryRoot, new AssetImageProps
            {
                File = "runtime/HomebrewSync.Cli/Dockerfile",
                IgnoreMode = IgnoreMode.DOCKER,
                // The task is X86_64: an image built on an arm64 laptop must still start.
                Platform = Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64,
            }),
            Environment = RuntimeEnvironment.EcsTask(c, props.Names, props.Inputs),
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps { LogGroup = logs, StreamPrefix = "sync" }),
            Command = ["--help"],
            // From SIGTERM to SIGKILL: Fargate's longest (the default is 30 s). A Spot interruption gives two minutes; the sync
            // stops its downloads, writes the hash file and releases its lease in that time.
            StopTimeout = Duration.Seconds(120),
        });
        props.Bucket.GrantReadWrite(TaskDefinition.TaskRole);
        LambdaConstruct.GrantSlackSecret(TaskDefinition.TaskRole, props.SlackWebhook, c, props.Names);
    }

    public Cluster Cluster { get; }
    public FargateTaskDefinition TaskDefinition { get; }
    public ContainerDefinition Container { get; }
}
