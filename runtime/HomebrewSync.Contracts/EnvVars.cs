namespace HomebrewSync.Contracts;

/// <summary>
/// The one place that names the environment variables of the reference; the runtime reads them,
/// the infrastructure sets them.
/// </summary>
public static class EnvVars
{
    public const string TargetPlatforms = "TARGET_PLATFORMS";
    public const string MaxConcurrentDownloads = "MAX_CONCURRENT_DOWNLOADS";
    public const string RetryAttempts = "RETRY_ATTEMPTS";
    public const string RetryDelaySeconds = "RETRY_DELAY_SECONDS";
    public const string DownloadTimeoutSeconds = "DOWNLOAD_TIMEOUT_SECONDS";
    public const string TempDir = "TEMP_DIR";
    public const string BatchSize = "BATCH_SIZE";
    public const string HomebrewApiUrl = "HOMEBREW_API_URL";
    public const string RegistryToken = "HOMEBREW_REGISTRY_TOKEN";
    public const string Store = "HOMEBREW_SYNC_STORE";
    public const string FormulaNames = "FORMULA_NAMES";
    public const string ForceDownload = "FORCE_DOWNLOAD";
    public const string IncludeDisabled = "INCLUDE_DISABLED";
    public const string SyncDate = "SYNC_DATE";
    public const string ForceRebuildHash = "FORCE_REBUILD_HASH";

    // S3 store: the endpoint variables are the AWS SDKs' standard ones.
    public const string AwsEndpointUrlS3 = "AWS_ENDPOINT_URL_S3";
    public const string AwsEndpointUrl = "AWS_ENDPOINT_URL";
    public const string AwsEndpointUrlSsm = "AWS_ENDPOINT_URL_SSM";
    public const string S3ServerSideEncryption = "S3_SSE";
    public const string KmsKeyId = "KMS_KEY_ID";

    // Notifications and metrics.
    public const string Environment = "ENVIRONMENT";
    public const string SlackWebhookUrl = "SLACK_WEBHOOK_URL";
    public const string SlackChannel = "SLACK_CHANNEL";
    public const string SlackUsername = "SLACK_USERNAME";
    public const string SlackMaxWaitSeconds = "SLACK_MAX_WAIT_SECONDS";
    public const string ScheduleExpression = "SCHEDULE_EXPRESSION";
    public const string SyncMethod = "SYNC_METHOD";
    public const string SyncTrigger = "SYNC_TRIGGER";
    public const string OrchestratorFunctionName = "ORCHESTRATOR_FUNCTION_NAME";
    public const string EmitMetrics = "EMIT_METRICS";

    // Read by the deployed hosts (Lambda, ECS); named here so infra and runtime share them.
    public const string S3BucketName = "S3_BUCKET_NAME";
    public const string SlackWebhookSecretName = "SLACK_WEBHOOK_SECRET_NAME";
    public const string SizeThresholdGb = "SIZE_THRESHOLD_GB";
    public const string AwsRegion = "AWS_REGION";
    public const string LogLevel = "LOG_LEVEL";
    public const string DownloadConcurrency = "DOWNLOAD_CONCURRENCY";
    public const string TempStoragePath = "TEMP_STORAGE_PATH";
    public const string EfsMountPath = "EFS_MOUNT_PATH";
    public const string ProgressUpdateInterval = "PROGRESS_UPDATE_INTERVAL";
    public const string MaxDownloadSizeGb = "MAX_DOWNLOAD_SIZE_GB";
    public const string EcsClusterName = "ECS_CLUSTER_NAME";
    public const string EcsTaskDefinition = "ECS_TASK_DEFINITION";
    public const string LambdaSyncFunction = "LAMBDA_SYNC_FUNCTION";
    public const string EcsSubnets = "ECS_SUBNETS";
    public const string EcsSecurityGroups = "ECS_SECURITY_GROUPS";

    /// <summary>Seconds a worker Lambda may spend on one invocation (set by the infra from its timeout, less a margin).</summary>
    public const string WorkerTimeBudgetSeconds = "WORKER_TIME_BUDGET_SECONDS";
}
