using System.Text.RegularExpressions;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// Physical names, derived from the stage and, for a per-developer stack, its owner, so no two stacks
/// share one: prod keeps the reference's names (homebrew-sync-orchestrator, homebrew-bottles-prod).
/// </summary>
public sealed partial record DeploymentNames(string Stage, string? Owner, DeploymentConfig Config)
{
    [GeneratedRegex(@"^[a-z][a-z0-9-]{1,19}\z")]
    private static partial Regex OwnerPattern();

    public static bool IsValidOwner(string owner) => OwnerPattern().IsMatch(owner);

    /// <summary>homebrew-sync (prod), homebrew-sync-dev, homebrew-sync-dev-alice.</summary>
    public string Prefix => Stage == DeploymentConfigLoader.BaseStage && Owner is null ? "homebrew-sync" : Owner is null ? $"homebrew-sync-{Stage}" : $"homebrew-sync-{Stage}-{Owner}";

    public string StackName => Owner is null ? $"HomebrewSync-{Stage}" : $"HomebrewSync-{Stage}-{Owner}";
    public string Bucket => BucketName(Config, Owner);

    /// <summary><c>s3_bucket_name</c>, its suffix (the account id for <c>account</c>), and the developer's name: globally unique.</summary>
    public static string BucketName(DeploymentConfig config, string? owner)
    {
        ArgumentNullException.ThrowIfNull(config);
        var suffix = config.S3BucketSuffix == "account" ? config.AwsAccount : config.S3BucketSuffix;
        return config.S3BucketName + (suffix.Length == 0 ? "" : "-" + suffix) + (owner is null ? "" : "-" + owner);
    }

    /// <summary>The environment named in messages, metrics and alarms: the stage's, with the developer's name for a per-developer stack.</summary>
    public string EnvironmentName => Owner is null ? Config.Environment : $"{Config.Environment}-{Owner}";
    public string OrchestratorFunction => $"{Prefix}-orchestrator";
    public string WorkerFunction => $"{Prefix}-worker";
    public string BrewEndpointFunction => $"{Prefix}-brew-endpoint";
    public string Cluster => Prefix;
    public string TaskFamily => Owner is null && Stage == DeploymentConfigLoader.BaseStage ? "homebrew-bottles-sync" : $"{Prefix}-task";
    public string StateMachine => $"{Prefix}-state-machine";
    public string SlackSecret => $"{Prefix}/slack-webhook";

    /// <summary>The brew endpoint's token file (brew_endpoint.auth).</summary>
    public string BrewTokenSecret => $"{Prefix}/brew-tokens";
    public string AlertsTopic => $"{Prefix}-alerts";
    public string Dashboard => $"{Prefix}-dashboard";
    public string Budget => $"{Prefix}-monthly";
    public string ScheduleRule => $"{Prefix}-schedule";
    public string TriggerRule => $"{Prefix}-trigger";
    public string LogGroup(string function) => $"/aws/lambda/{function}";
    public string EcsLogGroup => $"/ecs/{Prefix}";
    public string StateMachineLogGroup => $"/aws/vendedlogs/states/{Prefix}";
}
