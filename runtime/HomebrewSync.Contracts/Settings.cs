namespace HomebrewSync.Contracts;

/// <summary>
/// Every numeric setting, each defined once: variable, option, default, range, help and deployment config key.
/// <see cref="SyncSettings"/>' defaults, <see cref="SyncSettingsReader"/>, the range checks, the CLI's --help,
/// <see cref="Deployment.DeploymentConfigValidator"/> and <see cref="Deployment.RuntimeEnvironment"/> read them from here.
/// </summary>
public static class Settings
{
    /// <summary>
    /// 32 by default: each bottle pays round trips (registry, redirect, blob host) before its first byte, and one connection
    /// carries a bounded rate, so a registry across a WAN needs more requests in flight than the link's bandwidth alone
    /// suggests (bench: WAN profile).
    /// </summary>
    public static readonly Setting<int> MaxConcurrentDownloads = new(EnvVars.MaxConcurrentDownloads, 1, 64)
    {
        Default = 32, Option = "--concurrency", ValueName = "N", ConfigKey = "max_concurrent_downloads", FromConfig = c => c.MaxConcurrentDownloads,
        Help = "Downloads at once, {range} (default {default}); size requests run at twice that, at most 64.",
    };

    /// <summary>The ECS task's own concurrency: the same variable, set from another key.</summary>
    public static readonly Setting<int> EcsDownloadConcurrency = MaxConcurrentDownloads with { ConfigKey = "ecs_download_concurrency", FromConfig = c => c.EcsDownloadConcurrency };

    public static readonly Setting<int> RetryAttempts = new(EnvVars.RetryAttempts, 0, 10)
    {
        Default = 3, Option = "--retries", ValueName = "N", ConfigKey = "retry_attempts", FromConfig = c => c.RetryAttempts,
        Help = "Retries after a transient failure, {range} (default {default}).",
    };

    public static readonly Setting<double> RetryDelaySeconds = new(EnvVars.RetryDelaySeconds, 0, 600)
    {
        Default = 2, Unit = "s", Option = "--retry-delay", ValueName = "SECONDS", ConfigKey = "retry_delay_seconds", FromConfig = c => c.RetryDelaySeconds,
        Help = "Base of the exponential, jittered backoff, {range} (default {default}).",
    };

    /// <summary>The ECS task's per-attempt limit; the worker's and the orchestrator's are their own (<see cref="WorkerDownloadTimeoutSeconds"/>).</summary>
    public static readonly Setting<double> DownloadTimeoutSeconds = new(EnvVars.DownloadTimeoutSeconds, 0, 21600)
    {
        Default = 300, MinExclusive = true, Unit = "s", Option = "--timeout", ValueName = "SECONDS", ConfigKey = "download_timeout_seconds", FromConfig = c => c.DownloadTimeoutSeconds,
        Help = "Limit for one attempt at one bottle, {range} (default {default}).",
    };

    /// <summary>The worker Lambda's per-attempt timeout: within a Lambda's 900 s, and every attempt and backoff must fit its budget.</summary>
    public static readonly Setting<double> WorkerDownloadTimeoutSeconds = DownloadTimeoutSeconds with
    {
        ConfigKey = "worker_download_timeout_seconds", FromConfig = c => c.WorkerDownloadTimeoutSeconds, ConfigMax = 900,
    };

    public static readonly Setting<int> BatchSize = new(EnvVars.BatchSize, 1, 10_000)
    {
        Default = 50, Option = "--batch-size", ValueName = "N", ConfigKey = "batch_size", FromConfig = c => c.BatchSize,
        Help = "Write the hash file every N stored bottles, {range} (default {default}).",
    };

    public static readonly Setting<int> MaxImageIndexMb = new(EnvVars.MaxImageIndexMb, 1, 256)
    {
        Default = 4, Unit = "MiB", Option = "--max-index-mb", ValueName = "N",
        Help = "Largest image index read, {range} MiB (default {default}); a larger one is not kept.",
    };

    public static readonly Setting<int> MaxApiFileMb = new(EnvVars.MaxApiFileMb, 1, 2048)
    {
        Default = 128, Unit = "MiB", Option = "--max-api-file-mb", ValueName = "N",
        Help = "Largest Homebrew API file read, {range} MiB (default {default}); a larger one is not published.",
    };

    /// <summary>Homebrew's largest bottles are a few GB.</summary>
    public static readonly Setting<double> MaxBottleSizeGb = new(EnvVars.MaxBottleSizeGb, 0, 1024)
    {
        Default = 10, MinExclusive = true, Unit = "GB", Option = "--max-bottle-gb", ValueName = "GB",
        Help = "Largest bottle body, {range} GB (default {default}), when neither the image index nor Content-Length announces its size; a body past its announced size always fails that bottle; serve --pull-through also refuses a bottle announced larger.",
    };

    /// <summary>No default: unset, a plan of any size runs.</summary>
    public static readonly Setting<double> MaxDownloadSizeGb = new(EnvVars.MaxDownloadSizeGb, 0, null)
    {
        MinExclusive = true, Unit = "GB", ConfigKey = "max_download_size_gb", FromConfig = c => c.MaxDownloadSizeGb, ConfigMin = 1, ConfigMax = 100_000,
        Help = "Refuse a plan larger than this many GB before downloading anything.",
    };

    public static readonly Setting<double> StoreLeaseSeconds = new(EnvVars.StoreLeaseSeconds, 5, 3600)
    {
        Default = 120, Unit = "s",
        Help = "How long a command's lease on the store lasts unless renewed, {range} (default {default}): a crashed command's hold ends after it.",
    };

    public static readonly Setting<int> PruneKeepDays = new(EnvVars.PruneKeepDays, 0, null)
    {
        Default = 30, Unit = "days", Option = "--keep-days", ValueName = "N", ConfigKey = "prune_keep_days", FromConfig = c => c.PruneKeepDays, ConfigMax = 3650,
        Help = "prune: keep superseded bottles downloaded within the last N days (default {default}).",
    };

    /// <summary>The ECS task's progress messages; a deployment keeps to 10 s..1 day.</summary>
    public static readonly Setting<double> ProgressUpdateInterval = new(EnvVars.ProgressUpdateInterval, 1, null)
    {
        Default = 300, Unit = "seconds", Option = "--progress-interval", ValueName = "SECONDS",
        ConfigKey = "progress_update_interval_seconds", FromConfig = c => c.ProgressUpdateIntervalSeconds, ConfigMin = 10, ConfigMax = 86_400,
        Help = "Slack progress update every SECONDS during a sync (default {default}).",
    };

    public static readonly Setting<double> SlackMaxWaitSeconds = new(EnvVars.SlackMaxWaitSeconds, 0, 300)
    {
        Default = 20, MinExclusive = true, Unit = "s",
        Help = "Longest wait on Slack per message, retries included, {range} (default {default}); then the sync goes on.",
    };

    /// <summary>Plans above it go to ECS (set on the orchestrator only where the stage has ECS).</summary>
    public static readonly Setting<double> SizeThresholdGb = new(EnvVars.SizeThresholdGb, 0, null)
    {
        Default = 20, MinExclusive = true, Unit = "GB", ConfigKey = "size_threshold_gb", FromConfig = c => c.SizeThresholdGb,
    };

    public static readonly Setting<double> ServeRefreshSeconds = new(EnvVars.ServeRefreshSeconds, 0, 3600)
    {
        Default = 10, Unit = "s", Option = "--refresh", ValueName = "SECONDS",
        Help = "How often serve checks the hash file for a newer version, {range} (default {default}).",
    };

    /// <summary>What every deployed sync host (orchestrator, worker, ECS task) is given from the config, before each sets its own.</summary>
    public static IReadOnlyList<IDeployedSetting> DeployedToEveryHost { get; } =
        [MaxConcurrentDownloads, RetryAttempts, RetryDelaySeconds, BatchSize, MaxDownloadSizeGb];

    /// <summary>Every setting a stage's config sets: each is checked against its range there.</summary>
    public static IReadOnlyList<IDeployedSetting> Deployed { get; } =
    [
        .. DeployedToEveryHost, EcsDownloadConcurrency, DownloadTimeoutSeconds, WorkerDownloadTimeoutSeconds, ProgressUpdateInterval, PruneKeepDays, SizeThresholdGb,
    ];
}
