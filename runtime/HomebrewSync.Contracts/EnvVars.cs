namespace HomebrewSync.Contracts;

/// <summary>
/// The one place that names the environment variables: the runtime reads them, the infrastructure sets
/// them (only these canonical names), and <see cref="Aliases"/> maps the reference's other names onto them.
/// </summary>
public static class EnvVars
{
    // What to mirror and how.
    public const string TargetPlatforms = "TARGET_PLATFORMS";
    public const string MaxConcurrentDownloads = "MAX_CONCURRENT_DOWNLOADS";
    public const string RetryAttempts = "RETRY_ATTEMPTS";
    public const string RetryDelaySeconds = "RETRY_DELAY_SECONDS";
    public const string DownloadTimeoutSeconds = "DOWNLOAD_TIMEOUT_SECONDS";
    public const string TempDir = "TEMP_DIR";
    public const string BatchSize = "BATCH_SIZE";
    public const string HomebrewApiUrl = "HOMEBREW_API_URL";
    public const string RegistryToken = "HOMEBREW_REGISTRY_TOKEN";

    /// <summary>Host names the registry token may be sent to (comma-separated, default ghcr.io); any other host gets no Authorization.</summary>
    public const string RegistryHosts = "HOMEBREW_REGISTRY_HOSTS";

    // Bounds on what upstream sends: one response never takes the machine.
    /// <summary>Largest catalog (formula.json) read, in MiB (default 128); a larger one is refused whole.</summary>
    public const string MaxCatalogMb = "MAX_CATALOG_MB";

    /// <summary>Largest image index read, in MiB (default 4); a larger one is not kept.</summary>
    public const string MaxImageIndexMb = "MAX_IMAGE_INDEX_MB";

    /// <summary>Largest Homebrew API file read, in MiB (default 128).</summary>
    public const string MaxApiFileMb = "MAX_API_FILE_MB";

    /// <summary>Largest brew.git cache (what git fetched from BREW_GIT_REMOTE_URL), in MiB (default 1024).</summary>
    public const string MaxBrewGitMb = "MAX_BREW_GIT_MB";

    /// <summary>Largest bottle body read when neither the index nor Content-Length announces its size, in GB (default 10).</summary>
    public const string MaxBottleSizeGb = "MAX_BOTTLE_SIZE_GB";
    public const string Store = "HOMEBREW_SYNC_STORE";
    public const string FormulaNames = "FORMULA_NAMES";
    public const string ForceDownload = "FORCE_DOWNLOAD";
    public const string IncludeDisabled = "INCLUDE_DISABLED";
    public const string SyncDate = "SYNC_DATE";

    /// <summary>prune: keep superseded bottles downloaded within this many days (default 30).</summary>
    public const string PruneKeepDays = "PRUNE_KEEP_DAYS";
    public const string ForceRebuildHash = "FORCE_REBUILD_HASH";
    public const string MaxDownloadSizeGb = "MAX_DOWNLOAD_SIZE_GB";

    // Homebrew's signed API files, mirrored with the bottles.
    public const string MirrorApi = "MIRROR_API";
    public const string ApiTags = "API_TAGS";
    public const string ApiPublicKey = "API_PUBLIC_KEY";
    public const string ApiPublishWithFailures = "API_PUBLISH_WITH_FAILURES";
    public const string ApiLegacy = "API_LEGACY";

    // Homebrew itself for offline Macs: its portable Ruby (on by default) and its own git repository (opt-in).
    public const string MirrorPortableRuby = "MIRROR_PORTABLE_RUBY";

    /// <summary>brew's git repository to keep a dumb-HTTP mirror of under <c>brew.git/</c> (any URL git can fetch); unset for none.</summary>
    public const string BrewGitRemoteUrl = "BREW_GIT_REMOTE_URL";

    /// <summary>Seconds a host may spend on one invocation (a Lambda function: its timeout less a margin); unset for no limit.</summary>
    public const string TimeBudgetSeconds = "TIME_BUDGET_SECONDS";

    /// <summary>How long a command's lease on the store lasts without renewal (default 120 s): after a crash, others wait at most this long.</summary>
    public const string StoreLeaseSeconds = "STORE_LEASE_SECONDS";

    /// <summary>The worker's <c>/tmp</c> in MB (its ephemeral storage, lambda_sync_ephemeral_storage_mb): what it may stage at once; unset for no limit.</summary>
    public const string WorkerStagingLimitMb = "WORKER_STAGING_LIMIT_MB";

    // The S3 store: the endpoint variables are the AWS SDKs' standard ones; AWS_REGION is set by Lambda and ECS.
    public const string S3BucketName = "S3_BUCKET_NAME";
    public const string AwsEndpointUrlS3 = "AWS_ENDPOINT_URL_S3";
    public const string AwsEndpointUrl = "AWS_ENDPOINT_URL";
    public const string AwsEndpointUrlSsm = "AWS_ENDPOINT_URL_SSM";
    public const string AwsRegion = "AWS_REGION";
    public const string S3ServerSideEncryption = "S3_SSE";
    public const string KmsKeyId = "KMS_KEY_ID";

    // Notifications and metrics.
    public const string Environment = "ENVIRONMENT";
    public const string SlackWebhookUrl = "SLACK_WEBHOOK_URL";
    public const string SlackWebhookSecretName = "SLACK_WEBHOOK_SECRET_NAME";
    public const string SlackChannel = "SLACK_CHANNEL";
    public const string SlackUsername = "SLACK_USERNAME";
    public const string SlackMaxWaitSeconds = "SLACK_MAX_WAIT_SECONDS";
    public const string ScheduleExpression = "SCHEDULE_EXPRESSION";
    public const string SyncMethod = "SYNC_METHOD";
    public const string SyncTrigger = "SYNC_TRIGGER";
    public const string OrchestratorFunctionName = "ORCHESTRATOR_FUNCTION_NAME";
    public const string EmitMetrics = "EMIT_METRICS";
    public const string ProgressUpdateInterval = "PROGRESS_UPDATE_INTERVAL";
    public const string SizeThresholdGb = "SIZE_THRESHOLD_GB";
    public const string EcsClusterName = "ECS_CLUSTER_NAME";

    /// <summary>Where brew reaches the mirror (the deployed function URL, a serve behind a proxy): named in "complete".</summary>
    public const string MirrorUrl = "MIRROR_URL";

    // The brew endpoint (homebrew-sync serve, the deployed function URL).
    public const string ServeListenUrl = "SERVE_LISTEN_URL";
    public const string ServeAllowedCidrs = "SERVE_ALLOWED_CIDRS";
    public const string ServeProxy = "SERVE_PROXY";
    public const string ServeRefreshSeconds = "SERVE_REFRESH_SECONDS";

    /// <summary>serve: connections open at once; past it Kestrel closes a new connection as it arrives.</summary>
    public const string ServeMaxConnections = "SERVE_MAX_CONNECTIONS";

    /// <summary>A token file (<c>NAME TOKEN</c> lines): with one, image indexes and blobs need a listed token.</summary>
    public const string ServeTokenFile = "SERVE_TOKEN_FILE";

    /// <summary>A Secrets Manager secret holding the token file (read through SSM): what the deployed endpoint is given.</summary>
    public const string ServeTokenSecretName = "SERVE_TOKEN_SECRET_NAME";

    /// <summary>Pull a bottle or image index the mirror lacks from upstream, when the current catalog names it for the target tags.</summary>
    public const string ServePullThrough = "SERVE_PULL_THROUGH";

    /// <summary>The most one pull may take, in seconds (default 300).</summary>
    public const string ServePullTimeoutSeconds = "SERVE_PULL_TIMEOUT_SECONDS";

    /// <summary>Pulls under way at once (default 4).</summary>
    public const string ServePullConcurrency = "SERVE_PULL_CONCURRENCY";

    /// <summary>How long the catalog read for pulls is used before it is read again, in seconds (default 600).</summary>
    public const string ServePullCatalogRefreshSeconds = "SERVE_PULL_CATALOG_REFRESH_SECONDS";

    /// <summary>
    /// Every other name a setting is read under, in one place: the reference's ECS task environment names, and
    /// <see cref="S3BucketName"/> (what the deployed hosts are given) for <see cref="Store"/> <c>s3://BUCKET</c>.
    /// A value set under two of its names must agree; <see cref="SettingsReader"/> reports it when it does not.
    /// </summary>
    public static readonly IReadOnlyList<EnvVarAlias> Aliases =
    [
        new("DOWNLOAD_CONCURRENCY", MaxConcurrentDownloads),
        new("TEMP_STORAGE_PATH", TempDir),
        new("EFS_MOUNT_PATH", TempDir),
        new(S3BucketName, Store, bucket => $"s3://{bucket}"),
    ];

    /// <summary>Every canonical name, for the contract test between infrastructure and runtime.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(EnvVars).GetFields()
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();
}
