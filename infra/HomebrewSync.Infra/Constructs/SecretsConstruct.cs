using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class SecretsProps
{
    public required DeploymentNames Names { get; init; }
}

/// <summary>The Slack webhook secret. Its value is never in code or config: set it once after the first deploy (README).</summary>
public sealed class SecretsConstruct : Construct
{
    public SecretsConstruct(Construct scope, string id, SecretsProps props)
        : base(scope, id)
    {
        SlackWebhook = new Secret(this, "SlackWebhook", new SecretProps
        {
            SecretName = props.Names.SlackSecret,
            Description = "Slack incoming webhook URL for homebrew-sync; set with: aws secretsmanager put-secret-value",
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
    }

    public Secret SlackWebhook { get; }
}
