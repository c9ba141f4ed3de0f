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
        env[EnvVars.LambdaSyncFunction] = n.WorkerFunction;
        // The orchestrator fetches the catalog and sizes, never bottles: short attempts that fit its own budget.
        var budget = c.LambdaOrchestratorTimeoutSeconds - 30;
        env[EnvVars.DownloadTimeoutSeconds] = S(Math.Max(1, Math.Min(60, budget / (c.RetryAttempts + 1))));
        env[EnvVars.WorkerTimeBudgetSeconds] = S(budget);
        return env;
    }

    public static Dictionary<string, string> Worker(DeploymentConfig c, DeploymentNames n)
    {
        var env = Common(c, n);
        env[EnvVars.DownloadTimeoutSeconds] = S(c.WorkerDownloadTimeoutSeconds);
        env[EnvVars.TempDir] = "/tmp/bottles";
        env[EnvVars.WorkerTimeBudgetSeconds] = S(c.WorkerTimeBudgetSeconds);
        return env;
    }

    /// <summary>The ECS task; the Slack webhook is injected from the secret by the task definition, not set here.</summary>
    public static Dictionary<string, string> EcsTask(DeploymentConfig c, DeploymentNames n, string? efsMountPath)
    {
        var env = Common(c, n);
        env.Remove(EnvVars.SlackWebhookSecretName);
        env[EnvVars.DownloadConcurrency] = S(c.EcsDownloadConcurrency);
        env.Remove(EnvVars.MaxConcurrentDownloads);
        env[EnvVars.DownloadTimeoutSeconds] = S(c.DownloadTimeoutSeconds);
        env[EnvVars.TempStoragePath] = "/tmp/bottles";
        if (efsMountPath is not null)
        {
            env[EnvVars.EfsMountPath] = efsMountPath;
        }
        env[EnvVars.ProgressUpdateInterval] = S(c.ProgressUpdateIntervalSeconds);
        env[EnvVars.MaxDownloadSizeGb] = S(c.MaxDownloadSizeGb);
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
        [EnvVars.LogLevel] = "INFO",
        [EnvVars.TargetPlatforms] = string.Join(',', c.TargetPlatforms),
        [EnvVars.MaxConcurrentDownloads] = S(c.MaxConcurrentDownloads),
        [EnvVars.RetryAttempts] = S(c.RetryAttempts),
        [EnvVars.RetryDelaySeconds] = S(c.RetryDelaySeconds),
        [EnvVars.BatchSize] = S(c.BatchSize),
        [EnvVars.ScheduleExpression] = c.ScheduleExpression,
        [EnvVars.OrchestratorFunctionName] = n.OrchestratorFunction,
        [EnvVars.EmitMetrics] = "true",
        [EnvVars.S3ServerSideEncryption] = string.IsNullOrEmpty(c.KmsKeyId) ? "AES256" : "aws:kms",
    }.Concat(string.IsNullOrEmpty(c.KmsKeyId) ? [] : [KeyValuePair.Create(EnvVars.KmsKeyId, c.KmsKeyId)]).ToDictionary(StringComparer.Ordinal);

    private static string S(int value) => value.ToString(CultureInfo.InvariantCulture);
}
