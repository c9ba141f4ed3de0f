using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class SecretsProps
{
    public required DeploymentNames Names { get; init; }
}

/// <summary>
/// The Slack webhook secret. It is created holding a placeholder (not a secret), which the runtime reads as "Slack
/// not set up yet" and skips with one warning, so the first runs work; set the real URL once (README).
/// </summary>
public sealed class SecretsConstruct : Construct
{
    /// <summary>
    /// The value the secret is created with, frozen here rather than taken from <see cref="SlackSecretPlaceholder.Value"/>:
    /// CloudFormation writes a secret's value again whenever the template's value changes, which would overwrite the
    /// webhook an operator set, so this text never changes (a test pins it) whatever the runtime's constant becomes. It
    /// is the value every deployed stack was created with, so adopting it changes no existing stack either.
    /// </summary>
    public const string InitialValue = "not-set: aws secretsmanager put-secret-value --secret-id <name> --secret-string https://hooks.slack.com/services/...";

    public SecretsConstruct(Construct scope, string id, SecretsProps props)
        : base(scope, id)
    {
        SlackWebhook = new Secret(this, "SlackWebhook", new SecretProps
        {
            SecretName = props.Names.SlackSecret,
            Description = "Slack incoming webhook URL for homebrew-sync (a URL, or JSON with \"url\"); set with: aws secretsmanager put-secret-value",
            SecretStringValue = SecretValue.UnsafePlainText(InitialValue),
            RemovalPolicy = RemovalPolicy.DESTROY,
        });
    }

    public Secret SlackWebhook { get; }
}
