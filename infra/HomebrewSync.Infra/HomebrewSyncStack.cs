using Amazon.CDK;
using Constructs;
using HomebrewSync.Contracts.Deployment;
using HomebrewSync.Infra.Constructs;

namespace HomebrewSync.Infra;

public sealed class HomebrewSyncStackProps : StackProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    public required string LambdaPackage { get; init; }
    public required string RepositoryRoot { get; init; }
    /// <summary>Homebrew's API signing key (PEM) from api_public_key_file; null when the API files are not mirrored.</summary>
    public string? ApiPublicKeyPem { get; init; }
}

/// <summary>The whole deployment of one stage; it only composes the constructs.</summary>
public sealed class HomebrewSyncStack : Stack
{
    public HomebrewSyncStack(Construct scope, string id, HomebrewSyncStackProps props)
        : base(scope, id, props)
    {
        var c = props.Config;
        var n = props.Names;
        // Data outlives a prod stack; a dev or per-developer stack takes its data with it.
        var retain = n.Stage == DeploymentConfigLoader.BaseStage && n.Owner is null;

        var storage = new StorageConstruct(this, "Storage", new StorageProps { Config = c, Names = n, RetainData = retain });
        var secrets = new SecretsConstruct(this, "Secrets", new SecretsProps { Names = n });
        var code = Amazon.CDK.AWS.Lambda.Code.FromAsset(props.LambdaPackage);
        var endpoint = c.BrewEndpoint.Enabled
            ? new BrewEndpointConstruct(this, "BrewEndpoint", new BrewEndpointProps { Config = c, Names = n, Bucket = storage.Bucket, Code = code })
            : null;
        var inputs = new RuntimeInputs(props.ApiPublicKeyPem, endpoint?.Url.Url);
        var lambdas = new LambdaConstruct(this, "Lambdas", new LambdaProps
        {
            Config = c, Names = n, Bucket = storage.Bucket, SlackWebhook = secrets.SlackWebhook, Inputs = inputs, Code = code,
        });
        EcsRoute? ecs = null;
        if (c.EnableEcs)
        {
            var network = new NetworkConstruct(this, "Network", new NetworkProps { Config = c });
            var compute = new ComputeConstruct(this, "Compute", new ComputeProps
            {
                Config = c, Names = n, Vpc = network.Vpc, Bucket = storage.Bucket, SlackWebhook = secrets.SlackWebhook, Inputs = inputs, RepositoryRoot = props.RepositoryRoot,
            });
            ecs = new EcsRoute(compute.Cluster, compute.TaskDefinition, compute.Container, network.PrivateSubnets, network.TaskSecurityGroup);
        }
        var orchestration = new OrchestrationConstruct(this, "Orchestration", new OrchestrationProps
        {
            Config = c, Names = n, Orchestrator = lambdas.Orchestrator, Worker = lambdas.Worker, Ecs = ecs,
        });
        var monitoring = new MonitoringConstruct(this, "Monitoring", new MonitoringProps
        {
            Config = c, Names = n, Orchestrator = lambdas.Orchestrator, Worker = lambdas.Worker, BrewEndpoint = endpoint?.Function,
            Ecs = c.EnableEcs ? (n.Cluster, n.TaskFamily) : null, StateMachine = orchestration.StateMachine,
        });
        new BudgetConstruct(this, "Budget", new BudgetProps { Config = c, Names = n, Alerts = monitoring.Topic });

        foreach (var (key, value) in c.Tags)
        {
            Amazon.CDK.Tags.Of(this).Add(key, value);
        }
        Amazon.CDK.Tags.Of(this).Add("Stage", n.Stage);
        Amazon.CDK.Tags.Of(this).Add(BudgetConstruct.StackTag, n.StackName);
        if (n.Owner is not null)
        {
            Amazon.CDK.Tags.Of(this).Add("Owner", n.Owner);
        }
        // After the tags: aspects at one scope run in the order they were added, so every resource is tagged before it is checked.
        Aspects.Of(this).Add(new Policies.NodeRuntimeUpgrade());
        Aspects.Of(this).Add(new Policies.PolicyPack(new Policies.PolicyOptions(
            RetainData: retain,
            Removable: n.Owner is not null,
            RequireVersioning: n.Stage == DeploymentConfigLoader.BaseStage,
            MaxLambdaTimeoutSeconds: Math.Max(c.LambdaOrchestratorTimeoutSeconds, c.LambdaSyncTimeoutSeconds),
            RequiredTags: ["Project", "Environment", "Stage", BudgetConstruct.StackTag])));
        new CfnOutput(this, "BucketName", new CfnOutputProps { Value = storage.Bucket.BucketName });
        new CfnOutput(this, "StateMachineArn", new CfnOutputProps { Value = orchestration.StateMachine.StateMachineArn });
        new CfnOutput(this, "SlackSecretName", new CfnOutputProps { Value = n.SlackSecret });
        new CfnOutput(this, "AlertsTopicArn", new CfnOutputProps { Value = monitoring.Topic.TopicArn });
        if (endpoint is not null)
        {
            new CfnOutput(this, "BrewEndpointUrl", new CfnOutputProps
            {
                Value = endpoint.Url.Url,
                Description = endpoint.Tokens is null ? "HOMEBREW_BOTTLE_DOMAIN and HOMEBREW_ARTIFACT_DOMAIN for the Macs" : "HOMEBREW_ARTIFACT_DOMAIN for the Macs, with HOMEBREW_DOCKER_REGISTRY_TOKEN",
            });
            if (endpoint.Tokens is not null)
            {
                new CfnOutput(this, "BrewTokenSecretName", new CfnOutputProps { Value = n.BrewTokenSecret, Description = "The brew endpoint's token file (NAME TOKEN lines)" });
            }
        }
    }
}
