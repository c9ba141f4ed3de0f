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
        Help = "Downloads at once, {range} (default {default}); size requests run at twice that, at most 64. A bottle's slot is free again once its bytes are verified: up to N/4 more bottles (rounded down) are moved into place and recorded beside the downloads.",
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

    /// <summary>Homebrew's formula.json is about 30 MB; serve --pull-through holds what it needs of every formula, the plan every planned one.</summary>
    public static readonly Setting<int> MaxCatalogMb = new(EnvVars.MaxCatalogMb, 1, 4096)
    {
        Default = 128, Unit = "MiB", Option = "--max-catalog-mb", ValueName = "N",
        Help = "Largest catalog (formula.json) read, {range} MiB (default {default}); a larger one is refused whole, nothing planned or pruned from it.",
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

    /// <summary>brew's repository is about 100 MB packed; a remote that sends more than this is stopped, whatever it claims.</summary>
    public static readonly Setting<int> MaxBrewGitMb = new(EnvVars.MaxBrewGitMb, 1, 65_536)
    {
        Default = 1024, Unit = "MiB", Option = "--max-brew-git-mb", ValueName = "N",
        Help = "Largest brew.git cache (what git fetched), {range} MiB (default {default}); git is stopped past it, the cache cleared, brew.git not published.",
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

    /// <summary>serve only (Kestrel): what bounds the sockets and memory a flood of clients can hold; the deployed endpoint has Lambda's.</summary>
    public static readonly Setting<int> ServeMaxConnections = new(EnvVars.ServeMaxConnections, 1, 1_000_000)
    {
        Default = 10_000, Option = "--max-connections", ValueName = "N",
        Help = "Client connections open at once, {range} (default {default}); past it a new connection is closed as it arrives, counted in /metrics and warned of in the log.",
    };

    /// <summary>No default: unset, a host has no limit; a deployment gives the worker its timeout less a margin.</summary>
    public static readonly Setting<double> TimeBudgetSeconds = new(EnvVars.TimeBudgetSeconds, 0, null)
    {
        MinExclusive = true, Unit = "s",
        Help = "Stop starting bottles that might not finish within this many seconds (a Lambda worker); unset for no limit.",
    };

    /// <summary>
    /// No default: unset, bottles are staged without a limit. A deployment gives the worker its ephemeral storage, which
    /// must be within Lambda's 512..10,240 MB.
    /// </summary>
    public static readonly Setting<int> WorkerStagingLimitMb = new(EnvVars.WorkerStagingLimitMb, 1, null)
    {
        Unit = "MB", ConfigKey = "lambda_sync_ephemeral_storage_mb", FromConfig = c => c.LambdaSyncEphemeralStorageMb, ConfigMin = 512, ConfigMax = 10_240,
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

    // The store, where a run reports, and serve: text and flags, each with its option (or none: environment only).
    /// <summary>The command line's default; the deployed hosts are given <see cref="S3BucketName"/>.</summary>
    public static readonly TextSetting Store = new(EnvVars.Store) { Default = "./mirror", Option = "--store", ValueName = "DIR|s3://BUCKET[/PREFIX]", Help = "Mirror: a folder, or an S3 bucket and prefix (default {default})." };

    public static readonly TextSetting S3BucketName = new(EnvVars.S3BucketName) { Help = $"Another name for {EnvVars.Store}=s3://BUCKET (the deployed hosts are given it); with both set, they must agree." };

    public static readonly TextSetting AwsEndpointUrlS3 = new(EnvVars.AwsEndpointUrlS3) { Option = "--s3-endpoint", ValueName = "URL", Help = $"S3 endpoint for S3-compatible servers; path-style addressing (also read from {EnvVars.AwsEndpointUrl})." };

    public static readonly TextSetting S3ServerSideEncryption = new(EnvVars.S3ServerSideEncryption) { Default = "AES256", Option = "--sse", ValueName = "AES256|aws:kms", Help = "Server-side encryption of S3 objects (default {default})." };

    public static readonly TextSetting KmsKeyId = new(EnvVars.KmsKeyId) { Option = "--kms-key-id", ValueName = "KEY", Help = "KMS key for --sse aws:kms (default: the bucket's AWS-managed key)." };

    /// <summary>No fixed default: this user's folder in the system's temporary folder (see <see cref="SyncSettings.DefaultTempDir"/>).</summary>
    public static readonly TextSetting TempDir = new(EnvVars.TempDir) { Help = "Where downloads for an S3 store are staged and verified, and the brew.git cache kept; this user's alone (default: homebrew-sync-<user> in the temporary folder; also TEMP_STORAGE_PATH, EFS_MOUNT_PATH)." };

    public static readonly TextSetting FormulaNames = new(EnvVars.FormulaNames) { Option = "--formula", ValueName = "NAME[,NAME]", Help = "Only these formulae (default: all with bottles)." };

    public static readonly TextSetting ForceDownload = new(EnvVars.ForceDownload) { Default = "false", Option = "--force", Help = "Download even bottles the hash file already has with the same sha256." };

    public static readonly TextSetting ForceRebuildHash = new(EnvVars.ForceRebuildHash) { Default = "false", Option = "--rebuild-hash", Help = "Rebuild the hash file from the S3 objects' metadata first (the old one is kept as bottles_hash.json.backup-<time>)." };

    public static readonly TextSetting SyncDate = new(EnvVars.SyncDate) { Option = "--date", ValueName = "YYYY-MM-DD", Help = "Folder date for new bottles (default: today, UTC)." };

    /// <summary>Environment only: the webhook is a secret, and an argument is shown by <c>ps</c> to every user of the machine.</summary>
    public static readonly TextSetting SlackWebhookUrl = new(EnvVars.SlackWebhookUrl) { Help = $"Slack incoming webhook for the run's messages: https, or plain http to a loopback address (or the secret named by {EnvVars.SlackWebhookSecretName})." };

    public static readonly TextSetting SlackWebhookSecretName = new(EnvVars.SlackWebhookSecretName) { Help = "Secrets Manager secret holding the Slack webhook URL (read through SSM; a URL or JSON with \"url\")." };

    /// <summary>Shown on <see cref="SlackChannel"/>'s line.</summary>
    public static readonly TextSetting SlackUsername = new(EnvVars.SlackUsername);

    public static readonly TextSetting SlackChannel = new(EnvVars.SlackChannel) { Help = "Channel and user name to post as (legacy webhooks)." };

    public static readonly TextSetting Environment = new(EnvVars.Environment) { Default = "local", Option = "--environment", ValueName = "NAME", Help = "Environment named in messages and metrics (default {default})." };

    public static readonly TextSetting ScheduleExpression = new(EnvVars.ScheduleExpression) { Default = "cron(0 3 ? * SUN *)", Help = $"Schedule named as \"Next sync\" in messages (default {{default}}; {NotificationSettings.NoSchedule} for none)." };

    /// <summary>Shown on <see cref="SyncMethod"/>'s line.</summary>
    public static readonly TextSetting SyncTrigger = new(EnvVars.SyncTrigger) { Default = "Manual" };

    public static readonly TextSetting SyncMethod = new(EnvVars.SyncMethod) { Default = "Local", Help = $"\"Sync Method\" and \"Trigger\" in messages (default {{default}}, {SyncTrigger.Default}); the method, lower-cased, is also the metrics' SyncType." };

    public static readonly TextSetting EmitMetrics = new(EnvVars.EmitMetrics) { Default = "false", Option = "--metrics", Help = "Write the run's CloudWatch metrics (one Embedded Metric Format line) to standard error." };

    public static readonly TextSetting ServeListenUrl = new(EnvVars.ServeListenUrl) { Default = "http://127.0.0.1:8080", Option = "--listen", ValueName = "URL", Help = "Where serve listens (default {default}; port 0 picks a free one)." };

    public static readonly TextSetting MirrorUrl = new(EnvVars.MirrorUrl) { Option = "--mirror-url", ValueName = "URL", Help = "Where clients reach the mirror (a DNS name, a proxy in front): serve prints it in the export lines, sync names it in Slack's \"complete\"." };

    public static readonly TextSetting ServeAllowedCidrs = new(EnvVars.ServeAllowedCidrs) { Option = "--allow", ValueName = "CIDR[,CIDR]", Help = "Only these clients may use serve, its /metrics included (default: any)." };

    public static readonly TextSetting ServeTokenFile = new(EnvVars.ServeTokenFile) { Option = "--token-file", ValueName = "FILE", Help = "Lines NAME TOKEN: image indexes and blobs then need a listed token (brew: HOMEBREW_ARTIFACT_DOMAIN with HOMEBREW_DOCKER_REGISTRY_TOKEN); re-read when it changes." };

    public static readonly TextSetting ServeTokenSecretName = new(EnvVars.ServeTokenSecretName) { Help = $"serve: a Secrets Manager secret holding the token file instead of {EnvVars.ServeTokenFile} (read through SSM)." };

    public static readonly TextSetting ServeProxy = new(EnvVars.ServeProxy) { Default = "false", Option = "--proxy", Help = "Send S3 bottles through serve instead of redirecting to short-lived presigned links." };

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
        WorkerStagingLimitMb,
    ];
}
