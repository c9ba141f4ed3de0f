using System.Text.Json.Serialization;

namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// One stage's deployment settings: <c>config/prod.json</c>, with <c>config/&lt;stage&gt;.json</c> laid over it
/// (the reference's prod.tfvars and dev.tfvars), and for a per-developer stack that file's <c>per_developer</c>
/// object over that. Bound by <see cref="DeploymentConfigLoader"/>, checked by <see cref="DeploymentConfigValidator"/>.
/// </summary>
public sealed record DeploymentConfig
{
    [JsonPropertyName("environment")] public string Environment { get; init; } = "";
    [JsonPropertyName("aws_region")] public string AwsRegion { get; init; } = "";
    [JsonPropertyName("aws_account")] public string AwsAccount { get; init; } = "";
    /// <summary>Two zones, named so synthesis needs no AWS lookup (cdk.context.json pins them for the CLI).</summary>
    [JsonPropertyName("availability_zones")] public IReadOnlyList<string> AvailabilityZones { get; init; } = [];

    [JsonPropertyName("lambda_orchestrator_memory_size")] public int LambdaOrchestratorMemorySize { get; init; }
    [JsonPropertyName("lambda_sync_memory_size")] public int LambdaSyncMemorySize { get; init; }
    [JsonPropertyName("lambda_orchestrator_timeout")] public int LambdaOrchestratorTimeoutSeconds { get; init; }
    [JsonPropertyName("lambda_sync_timeout")] public int LambdaSyncTimeoutSeconds { get; init; }
    /// <summary>The worker's <c>/tmp</c> (ephemeral storage), 512..10,240 MB: the runtime stages bottles within it (<see cref="EnvVars.WorkerStagingLimitMb"/>).</summary>
    [JsonPropertyName("lambda_sync_ephemeral_storage_mb")] public int LambdaSyncEphemeralStorageMb { get; init; } = 10240;
    /// <summary>The worker loop's bound: an execution whose worker has not finished after this many invocations fails, with a message.</summary>
    [JsonPropertyName("max_worker_invocations")] public int MaxWorkerInvocations { get; init; }

    /// <summary>The ECS route: a VPC with one NAT gateway, a cluster and a Fargate task. Without it every plan goes to the Lambda worker.</summary>
    [JsonPropertyName("enable_ecs")] public bool EnableEcs { get; init; } = true;
    [JsonPropertyName("ecs_task_cpu")] public int EcsTaskCpu { get; init; }
    [JsonPropertyName("ecs_task_memory")] public int EcsTaskMemory { get; init; }
    [JsonPropertyName("ecs_ephemeral_storage_size_gb")] public int EcsEphemeralStorageSizeGb { get; init; }
    /// <summary>Run the task on Fargate Spot (up to 70% cheaper); an interrupted task is run again once, on on-demand Fargate, resuming from the hash file.</summary>
    [JsonPropertyName("ecs_enable_fargate_spot")] public bool EcsEnableFargateSpot { get; init; }
    /// <summary>How long one ECS task may run before Step Functions stops it and the run fails (Slack "failed" names the timeout).</summary>
    [JsonPropertyName("ecs_task_timeout_minutes")] public int EcsTaskTimeoutMinutes { get; init; } = 300;

    [JsonPropertyName("s3_bucket_name")] public string S3BucketName { get; init; } = "";
    /// <summary>Appended to the bucket name (bucket names are global): <c>account</c> for the account id, or any other text; empty for none.</summary>
    [JsonPropertyName("s3_bucket_suffix")] public string S3BucketSuffix { get; init; } = "account";
    [JsonPropertyName("enable_s3_versioning")] public bool EnableS3Versioning { get; init; }
    /// <summary>Expiry of what is no longer current (replaced or deleted bottles, old hash files); current bottles never expire, <c>prune</c> removes them.</summary>
    [JsonPropertyName("s3_noncurrent_version_expiration_days")] public int S3NoncurrentVersionExpirationDays { get; init; }
    [JsonPropertyName("s3_archive_transition_days")] public int S3ArchiveTransitionDays { get; init; }
    [JsonPropertyName("plan_retention_days")] public int PlanRetentionDays { get; init; }
    /// <summary>A weekly prune by the orchestrator (what <c>homebrew-sync prune</c> does); off unless set.</summary>
    [JsonPropertyName("prune_enabled")] public bool PruneEnabled { get; init; }
    [JsonPropertyName("prune_keep_days")] public int PruneKeepDays { get; init; } = 30;

    [JsonPropertyName("schedule_expression")] public string ScheduleExpression { get; init; } = "";
    [JsonPropertyName("schedule_enabled")] public bool ScheduleEnabled { get; init; }
    /// <summary>With a schedule, the "mirror is stale" alarm fires when the last successful sync is older than this (or there is none); more than the schedule's longest gap.</summary>
    [JsonPropertyName("max_mirror_age_hours")] public int MaxMirrorAgeHours { get; init; }

    [JsonPropertyName("size_threshold_gb")] public double SizeThresholdGb { get; init; }
    [JsonPropertyName("target_platforms")] public IReadOnlyList<string> TargetPlatforms { get; init; } = [];
    /// <summary>brew's git repository to mirror under <c>brew.git/</c> (BREW_GIT_REMOTE_URL); syncs then run on ECS, which has git. Empty for none.</summary>
    [JsonPropertyName("brew_git_remote")] public string? BrewGitRemote { get; init; }
    [JsonPropertyName("max_concurrent_downloads")] public int MaxConcurrentDownloads { get; init; }
    [JsonPropertyName("download_timeout_seconds")] public int DownloadTimeoutSeconds { get; init; }
    /// <summary>The worker Lambda's per-attempt timeout: every attempt and backoff must fit its time budget.</summary>
    [JsonPropertyName("worker_download_timeout_seconds")] public int WorkerDownloadTimeoutSeconds { get; init; }
    [JsonPropertyName("retry_attempts")] public int RetryAttempts { get; init; }
    [JsonPropertyName("retry_delay_seconds")] public int RetryDelaySeconds { get; init; }
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }
    [JsonPropertyName("progress_update_interval_seconds")] public int ProgressUpdateIntervalSeconds { get; init; }
    [JsonPropertyName("max_download_size_gb")] public int MaxDownloadSizeGb { get; init; }
    [JsonPropertyName("ecs_download_concurrency")] public int EcsDownloadConcurrency { get; init; }

    /// <summary>Homebrew's API signing key (brew's <c>Library/Homebrew/api/homebrew-1.pem</c>), a path from the repository root; empty: API files are not mirrored.</summary>
    [JsonPropertyName("api_public_key_file")] public string ApiPublicKeyFile { get; init; } = "";
    [JsonPropertyName("brew_endpoint")] public BrewEndpointConfig BrewEndpoint { get; init; } = new();

    [JsonPropertyName("slack_channel")] public string SlackChannel { get; init; } = "";
    [JsonPropertyName("slack_username")] public string SlackUsername { get; init; } = "";
    /// <summary>E-mail the alerts topic (alarms, budget); without it, subscribe to the topic yourself.</summary>
    [JsonPropertyName("enable_sns_notifications")] public bool EnableSnsNotifications { get; init; }
    [JsonPropertyName("notification_email_addresses")] public IReadOnlyList<string> NotificationEmailAddresses { get; init; } = [];

    /// <summary>Container Insights on the ECS cluster (the task's CPU and memory, billed as custom metrics), with the ECS alarm and dashboard widget.</summary>
    [JsonPropertyName("enable_detailed_monitoring")] public bool EnableDetailedMonitoring { get; init; }
    [JsonPropertyName("enable_xray_tracing")] public bool EnableXrayTracing { get; init; }
    [JsonPropertyName("log_retention_days")] public int LogRetentionDays { get; init; }
    [JsonPropertyName("lambda_error_rate_threshold")] public double LambdaErrorRateThreshold { get; init; }
    [JsonPropertyName("ecs_cpu_utilization_threshold")] public double EcsCpuUtilizationThreshold { get; init; }
    [JsonPropertyName("monthly_budget_limit")] public double MonthlyBudgetLimit { get; init; }

    [JsonPropertyName("enable_vpc_endpoints")] public bool EnableVpcEndpoints { get; init; }
    [JsonPropertyName("kms_key_id")] public string KmsKeyId { get; init; } = "";

    [JsonPropertyName("tags")] public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>The state machine's execution timeout: every task of a run, planning and notifying included, must fit in it.</summary>
    public static readonly TimeSpan ExecutionTimeout = TimeSpan.FromHours(12);

    /// <summary>
    /// ECS task timeouts one execution must fit: with Fargate Spot an interrupted task is run again on on-demand Fargate, so
    /// two. A task that never started is run again too, on any stage, but its failed start takes minutes, not a timeout.
    /// </summary>
    [JsonIgnore] public int EcsTasksPerExecution => EcsEnableFargateSpot ? 2 : 1;

    /// <summary>Seconds before the worker's Lambda timeout at which it stops starting bottles.</summary>
    public const int WorkerMarginSeconds = 60;

    [JsonIgnore] public int WorkerTimeBudgetSeconds => LambdaSyncTimeoutSeconds - WorkerMarginSeconds;

    /// <summary>Seconds before the orchestrator's Lambda timeout at which planning gives up with an error.</summary>
    public const int OrchestratorMarginSeconds = 30;

    [JsonIgnore] public int OrchestratorTimeBudgetSeconds => LambdaOrchestratorTimeoutSeconds - OrchestratorMarginSeconds;

    /// <summary>Per-attempt timeout of the orchestrator's requests (catalog, sizes): every attempt and backoff must fit its budget.</summary>
    [JsonIgnore]
    public int OrchestratorDownloadTimeoutSeconds
    {
        get
        {
            var waits = 0.0;
            var timing = new RetryTiming(new SyncSettings { RetryAttempts = RetryAttempts, RetryDelay = TimeSpan.FromSeconds(RetryDelaySeconds) });
            for (var i = 0; i < RetryAttempts; i++)
            {
                waits += timing.MaxDelayBefore(i).TotalSeconds;
            }
            return (int)Math.Min(60, Math.Floor((OrchestratorTimeBudgetSeconds - waits) / (RetryAttempts + 1)));
        }
    }

    /// <summary>The worker Lambda's settings, as its environment gives them: for the budget rule.</summary>
    [JsonIgnore]
    public SyncSettings WorkerSyncSettings => new()
    {
        RetryAttempts = RetryAttempts,
        RetryDelay = TimeSpan.FromSeconds(RetryDelaySeconds),
        DownloadTimeout = TimeSpan.FromSeconds(WorkerDownloadTimeoutSeconds),
        TimeBudget = TimeSpan.FromSeconds(WorkerTimeBudgetSeconds),
    };
}

/// <summary>The deployed brew endpoint: a Lambda function URL serving the mirror (bottles as presigned S3 links).</summary>
public sealed record BrewEndpointConfig
{
    [JsonPropertyName("enabled")] public bool Enabled { get; init; }
    /// <summary>Client networks allowed (CIDR); empty for any client on the internet.</summary>
    [JsonPropertyName("allowed_cidrs")] public IReadOnlyList<string> AllowedCidrs { get; init; } = [];

    /// <summary>
    /// Tokens: the stack declares a Secrets Manager secret holding a token file (<c>NAME TOKEN</c> lines) and manifests and
    /// blobs need a token listed there (brew: HOMEBREW_ARTIFACT_DOMAIN with HOMEBREW_DOCKER_REGISTRY_TOKEN).
    /// </summary>
    [JsonPropertyName("auth")] public bool Auth { get; init; }

    /// <summary>
    /// Pull-through: a miss the current catalog names for the target tags is fetched, verified and stored in-process, as
    /// <c>serve --pull-through</c> does, within the function's time limit (<see cref="PullTimeLimitSeconds"/>; a larger bottle
    /// fails with a 502 and brew falls back). Needs <c>auth</c>: only a token holder makes the endpoint write to the mirror.
    /// The function may then write to the bucket. Off unless set.
    /// </summary>
    [JsonPropertyName("pull_through")] public bool PullThrough { get; init; }

    /// <summary>
    /// The most instances of the endpoint at once (its reserved concurrency): a busy fleet cannot take the account's whole
    /// Lambda concurrency, which the worker shares (a throttled worker is retried, a throttled brew request falls back to
    /// ghcr.io). Unset: no reservation. Lambda keeps 100 of an account's concurrency unreserved, so a new account whose quota
    /// is 10 cannot reserve any until the quota is raised.
    /// </summary>
    [JsonPropertyName("max_concurrency")] public int? MaxConcurrency { get; init; }

    /// <summary>The most <see cref="MaxConcurrency"/> may be: the default quota (1,000) less the 100 Lambda keeps unreserved.</summary>
    public const int MaxReservedConcurrency = 900;

    /// <summary>The function's timeout (seconds).</summary>
    public const int TimeoutSeconds = 30;
    /// <summary>Its time budget: the timeout less a margin for the answer.</summary>
    public const int TimeBudgetSeconds = 25;
    /// <summary>One pull's limit, below the budget, so a slow pull still ends with its 502.</summary>
    public const int PullTimeLimitSeconds = 20;
}
