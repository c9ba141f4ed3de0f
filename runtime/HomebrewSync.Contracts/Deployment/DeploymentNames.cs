using System.Text.RegularExpressions;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// Physical names, derived from the stage and, for a per-developer stack, its owner, so no two stacks
/// share one: prod keeps the reference's names (homebrew-sync-orchestrator, homebrew-bottles-prod).
/// </summary>
public sealed partial record DeploymentNames(string Stage, string? Owner, DeploymentConfig Config)
{
    [GeneratedRegex("^[a-z][a-z0-9-]{1,19}$")]
    private static partial Regex OwnerPattern();

    public static bool IsValidOwner(string owner) => OwnerPattern().IsMatch(owner);

    /// <summary>homebrew-sync (prod), homebrew-sync-dev, homebrew-sync-dev-alice.</summary>
    public string Prefix => Stage == DeploymentConfigLoader.BaseStage && Owner is null ? "homebrew-sync" : Owner is null ? $"homebrew-sync-{Stage}" : $"homebrew-sync-{Stage}-{Owner}";

    public string StackName => Owner is null ? $"HomebrewSync-{Stage}" : $"HomebrewSync-{Stage}-{Owner}";
    public string Bucket => Owner is null ? Config.S3BucketName : $"{Config.S3BucketName}-{Owner}";
    public string OrchestratorFunction => $"{Prefix}-orchestrator";
    public string WorkerFunction => $"{Prefix}-worker";
    public string Cluster => Prefix;
    public string TaskFamily => Owner is null && Stage == DeploymentConfigLoader.BaseStage ? "homebrew-bottles-sync" : $"{Prefix}-task";
    public string StateMachine => $"{Prefix}-state-machine";
    public string SlackSecret => $"{Prefix}/slack-webhook";
    public string AlertsTopic => $"{Prefix}-alerts";
    public string Dashboard => $"{Prefix}-dashboard";
    public string Budget => $"{Prefix}-monthly";
    public string ScheduleRule => $"{Prefix}-schedule";
    public string TriggerRule => $"{Prefix}-trigger";
    public string LogGroup(string function) => $"/aws/lambda/{function}";
    public string EcsLogGroup => $"/ecs/{Prefix}";
    public string StateMachineLogGroup => $"/aws/vendedlogs/states/{Prefix}";
}
