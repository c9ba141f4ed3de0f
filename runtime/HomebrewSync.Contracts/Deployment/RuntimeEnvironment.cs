using System.Globalization;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// The environment each deployed piece runs with, built from the stage's config with the variable names
/// the runtime reads (<see cref="EnvVars"/>): the infra sets exactly what the runtime binds.
/// </summary>
public static class RuntimeEnvironment
{
    public static Dictionary<string, string> Orchestrator(DeploymentConfig c, DeploymentNames n)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(n);
        var env = Common(c, n);
        env[EnvVars.SizeThresholdGb] = c.SizeThresholdGb.ToString(CultureInfo.InvariantCulture);
        env[EnvVars.EcsClusterName] = n.Cluster;
        // The orchestrator fetches the catalog and sizes, never bottles: attempts short enough that all of them fit its own budget.
        env[EnvVars.DownloadTimeoutSeconds] = S(c.OrchestratorDownloadTimeoutSeconds);
        env[EnvVars.TimeBudgetSeconds] = S(c.OrchestratorTimeBudgetSeconds);
        return env;
    }

    public static Dictionary<string, string> Worker(DeploymentConfig c, DeploymentNames n)
    {
        var env = Common(c, n);
        env[EnvVars.DownloadTimeoutSeconds] = S(c.WorkerDownloadTimeoutSeconds);
        env[EnvVars.TempDir] = "/tmp/bottles";
        env[EnvVars.TimeBudgetSeconds] = S(c.WorkerTimeBudgetSeconds);
        env[EnvVars.SyncMethod] = "Lambda";
        return env;
    }

    /// <summary>The ECS task: the same settings under the same names, with the task's own concurrency and no time budget.</summary>
    public static Dictionary<string, string> EcsTask(DeploymentConfig c, DeploymentNames n, string? efsMountPath)
    {
        var env = Common(c, n);
        env[EnvVars.MaxConcurrentDownloads] = S(c.EcsDownloadConcurrency);
        env[EnvVars.DownloadTimeoutSeconds] = S(c.DownloadTimeoutSeconds);
        env[EnvVars.TempDir] = efsMountPath is null ? "/tmp/bottles" : efsMountPath + "/staging";
        env[EnvVars.ProgressUpdateInterval] = S(c.ProgressUpdateIntervalSeconds);
        env[EnvVars.SyncMethod] = "ECS";
        return env;
    }

    private static Dictionary<string, string> Common(DeploymentConfig c, DeploymentNames n) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [EnvVars.S3BucketName] = n.Bucket,
        [EnvVars.SlackWebhookSecretName] = n.SlackSecret,
        [EnvVars.SlackChannel] = c.SlackChannel,
        [EnvVars.SlackUsername] = c.SlackUsername,
        [EnvVars.Environment] = n.Owner is null ? c.Environment : $"{c.Environment}-{n.Owner}",
        [EnvVars.TargetPlatforms] = string.Join(',', c.TargetPlatforms),
        [EnvVars.MaxConcurrentDownloads] = S(c.MaxConcurrentDownloads),
        [EnvVars.RetryAttempts] = S(c.RetryAttempts),
        [EnvVars.RetryDelaySeconds] = S(c.RetryDelaySeconds),
        [EnvVars.BatchSize] = S(c.BatchSize),
        [EnvVars.ScheduleExpression] = c.ScheduleExpression,
        [EnvVars.OrchestratorFunctionName] = n.OrchestratorFunction,
        [EnvVars.EmitMetrics] = "true",
        [EnvVars.S3ServerSideEncryption] = string.IsNullOrEmpty(c.KmsKeyId) ? "AES256" : "aws:kms",
        [EnvVars.MaxDownloadSizeGb] = S(c.MaxDownloadSizeGb),
    }.Concat(string.IsNullOrEmpty(c.KmsKeyId) ? [] : [KeyValuePair.Create(EnvVars.KmsKeyId, c.KmsKeyId)]).ToDictionary(StringComparer.Ordinal);

    private static string S(int value) => value.ToString(CultureInfo.InvariantCulture);
}
