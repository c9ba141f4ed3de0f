using System.Globalization;
using System.Text.Json.Nodes;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Contracts.Tests;

public sealed class DeploymentConfigTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hbs-deploy-" + Guid.NewGuid().ToString("N"));

    public DeploymentConfigTests()
    {
        Directory.CreateDirectory(_dir);
        foreach (var stage in new[] { "prod", "dev" })
        {
            File.Copy(Path.Combine(HomebrewSync.TestSupport.RepositoryPaths.Root(), "config", stage + ".json"), Path.Combine(_dir, stage + ".json"));
        }
    }

    public void Dispose() => Directory.Delete(_dir, true);

    private void Edit(string stage, Action<JsonObject> edit)
    {
        var path = Path.Combine(_dir, stage + ".json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void Load_ProdAndDev_DevOverridesOnlyWhatItNames()
    {
        var prod = DeploymentConfigLoader.Load(_dir, "prod");
        var dev = DeploymentConfigLoader.Load(_dir, "dev");

        Assert.Equal((1024, 3008, 300, 900), (prod.LambdaOrchestratorMemorySize, prod.LambdaSyncMemorySize, prod.LambdaOrchestratorTimeoutSeconds, prod.LambdaSyncTimeoutSeconds));
        Assert.Equal((512, 1024, 900), (dev.LambdaOrchestratorMemorySize, dev.LambdaSyncMemorySize, dev.LambdaSyncTimeoutSeconds));
        Assert.Equal(prod.TargetPlatforms, dev.TargetPlatforms);
        Assert.Equal(prod.RetryAttempts, dev.RetryAttempts);
        Assert.Equal("cron(0 */6 * * ? *)", dev.ScheduleExpression);
        Assert.Equal(5, dev.SizeThresholdGb);
        Assert.True(dev.EnableEcs && dev.ScheduleEnabled);
        Assert.Equal("enabled", dev.Tags["AutoShutdown"]);
        Assert.False(dev.Tags.ContainsKey("CostCenter"));
    }

    [Fact]
    public void Load_PerDeveloper_LaysItsOwnBlockOverDev()
    {
        var dev = DeploymentConfigLoader.Load(_dir, "dev");
        var alice = DeploymentConfigLoader.Load(_dir, "dev", "alice");

        Assert.False(alice.ScheduleEnabled);
        var aliceNames = new DeploymentNames("dev", "alice", alice);
        Assert.Equal(NotificationSettings.NoSchedule, RuntimeEnvironment.Orchestrator(alice, aliceNames, new RuntimeInputs(null, null))[EnvVars.ScheduleExpression]);
        Assert.Null(ScheduleExpression.Next(NotificationSettings.NoSchedule, DateTimeOffset.UnixEpoch));
        Assert.False(alice.EnableEcs);
        Assert.False(alice.BrewEndpoint.Enabled);
        Assert.Equal(20, alice.MonthlyBudgetLimit);
        Assert.Equal(dev.LambdaSyncMemorySize, alice.LambdaSyncMemorySize);
        Assert.Equal("homebrew-bottles-dev-123456789012-alice", new DeploymentNames("dev", "alice", alice).Bucket);
    }

    [Fact]
    public void Load_PlaceholderMailbox_StaleAlarmShorterThanTheSchedule_AndAnOverlongBucketName_AreErrors()
    {
        Edit("prod", j =>
        {
            j["enable_sns_notifications"] = true;
            j["notification_email_addresses"] = new JsonArray("alerts@company.com");
            j["max_mirror_age_hours"] = 100;
            j["s3_bucket_name"] = "homebrew-bottles-for-the-platform-team-of-a-large-company";
        });

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "prod"));

        Assert.Contains(ex.Errors, e => e.StartsWith("notification_email_addresses: 'alerts@company.com' is the reference's placeholder", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("max_mirror_age_hours: 100 h is not more than the schedule's longest gap (168 h)", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("s3_bucket_name, s3_bucket_suffix:", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SeveralBadValues_ListsEveryError()
    {
        Edit("dev", j =>
        {
            j["ecs_task_cpu"] = 1024;
            j["ecs_task_memory"] = 512;
            j["lambda_sync_timeout"] = 300;
            j["s3_bucket_name"] = "Bottles_Dev";
            j["schedule_expression"] = "every sunday";
        });

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        Assert.Contains(ex.Errors, e => e.StartsWith("ecs_task_memory: 512 MiB does not go with 1024", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("retry_attempts x worker_download_timeout_seconds", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("s3_bucket_name", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("schedule_expression", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("aws_account")]
    [InlineData("tags")]
    [InlineData("brew_endpoint")]
    [InlineData("target_platforms")]
    public void Load_NullForASettingThatCannotBeNull_IsAnErrorNamingIt(string key)
    {
        Edit("dev", j => j[key] = null);

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("config/dev.json (over prod.json): ", error, StringComparison.Ordinal);
        Assert.Contains("null", error, StringComparison.Ordinal);
        Assert.Contains($"$.{key}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("target_platforms", "target_platforms[1]: null is not a value")]
    [InlineData("availability_zones", "availability_zones[1]: null is not a value")]
    [InlineData("notification_email_addresses", "notification_email_addresses[1]: null is not a value")]
    public void Load_NullInsideAList_IsAnErrorNamingWhere(string key, string error)
    {
        Edit("dev", j => j[key] = new JsonArray("first", null));

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        Assert.Contains(error, ex.Errors);
    }

    [Fact]
    public void Load_TagWithANullValue_IsAnErrorNamingIt()
    {
        Edit("dev", j => j["tags"] = new JsonObject { ["Project"] = "homebrew-sync", ["Environment"] = "dev", ["Owner"] = null });

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        Assert.Contains("tags.Owner: null is not a value", ex.Errors);
    }

    [Fact]
    public void Load_UnknownSetting_IsAnErrorNotIgnored()
    {
        Edit("dev", j => j["lamda_sync_memory_size"] = 2048);

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        Assert.Contains("lamda_sync_memory_size", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuntimeEnvironment_IsWhatTheRuntimeBindsWithoutErrors()
    {
        var config = DeploymentConfigLoader.Load(_dir, "prod");
        var names = new DeploymentNames("prod", null, config);

        var inputs = new RuntimeInputs(null, "https://abc.lambda-url.us-east-1.on.aws/");
        foreach (var env in new[] { RuntimeEnvironment.Orchestrator(config, names, inputs), RuntimeEnvironment.Worker(config, names, inputs), RuntimeEnvironment.EcsTask(config, names, inputs) })
        {
            var reader = new SettingsReader(env.ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
            var settings = SyncSettingsReader.Read(reader);
            var notifications = NotificationSettings.Read(reader);
            Assert.Empty(reader.Errors.Concat(SyncSettingsValidator.Validate(settings)));
            Assert.Equal(["arm64_tahoe", "arm64_sequoia", "arm64_sonoma"], settings.TargetPlatforms);
            Assert.Equal("prod", notifications.Environment);
        }
        var worker = SyncSettingsReader.Read(RuntimeEnvironment.Worker(config, names, inputs).ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
        Assert.Equal(TimeSpan.FromSeconds(840), worker.TimeBudget);
        var ecs = SyncSettingsReader.Read(RuntimeEnvironment.EcsTask(config, names, inputs).ToDictionary(kv => kv.Key, kv => (string?)kv.Value));
        Assert.Equal(5, ecs.MaxConcurrentDownloads);
        Assert.Equal("/tmp/bottles", ecs.TempDir);
    }

    [Fact]
    public void Load_EcsTaskTimeoutAndWorkerStorage_DefaultsFitTheExecution_AndEveryStageAgrees()
    {
        var prod = DeploymentConfigLoader.Load(_dir, "prod");
        var dev = DeploymentConfigLoader.Load(_dir, "dev");

        Assert.Equal((300, 10240), (prod.EcsTaskTimeoutMinutes, prod.LambdaSyncEphemeralStorageMb));
        Assert.Equal((1, 2), (prod.EcsTasksPerExecution, dev.EcsTasksPerExecution));
        // Dev runs on Spot: a task and its on-demand re-run both fit the 12-hour execution.
        Assert.True(dev.EcsTasksPerExecution * dev.EcsTaskTimeoutMinutes < DeploymentConfig.ExecutionTimeout.TotalMinutes);
        // No open brew endpoint in dev (no allowed_cidrs there), nor in a per-developer stack.
        Assert.False(dev.BrewEndpoint.Enabled);
        Assert.False(DeploymentConfigLoader.Load(_dir, "dev", "alice").BrewEndpoint.Enabled);
    }

    [Fact]
    public void Load_ProdTurnsTokensOn_TheEndpointIsGivenTheSecret_AndAuthWithoutTheEndpointIsAnError()
    {
        var prod = DeploymentConfigLoader.Load(_dir, "prod");
        var names = new DeploymentNames("prod", null, prod);

        Assert.True(prod.BrewEndpoint.Auth);
        Assert.Equal(names.BrewTokenSecret, RuntimeEnvironment.BrewEndpoint(prod, names)[EnvVars.ServeTokenSecretName]);
        Edit("dev", j => j["brew_endpoint"] = new JsonObject { ["enabled"] = false, ["auth"] = true });
        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));
        Assert.Contains(ex.Errors, e => e.StartsWith("brew_endpoint.auth: tokens are for the brew endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void PullThroughOnTheEndpoint_IsOffByDefault_NeedsTokens_AndGivesTheFunctionWhatAPullNeeds()
    {
        var prod = DeploymentConfigLoader.Load(_dir, "prod");
        var names = new DeploymentNames("prod", null, prod);
        Assert.False(prod.BrewEndpoint.PullThrough);
        Assert.False(RuntimeEnvironment.BrewEndpoint(prod, names).ContainsKey(EnvVars.ServePullThrough));

        var pulling = RuntimeEnvironment.BrewEndpoint(prod with { BrewEndpoint = prod.BrewEndpoint with { PullThrough = true } }, names);
        Assert.Equal("true", pulling[EnvVars.ServePullThrough]);
        Assert.True(int.Parse(pulling[EnvVars.ServePullTimeoutSeconds], CultureInfo.InvariantCulture) < int.Parse(pulling[EnvVars.TimeBudgetSeconds], CultureInfo.InvariantCulture));
        Assert.True(int.Parse(pulling[EnvVars.TimeBudgetSeconds], CultureInfo.InvariantCulture) < BrewEndpointConfig.TimeoutSeconds);
        Assert.Equal(string.Join(',', prod.TargetPlatforms), pulling[EnvVars.TargetPlatforms]);
        Assert.Equal(prod.RetryAttempts.ToString(CultureInfo.InvariantCulture), pulling[EnvVars.RetryAttempts]);

        Edit("dev", j => j["brew_endpoint"] = new JsonObject { ["enabled"] = true, ["allowed_cidrs"] = new JsonArray("203.0.113.0/24"), ["pull_through"] = true });
        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));
        Assert.Contains(ex.Errors, e => e.StartsWith("brew_endpoint.pull_through: a pull writes to the mirror", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(true, 901)]
    [InlineData(false, 20)]
    public void MaxConcurrencyOfTheEndpoint_OutOfRangeOrWithoutTheEndpoint_IsRefused_NamingTheQuota(bool enabled, int most)
    {
        Assert.Null(DeploymentConfigLoader.Load(_dir, "prod").BrewEndpoint.MaxConcurrency);
        Edit("dev", j => j["brew_endpoint"] = new JsonObject { ["enabled"] = enabled, ["max_concurrency"] = most });

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));

        Assert.Contains(ex.Errors, e => e.StartsWith($"brew_endpoint.max_concurrency: {most} must be 1..900 with brew_endpoint.enabled", StringComparison.Ordinal)
            && e.Contains("aws lambda get-account-settings", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ProdMirrorsBrewsRepository_EveryHostIsGivenIt_AndItNeedsAnHttpsUrlWithoutCredentials()
    {
        var prod = DeploymentConfigLoader.Load(_dir, "prod");
        var names = new DeploymentNames("prod", null, prod);
        var inputs = new RuntimeInputs(null, null);

        Assert.Equal("https://github.com/Homebrew/brew", prod.BrewGitRemote);
        Assert.All(new[] { RuntimeEnvironment.Orchestrator(prod, names, inputs), RuntimeEnvironment.EcsTask(prod, names, inputs), RuntimeEnvironment.Worker(prod, names, inputs) },
            env => Assert.Equal("https://github.com/Homebrew/brew", env[EnvVars.BrewGitRemoteUrl]));
        Edit("dev", j => j["brew_git_remote"] = "https://brew:secret@example.com/brew.git");
        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev"));
        Assert.Contains(ex.Errors, e => e.StartsWith("brew_git_remote: 'https://***@example.com/brew.git' must be an https URL without credentials", StringComparison.Ordinal));
        Assert.DoesNotContain(ex.Errors, e => e.Contains("secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("prod", 715, "ecs_task_timeout_minutes: 715 must be at least 10 and 1 task(s) of it plus planning and the failure notice (10 min) must be below the state machine's execution timeout (720 min)")]
    [InlineData("prod", 5, "ecs_task_timeout_minutes: 5 must be at least 10")]
    [InlineData("dev", 400, "ecs_task_timeout_minutes: 400 must be at least 10 and 2 task(s) of it (a Spot task and its on-demand re-run) plus planning")]
    public void Load_EcsTaskTimeoutThatDoesNotFitTheExecutionTimeout_IsAnError(string stage, int minutes, string error)
    {
        Edit(stage, j => j["ecs_task_timeout_minutes"] = minutes);

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, stage));

        Assert.Contains(ex.Errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(46, true)]
    [InlineData(47, false)]
    public void Load_WorkerLoopThatDoesNotFitTheExecutionTimeout_IsAnError(int invocations, bool fits)
    {
        // prod: 900 s invocations, 10 min of planning and notice around them, 720 min in all: 47 (and one more) take 720 min.
        Edit("prod", j => j["max_worker_invocations"] = invocations);

        if (fits)
        {
            Assert.Equal(invocations, DeploymentConfigLoader.Load(_dir, "prod").MaxWorkerInvocations);
            return;
        }
        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "prod"));
        Assert.Contains(ex.Errors, e => e.StartsWith("max_worker_invocations: 47 invocations (and one more for a finish left to it) of up to lambda_sync_timeout (900 s) plus planning", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EcsTaskTimeoutThatFitsOnlyWithoutSpot_IsFineInProd()
    {
        Edit("prod", j => j["ecs_task_timeout_minutes"] = 600);

        Assert.Equal(600, DeploymentConfigLoader.Load(_dir, "prod").EcsTaskTimeoutMinutes);
        Assert.Contains(Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "dev")).Errors, e => e.StartsWith("ecs_task_timeout_minutes: 600", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(511)]
    [InlineData(10241)]
    public void Load_WorkerEphemeralStorageOutsideLambdasRange_IsAnError(int mb)
    {
        Edit("prod", j => j["lambda_sync_ephemeral_storage_mb"] = mb);

        var ex = Assert.Throws<SettingsException>(() => DeploymentConfigLoader.Load(_dir, "prod"));

        Assert.Contains($"lambda_sync_ephemeral_storage_mb: {mb} MB is outside 512..10240 MB", ex.Errors);
    }

    [Fact]
    public void RuntimeEnvironment_GivesTheWorkerItsStagingLimit_FromItsEphemeralStorage()
    {
        Edit("prod", j => j["lambda_sync_ephemeral_storage_mb"] = 4096);
        var config = DeploymentConfigLoader.Load(_dir, "prod");
        var names = new DeploymentNames("prod", null, config);
        var inputs = new RuntimeInputs(null, null);

        Assert.Equal("4096", RuntimeEnvironment.Worker(config, names, inputs)[EnvVars.WorkerStagingLimitMb]);
        Assert.Equal("WORKER_STAGING_LIMIT_MB", EnvVars.WorkerStagingLimitMb);
        Assert.Contains(EnvVars.WorkerStagingLimitMb, EnvVars.All);
        // The worker stages within it; the orchestrator routes a plan with a bottle larger than it to ECS; ECS has its own disk.
        Assert.Equal("4096", RuntimeEnvironment.Orchestrator(config, names, inputs)[EnvVars.WorkerStagingLimitMb]);
        Assert.DoesNotContain(EnvVars.WorkerStagingLimitMb, RuntimeEnvironment.EcsTask(config, names, inputs).Keys);
    }
}
