namespace HomebrewSync.Contracts.Deployment;

/// <summary>
/// Every rule a deployable stage must satisfy, checked at once, cross-field rules included. The runtime settings a
/// stage sets are checked against their definitions' ranges (<see cref="Settings.Deployed"/>); the rest is the stage's own.
/// </summary>
public static class DeploymentConfigValidator
{
    private static readonly Dictionary<int, (int Min, int Max)> FargateMemory = new()
    {
        [256] = (512, 2048), [512] = (1024, 4096), [1024] = (2048, 8192), [2048] = (4096, 16384), [4096] = (8192, 30720), [8192] = (16384, 61440), [16384] = (32768, 122880),
    };

    public static IReadOnlyList<string> Validate(DeploymentConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var e = new List<string>();
        Account(c, e);
        Compute(c, e);
        Storage(c, e);
        BrewEndpoint(c, e);
        Sync(c, e);
        Notifications(c, e);
        Monitoring(c, e);
        if (!c.Tags.ContainsKey("Project") || !c.Tags.ContainsKey("Environment")) e.Add("tags: Project and Environment are required");
        e.AddRange(c.Tags.Where(t => t.Value is null).Select(t => $"tags.{t.Key}: null is not a value"));
        return e;
    }

    private static void Range(List<string> e, string name, double value, double min, double max)
    {
        if (value < min || value > max)
        {
            e.Add($"{name}: {value} is outside {min}..{max}");
        }
    }

    private static void Account(DeploymentConfig c, List<string> e)
    {
        if (string.IsNullOrWhiteSpace(c.Environment)) e.Add("environment: required");
        if (string.IsNullOrWhiteSpace(c.AwsRegion)) e.Add("aws_region: required");
        if (c.AwsAccount.Length != 12 || !c.AwsAccount.All(char.IsAsciiDigit)) e.Add($"aws_account: '{c.AwsAccount}' is not a 12-digit account id");
        if (c.AvailabilityZones.Count != 2 || c.AvailabilityZones.Any(z => !z.StartsWith(c.AwsRegion, StringComparison.Ordinal))) e.Add($"availability_zones: two zones of {c.AwsRegion} are required");
    }

    /// <summary>The functions and the task: Lambda's and Fargate's limits, and every task of a run within the execution timeout.</summary>
    private static void Compute(DeploymentConfig c, List<string> e)
    {
        Range(e, "lambda_orchestrator_memory_size", c.LambdaOrchestratorMemorySize, 128, 10240);
        Range(e, "lambda_sync_memory_size", c.LambdaSyncMemorySize, 128, 10240);
        Range(e, "lambda_orchestrator_timeout", c.LambdaOrchestratorTimeoutSeconds, 30, 900);
        Range(e, "lambda_sync_timeout", c.LambdaSyncTimeoutSeconds, DeploymentConfig.WorkerMarginSeconds + 60, 900);
        if (!FargateMemory.TryGetValue(c.EcsTaskCpu, out var mem)) e.Add($"ecs_task_cpu: {c.EcsTaskCpu} is not a Fargate CPU size ({string.Join(", ", FargateMemory.Keys)})");
        else if (c.EcsTaskMemory < mem.Min || c.EcsTaskMemory > mem.Max) e.Add($"ecs_task_memory: {c.EcsTaskMemory} MiB does not go with {c.EcsTaskCpu} CPU units ({mem.Min}..{mem.Max})");
        Range(e, "ecs_ephemeral_storage_size_gb", c.EcsEphemeralStorageSizeGb, 21, 200);
        Range(e, "max_worker_invocations", c.MaxWorkerInvocations, 1, 1000);
        // Each task, and the planning and failure notice around them (an orchestrator timeout each), must end before the execution times out.
        var executionMinutes = DeploymentConfig.ExecutionTimeout.TotalMinutes;
        var aroundTasksMinutes = 2 * Math.Ceiling(c.LambdaOrchestratorTimeoutSeconds / 60.0);
        if (c.EcsTaskTimeoutMinutes < 10 || c.EcsTasksPerExecution * c.EcsTaskTimeoutMinutes + aroundTasksMinutes >= executionMinutes)
        {
            e.Add($"ecs_task_timeout_minutes: {c.EcsTaskTimeoutMinutes} must be at least 10 and {c.EcsTasksPerExecution} task(s) of it{(c.EcsEnableFargateSpot ? " (a Spot task and its on-demand re-run)" : "")} plus planning and the failure notice ({aroundTasksMinutes:0} min) must be below the state machine's execution timeout ({executionMinutes:0} min)");
        }
        // The worker loop too: every allowed invocation, and the one more a finish left to the next gets, each up to the worker's timeout.
        var workerLoopMinutes = (c.MaxWorkerInvocations + 1) * c.LambdaSyncTimeoutSeconds / 60.0;
        if (workerLoopMinutes + aroundTasksMinutes >= executionMinutes)
        {
            e.Add($"max_worker_invocations: {c.MaxWorkerInvocations} invocations (and one more for a finish left to it) of up to lambda_sync_timeout ({c.LambdaSyncTimeoutSeconds} s) "
                + $"plus planning and the failure notice ({aroundTasksMinutes:0} min) must be below the state machine's execution timeout ({executionMinutes:0} min): the execution would be stopped mid-loop");
        }
    }

    private static void Storage(DeploymentConfig c, List<string> e)
    {
        if (!BucketNames.IsValid(c.S3BucketName)) e.Add($"s3_bucket_name: '{c.S3BucketName}' is not an S3 bucket name");
        Range(e, "s3_noncurrent_version_expiration_days", c.S3NoncurrentVersionExpirationDays, 1, 36500);
        Range(e, "s3_archive_transition_days", c.S3ArchiveTransitionDays, 1, 36500);
        Range(e, "plan_retention_days", c.PlanRetentionDays, 1, 3650);
        if (!BucketNames.IsValid(DeploymentNames.BucketName(c, "a-developer-name-xyz")))
        {
            e.Add($"s3_bucket_name, s3_bucket_suffix: '{DeploymentNames.BucketName(c, null)}' leaves no room for a developer's name (S3 allows 63 characters of a-z, 0-9, '.', '-')");
        }
        if (c.ApiPublicKeyFile.Length > 0 && (Path.IsPathRooted(c.ApiPublicKeyFile) || c.ApiPublicKeyFile.Contains("..", StringComparison.Ordinal)))
        {
            e.Add($"api_public_key_file: '{c.ApiPublicKeyFile}' must be a path inside the repository (e.g. config/homebrew-1.pem)");
        }
        if (!string.IsNullOrEmpty(c.BrewGitRemote) && (!Uri.TryCreate(c.BrewGitRemote, UriKind.Absolute, out var git) || git.Scheme != Uri.UriSchemeHttps || git.UserInfo.Length > 0))
        {
            // The config is in the repository: a credential in it would be one.
            e.Add($"brew_git_remote: '{UrlDisplay.Redact(c.BrewGitRemote)}' must be an https URL without credentials (e.g. https://github.com/Homebrew/brew)");
        }
    }

    private static void BrewEndpoint(DeploymentConfig c, List<string> e)
    {
        if (c.BrewEndpoint.Auth && !c.BrewEndpoint.Enabled)
        {
            e.Add("brew_endpoint.auth: tokens are for the brew endpoint; set brew_endpoint.enabled too, or leave auth out");
        }
        if (c.BrewEndpoint.PullThrough && !(c.BrewEndpoint.Enabled && c.BrewEndpoint.Auth))
        {
            e.Add("brew_endpoint.pull_through: a pull writes to the mirror, so only token holders may cause one; set brew_endpoint.enabled and brew_endpoint.auth too");
        }
        if (c.BrewEndpoint.MaxConcurrency is { } most && (!c.BrewEndpoint.Enabled || most is < 1 or > BrewEndpointConfig.MaxReservedConcurrency))
        {
            e.Add($"brew_endpoint.max_concurrency: {most} must be 1..{BrewEndpointConfig.MaxReservedConcurrency} with brew_endpoint.enabled (Lambda keeps 100 of the "
                + "account's concurrency unreserved: check the quota with aws lambda get-account-settings; a new account's 10 allows no reservation)");
        }
        foreach (var cidr in c.BrewEndpoint.AllowedCidrs.Where(a => !System.Net.IPNetwork.TryParse(a, out _)))
        {
            e.Add($"brew_endpoint.allowed_cidrs: '{cidr}' is not a CIDR block (e.g. 203.0.113.0/24)");
        }
    }

    /// <summary>The runtime settings the stage sets (each within its definition's range), and the retry budgets of the worker and the orchestrator.</summary>
    private static void Sync(DeploymentConfig c, List<string> e)
    {
        if (!c.ScheduleExpression.StartsWith("cron(", StringComparison.Ordinal) && !c.ScheduleExpression.StartsWith("rate(", StringComparison.Ordinal)) e.Add($"schedule_expression: '{c.ScheduleExpression}' is not cron(...) or rate(...)");
        if (c.TargetPlatforms.Count == 0 || c.TargetPlatforms.Any(t => !SyncSettingsValidator.IsWellFormedTag(t))) e.Add("target_platforms: one or more bottle tags are required");
        e.AddRange(Settings.Deployed.Select(s => s.CheckConfig(c)).OfType<string>());
        // One bottle that exhausts every attempt and every backoff must still fit the worker's budget.
        var worst = new RetryTiming(c.WorkerSyncSettings).WorstCase.TotalSeconds;
        if (worst > c.WorkerTimeBudgetSeconds)
        {
            e.Add($"retry_attempts x worker_download_timeout_seconds + backoff: {c.RetryAttempts + 1} attempts of {c.WorkerDownloadTimeoutSeconds} s and their waits ({worst:0} s) exceed the worker's budget of {c.WorkerTimeBudgetSeconds} s (lambda_sync_timeout less {DeploymentConfig.WorkerMarginSeconds} s)");
        }
        if (c.OrchestratorDownloadTimeoutSeconds < 5)
        {
            e.Add($"lambda_orchestrator_timeout: {c.LambdaOrchestratorTimeoutSeconds} s leaves the orchestrator's requests {c.OrchestratorDownloadTimeoutSeconds} s per attempt after {c.RetryAttempts} retries with retry_delay_seconds {c.RetryDelaySeconds}; raise the timeout or lower the retries");
        }
    }

    private static void Notifications(DeploymentConfig c, List<string> e)
    {
        if (c.EnableSnsNotifications && c.NotificationEmailAddresses.Count == 0) e.Add("notification_email_addresses: required when enable_sns_notifications (or set it false and subscribe to the alerts topic yourself)");
        if (c.NotificationEmailAddresses.Any(a => !a.Contains('@', StringComparison.Ordinal))) e.Add("notification_email_addresses: not all are e-mail addresses");
        foreach (var placeholder in c.NotificationEmailAddresses.Where(a => a.EndsWith("@company.com", StringComparison.OrdinalIgnoreCase) || a.EndsWith("@example.com", StringComparison.OrdinalIgnoreCase)))
        {
            e.Add($"notification_email_addresses: '{placeholder}' is the reference's placeholder; name a mailbox that someone reads");
        }
    }

    private static void Monitoring(DeploymentConfig c, List<string> e)
    {
        // The stale-mirror alarm exists only with a schedule, so only then must it outlast the schedule's gaps.
        if (c.ScheduleEnabled
            && ScheduleExpression.LongestGap(c.ScheduleExpression, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromDays(60)) is { } gap
            && c.MaxMirrorAgeHours <= gap.TotalHours)
        {
            e.Add($"max_mirror_age_hours: {c.MaxMirrorAgeHours} h is not more than the schedule's longest gap ({gap.TotalHours:0} h): the stale-mirror alarm would fire before each run");
        }
        Range(e, "log_retention_days", c.LogRetentionDays, 1, 3653);
        Range(e, "lambda_error_rate_threshold", c.LambdaErrorRateThreshold, 0.1, 100);
        Range(e, "ecs_cpu_utilization_threshold", c.EcsCpuUtilizationThreshold, 1, 100);
        Range(e, "monthly_budget_limit", c.MonthlyBudgetLimit, 1, 1_000_000);
    }
}
