using System.Globalization;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// The environment each deployed piece runs with, built from the stage's config with the variable names
/// the runtime reads (<see cref="EnvVars"/>): the infra sets exactly what the runtime binds.
/// </summary>
public static class RuntimeEnvironment
{
    /// <param name="inputs">What only the deployment knows: Homebrew's API key (PEM), the brew endpoint's URL.</param>
    public static Dictionary<string, string> Orchestrator(DeploymentConfig c, DeploymentNames n, RuntimeInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(n);
        var env = Common(c, n, inputs);
        if (c.EnableEcs)
        {
            // Without a cluster every plan goes to the worker, whatever its size.
            env[EnvVars.SizeThresholdGb] = Settings.SizeThresholdGb.ConfigText(c);
            env[EnvVars.EcsClusterName] = n.Cluster;
        }
        // The orchestrator fetches the catalog and sizes, never bottles: attempts short enough that all of them fit its own budget.
        env[EnvVars.DownloadTimeoutSeconds] = S(c.OrchestratorDownloadTimeoutSeconds);
        // It routes a plan holding a bottle larger than the worker's /tmp to ECS.
        env[EnvVars.WorkerStagingLimitMb] = Settings.WorkerStagingLimitMb.ConfigText(c);
        env[EnvVars.TimeBudgetSeconds] = S(c.OrchestratorTimeBudgetSeconds);
        return env;
    }

    public static Dictionary<string, string> Worker(DeploymentConfig c, DeploymentNames n, RuntimeInputs inputs)
    {
        var env = Common(c, n, inputs);
        env[EnvVars.DownloadTimeoutSeconds] = Settings.WorkerDownloadTimeoutSeconds.ConfigText(c);
        env[EnvVars.TempDir] = "/tmp/bottles";
        env[EnvVars.TimeBudgetSeconds] = S(c.WorkerTimeBudgetSeconds);
        env[EnvVars.SyncMethod] = "Lambda";
        env[EnvVars.WorkerStagingLimitMb] = Settings.WorkerStagingLimitMb.ConfigText(c);
        return env;
    }

    /// <summary>The ECS task: the same settings under the same names, with the task's own concurrency and no time budget.</summary>
    public static Dictionary<string, string> EcsTask(DeploymentConfig c, DeploymentNames n, RuntimeInputs inputs)
    {
        var env = Common(c, n, inputs);
        env[EnvVars.MaxConcurrentDownloads] = Settings.EcsDownloadConcurrency.ConfigText(c);
        env[EnvVars.DownloadTimeoutSeconds] = Settings.DownloadTimeoutSeconds.ConfigText(c);
        env[EnvVars.TempDir] = "/tmp/bottles";
        env[EnvVars.ProgressUpdateInterval] = Settings.ProgressUpdateInterval.ConfigText(c);
        env[EnvVars.SyncMethod] = "ECS";
        return env;
    }

    /// <summary>The brew endpoint behind the function URL: the bucket to serve and who may ask (networks, the token secret).</summary>
    public static Dictionary<string, string> BrewEndpoint(DeploymentConfig c, DeploymentNames n)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(n);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EnvVars.S3BucketName] = n.Bucket,
            [EnvVars.Environment] = n.EnvironmentName,
        };
        if (c.BrewEndpoint.AllowedCidrs.Count > 0)
        {
            env[EnvVars.ServeAllowedCidrs] = string.Join(',', c.BrewEndpoint.AllowedCidrs);
        }
        if (c.BrewEndpoint.Auth)
        {
            env[EnvVars.ServeTokenSecretName] = n.BrewTokenSecret;
        }
        if (c.BrewEndpoint.PullThrough)
        {
            // What a pull needs of a sync's settings: the tags it may pull for, the retries and bounds, how objects are encrypted.
            env[EnvVars.ServePullThrough] = "true";
            env[EnvVars.TimeBudgetSeconds] = S(BrewEndpointConfig.TimeBudgetSeconds);
            env[EnvVars.ServePullTimeoutSeconds] = S(BrewEndpointConfig.PullTimeLimitSeconds);
            env[EnvVars.TargetPlatforms] = Settings.TargetPlatforms.ConfigText(c);
            AddWriting(c, env);
        }
        return env;
    }

    /// <summary>What every host that stores bottles is given: the shared sync settings and how objects are encrypted.</summary>
    private static void AddWriting(DeploymentConfig c, Dictionary<string, string> env)
    {
        env[EnvVars.S3ServerSideEncryption] = string.IsNullOrEmpty(c.KmsKeyId) ? "AES256" : "aws:kms";
        if (!string.IsNullOrEmpty(c.KmsKeyId))
        {
            env[EnvVars.KmsKeyId] = c.KmsKeyId;
        }
        foreach (var setting in Settings.DeployedToEveryHost)
        {
            env[setting.EnvVar] = setting.ConfigText(c);
        }
    }

    private static Dictionary<string, string> Common(DeploymentConfig c, DeploymentNames n, RuntimeInputs inputs)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EnvVars.S3BucketName] = n.Bucket,
            [EnvVars.SlackWebhookSecretName] = n.SlackSecret,
            [EnvVars.SlackChannel] = c.SlackChannel,
            [EnvVars.SlackUsername] = c.SlackUsername,
            [EnvVars.Environment] = n.EnvironmentName,
            [EnvVars.TargetPlatforms] = Settings.TargetPlatforms.ConfigText(c),
            // A stack without a schedule (a per-developer one) names no "Next sync" in its messages.
            [EnvVars.ScheduleExpression] = c.ScheduleEnabled ? c.ScheduleExpression : NotificationSettings.NoSchedule,
            [EnvVars.OrchestratorFunctionName] = n.OrchestratorFunction,
            [EnvVars.EmitMetrics] = "true",
        };
        AddWriting(c, env);
        // A public key, not a secret: the verified API files need it to be mirrored at all.
        if (inputs.ApiPublicKeyPem is { } pem)
        {
            env[EnvVars.ApiPublicKey] = pem;
        }
        else
        {
            env[EnvVars.MirrorApi] = "false";
        }
        if (!string.IsNullOrEmpty(c.BrewGitRemote))
        {
            // The orchestrator routes such runs to ECS (git); a worker that still gets one skips the repository with a warning.
            env[EnvVars.BrewGitRemoteUrl] = Settings.BrewGitRemoteUrl.ConfigText(c);
        }
        if (inputs.MirrorUrl is { } url)
        {
            env[EnvVars.MirrorUrl] = url;
        }
        return env;
    }

    private static string S(int value) => value.ToString(CultureInfo.InvariantCulture);
}
