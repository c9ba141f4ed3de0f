namespace HomebrewSync.Contracts;

/// <summary>
/// Every setting, each defined once: variable, option, default, range (numbers), help and deployment config key; numbers
/// as <see cref="Setting{T}"/>, text, lists and flags as <see cref="TextSetting"/>. <see cref="SyncSettings"/>' defaults,
/// <see cref="SyncSettingsReader"/>, the range checks, the CLI's --help, <see cref="Deployment.DeploymentConfigValidator"/>
/// and <see cref="Deployment.RuntimeEnvironment"/> read them from here.
/// </summary>
public static class Settings
{
    // What to mirror.
    /// <summary>The Apple-silicon releases Homebrew builds bottles for (late 2026); Intel and Linux tags are added by choice.</summary>
    public static readonly TextSetting TargetPlatforms = new(EnvVars.TargetPlatforms)
    {
        Default = "arm64_tahoe,arm64_sequoia,arm64_sonoma", Option = "--platform", ValueName = "TAG[,TAG]",
        ConfigKey = "target_platforms", FromConfig = c => string.Join(',', c.TargetPlatforms),
        Help = "Target tags: the tags of the Macs that install from the mirror (default {default}); serve --pull-through pulls only what they resolve to.",
    };

    public static readonly TextSetting HomebrewApiUrl = new(EnvVars.HomebrewApiUrl)
    {
        Default = "https://formulae.brew.sh/api/formula.json", Option = "--api-url", ValueName = "URL",
        Help = "Catalog URL, http(s) or file (default {default}).",
    };

    public static readonly TextSetting IncludeDisabled = new(EnvVars.IncludeDisabled)
    {
        Default = "false", Option = "--include-disabled", Help = "Also mirror formulae Homebrew has disabled.",
    };

    /// <summary>The registry's host; the token goes to no other.</summary>
    public static readonly TextSetting RegistryHosts = new(EnvVars.RegistryHosts)
    {
        Default = "ghcr.io", Option = "--registry-hosts", ValueName = "HOST[,HOST]",
        Help = "Hosts that get the registry token (default {default}); any other host gets no Authorization, and plain http gets it only on loopback.",
    };

    /// <summary>The public anonymous token ghcr.io accepts for Homebrew's packages; environment only (a secret stays out of argv).</summary>
    public static readonly TextSetting RegistryToken = new(EnvVars.RegistryToken)
    {
        Default = "QQ==", Help = $"Bearer token for the registry (default {{default}}, ghcr.io's anonymous token); sent only to {EnvVars.RegistryHosts}.",
    };

    // Homebrew's signed API files and brew itself, mirrored with the bottles.
    public static readonly TextSetting MirrorApi = new(EnvVars.MirrorApi)
    {
        Default = "true", Option = "--no-api", FlagValue = "false",
        Help = "Do not mirror Homebrew's signed API files (internal/packages.<tag>.jws.json).",
    };

    public static readonly TextSetting ApiTags = new(EnvVars.ApiTags)
    {
        Option = "--api-tags", ValueName = "TAG[,TAG]", Help = "Also mirror the API file of these host tags (Macs or Linux hosts that are not target tags).",
    };

    public static readonly TextSetting ApiPublicKey = new(EnvVars.ApiPublicKey)
    {
        Option = "--api-public-key", ValueName = "FILE",
        Help = "Homebrew's API signing key (default: brew's own Library/Homebrew/api/homebrew-1.pem, where brew is installed).",
    };

    public static readonly TextSetting ApiPublishWithFailures = new(EnvVars.ApiPublishWithFailures)
    {
        Default = "false", Option = "--api-publish-with-failures", Help = "Publish a tag's API file even when some of its bottles failed.",
    };

    public static readonly TextSetting ApiLegacy = new(EnvVars.ApiLegacy)
    {
        Default = "false", Option = "--api-legacy", Help = "Also mirror formula.jws.json and cask.jws.json for brew before 6.",
    };

    public static readonly TextSetting MirrorPortableRuby = new(EnvVars.MirrorPortableRuby)
    {
        Default = "true", Option = "--no-portable-ruby", FlagValue = "false",
        Help = "Do not mirror brew's portable Ruby (the registry image homebrew/core/portable-ruby, every platform).",
    };

    public static readonly TextSetting BrewGitRemoteUrl = new(EnvVars.BrewGitRemoteUrl)
    {
        Option = "--brew-git", ValueName = "URL", ConfigKey = "brew_git_remote", FromConfig = c => c.BrewGitRemote ?? "",
        Help = "Also keep a mirror of brew's git repository (default branch and tags) under brew.git/, served for HOMEBREW_BREW_GIT_REMOTE; needs git.",
    };

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

    /// <summary>No default: unset, a host has no limit; a deployment gives the worker its timeout less a margin.</summary>
    public static readonly Setting<double> TimeBudgetSeconds = new(EnvVars.TimeBudgetSeconds, 0, null)
    {
        MinExclusive = true, Unit = "s",
        Help = "Stop starting bottles that might not finish within this many seconds (a Lambda worker); unset for no limit.",
    };

    /// <summary>No default: unset, bottles are staged without a limit; a deployment gives the worker its ephemeral storage.</summary>
    public static readonly Setting<int> WorkerStagingLimitMb = new(EnvVars.WorkerStagingLimitMb, 1, null)
    {
        Unit = "MB", ConfigKey = "lambda_sync_ephemeral_storage_mb", FromConfig = c => c.LambdaSyncEphemeralStorageMb,
        Help = "At most this many MB of bottles staged at once (a Lambda worker's /tmp); a bottle waits until it fits, one larger fails. Unset for no limit.",
    };

    // serve --pull-through: fetch what the mirror lacks on demand.
    public static readonly TextSetting ServePullThrough = new(EnvVars.ServePullThrough)
    {
        Default = "false", Option = "--pull-through",
        Help = "On a miss, fetch what the current catalog names for the target tags (--platform) from upstream, verify it, store it as a sync would and serve it; anything else stays a 404, a failed pull is a 502.",
    };

    /// <summary>From the request to the stored bottle, waiting for a slot and for the store's lease included.</summary>
    public static readonly Setting<double> ServePullTimeoutSeconds = new(EnvVars.ServePullTimeoutSeconds, 0, 3600)
    {
        Default = 300, MinExclusive = true, Unit = "s", Option = "--pull-timeout", ValueName = "SECONDS",
        Help = "The most one pull may take, waiting included, {range} (default {default}).",
    };

    public static readonly Setting<int> ServePullConcurrency = new(EnvVars.ServePullConcurrency, 1, 64)
    {
        Default = 4, Option = "--pull-concurrency", ValueName = "N",
        Help = "Pulls under way at once, {range} (default {default}); more wait for a slot.",
    };

    public static readonly Setting<double> ServePullCatalogRefreshSeconds = new(EnvVars.ServePullCatalogRefreshSeconds, 0, 86_400)
    {
        Default = 600, Unit = "s", Option = "--pull-catalog-refresh", ValueName = "SECONDS",
        Help = "How long pull-through uses the catalog it read before reading it again, {range} (default {default}).",
    };

    /// <summary>Every definition in this class, for the tests that each variable has one and --help shows it.</summary>
    public static IReadOnlyList<ISetting> All => typeof(Settings).GetFields()
        .Where(f => f.IsStatic && typeof(ISetting).IsAssignableFrom(f.FieldType))
        .Select(f => (ISetting)f.GetValue(null)!)
        .ToArray();

    /// <summary>What every deployed sync host (orchestrator, worker, ECS task) is given from the config, before each sets its own.</summary>
    public static IReadOnlyList<IDeployedSetting> DeployedToEveryHost { get; } =
        [MaxConcurrentDownloads, RetryAttempts, RetryDelaySeconds, BatchSize, MaxDownloadSizeGb];

    /// <summary>Every setting a stage's config sets: each is checked against its range there.</summary>
    public static IReadOnlyList<IDeployedSetting> Deployed { get; } =
    [
        .. DeployedToEveryHost, EcsDownloadConcurrency, DownloadTimeoutSeconds, WorkerDownloadTimeoutSeconds, ProgressUpdateInterval, PruneKeepDays, SizeThresholdGb,
    ];
}
