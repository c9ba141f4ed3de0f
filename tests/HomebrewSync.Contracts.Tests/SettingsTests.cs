using System.Text.Json;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Contracts.Tests;

/// <summary>One definition per setting: what the reader, the validators, --help and the deployed environment read from it.</summary>
public sealed class SettingsTests
{
    public static TheoryData<string> DeployedKeys() => [.. Settings.Deployed.Select(s => s.ConfigKey!)];

    [Theory]
    [MemberData(nameof(DeployedKeys))]
    public void DeployedSetting_ItsConfigKeyBindsTheValueItWritesIntoTheEnvironment(string key)
    {
        var setting = Settings.Deployed.Single(s => s.ConfigKey == key);

        // A value no default has: the key in JSON must land where the definition reads the config.
        var config = JsonSerializer.Deserialize<DeploymentConfig>($$"""{"{{key}}": 7}""")!;

        Assert.Equal("7", setting.ConfigText(config));
    }

    [Fact]
    public void Deployed_EveryKeyOnce_AndEveryVariableAName()
    {
        Assert.Equal(Settings.Deployed.Count, Settings.Deployed.Select(s => s.ConfigKey).Distinct(StringComparer.Ordinal).Count());
        Assert.All(Settings.Deployed, s => Assert.Contains(s.EnvVar, EnvVars.All));
    }

    [Fact]
    public void RangeErrors_NameTheVariableOrTheConfigKey_WithTheDefinitionsRange()
    {
        Assert.Null(Settings.RetryAttempts.Check(10));
        Assert.Equal("RETRY_ATTEMPTS: 11 is outside 0..10", Settings.RetryAttempts.Check(11));
        Assert.Equal("DOWNLOAD_TIMEOUT_SECONDS: 0 s is outside (0..21600] s", Settings.DownloadTimeoutSeconds.Check(0));
        Assert.Equal("PRUNE_KEEP_DAYS: -3 must be 0 or more days", Settings.PruneKeepDays.Check(-3));
        Assert.Equal("retry_attempts: 11 is outside 0..10", Settings.RetryAttempts.CheckConfig(new DeploymentConfig { RetryAttempts = 11 }));
        // A deployment keeps to a narrower band where the runtime's is wider (a Lambda's 900 s).
        Assert.Null(Settings.DownloadTimeoutSeconds.CheckConfig(new DeploymentConfig { DownloadTimeoutSeconds = 1000 }));
        Assert.Equal("worker_download_timeout_seconds: 1000 s is outside (0..900] s", Settings.WorkerDownloadTimeoutSeconds.CheckConfig(new DeploymentConfig { WorkerDownloadTimeoutSeconds = 1000 }));
        Assert.Equal("progress_update_interval_seconds: 5 seconds is outside 10..86400 seconds", Settings.ProgressUpdateInterval.CheckConfig(new DeploymentConfig { ProgressUpdateIntervalSeconds = 5 }));
        Assert.Equal("PROGRESS_UPDATE_INTERVAL: 0.5 must be 1 or more seconds", Settings.ProgressUpdateInterval.Check(0.5));
    }

    [Fact]
    public void Defaults_AreTheDefinitions_InTheSettingsAndTheirHelp()
    {
        var defaults = new SyncSettings();

        Assert.Equal(Settings.RetryAttempts.Default, defaults.RetryAttempts);
        Assert.Equal(Settings.DownloadTimeoutSeconds.Default, defaults.DownloadTimeout.TotalSeconds);
        Assert.Equal(Settings.MaxImageIndexMb.Default * SyncSettings.Mib, defaults.MaxImageIndexBytes);
        Assert.Equal(Settings.SlackMaxWaitSeconds.Default, new NotificationSettings().SlackMaxWait.TotalSeconds);
        Assert.Equal("Retries after a transient failure, 0..10 (default 3).", Settings.RetryAttempts.HelpText);
    }

    [Fact]
    public void Reader_UnsetIsTheDefault_SetIsParsed_AndOutOfRangeIsListed()
    {
        var unset = SyncSettingsReader.Read(new Dictionary<string, string?>());
        Assert.Equal(Settings.BatchSize.Default, unset.BatchSize);

        var ex = Assert.Throws<SettingsException>(() => SyncSettingsReader.Read(new Dictionary<string, string?> { [EnvVars.BatchSize] = "0", [EnvVars.MaxDownloadSizeGb] = "0" }));

        Assert.Contains("BATCH_SIZE: 0 is outside 1..10000", ex.Errors);
        Assert.Contains("MAX_DOWNLOAD_SIZE_GB: 0 must be above 0 GB", ex.Errors);
    }

    [Fact]
    public void EveryVariable_HasOneDefinition_CopiesDifferOnlyInTheirConfigKey()
    {
        Assert.All(Settings.All, s => Assert.Contains(s.EnvVar, EnvVars.All));
        foreach (var copies in Settings.All.GroupBy(s => s.EnvVar).Where(g => g.Count() > 1))
        {
            // EcsDownloadConcurrency, WorkerDownloadTimeoutSeconds: the same variable set from another config key.
            Assert.Single(copies.Select(s => (s.Option, s.ValueName, s.HelpText, s.DefaultText)).Distinct());
            Assert.Equal(copies.Count(), copies.Select(s => s.ConfigKey).Distinct(StringComparer.Ordinal).Count());
        }
    }

    /// <summary>The AWS SDK's own variables and what a deployment wires between its parts: no user sets them, so they have no definition.</summary>
    private static readonly string[] NotSettings = [EnvVars.AwsEndpointUrl, EnvVars.AwsEndpointUrlSsm, EnvVars.AwsRegion, EnvVars.OrchestratorFunctionName, EnvVars.EcsClusterName];

    [Fact]
    public void EveryVariable_IsDefinedInSettings_OrNamedAsNoSetting()
    {
        var defined = Settings.All.Select(s => s.EnvVar).Distinct(StringComparer.Ordinal);

        // A new variable in EnvVars fails here until it has its one definition (or is listed above, with its reason).
        Assert.Equal(EnvVars.All.Order(StringComparer.Ordinal), defined.Concat(NotSettings).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryDefault_IsTheOneItsHelpShows()
    {
        var shown = Settings.All.Where(s => s.HelpText.Length > 0 && s.DefaultText is not null && !(s.Option is not null && s.ValueName is null));

        Assert.All(shown, s => Assert.Contains($"default {s.DefaultText}", s.HelpText, StringComparison.Ordinal));
        Assert.DoesNotContain(Settings.All, s => s.HelpText.Contains('{', StringComparison.Ordinal));
    }

    [Fact]
    public void TextDefaults_AreTheDefinitions_InTheSettingsAndTheReader()
    {
        foreach (var settings in new[] { new SyncSettings(), SyncSettingsReader.Read(new Dictionary<string, string?>()) })
        {
            Assert.Equal(["arm64_tahoe", "arm64_sequoia", "arm64_sonoma"], settings.TargetPlatforms);
            Assert.Equal(Settings.TargetPlatforms.DefaultList, settings.TargetPlatforms);
            Assert.Equal(Settings.HomebrewApiUrl.Default, settings.ApiUrl.AbsoluteUri);
            Assert.Equal(Settings.RegistryHosts.DefaultList, settings.RegistryHosts);
            Assert.Equal(Settings.RegistryToken.Default, settings.RegistryToken.Value);
            Assert.Equal(Settings.MirrorApi.DefaultFlag, settings.MirrorApi);
            Assert.Equal(Settings.MirrorPortableRuby.DefaultFlag, settings.MirrorPortableRuby);
            Assert.Equal(Settings.IncludeDisabled.DefaultFlag, settings.IncludeDisabled);
            Assert.Equal(Settings.ApiLegacy.DefaultFlag, settings.ApiLegacy);
            Assert.Equal(Settings.ApiPublishWithFailures.DefaultFlag, settings.ApiPublishWithFailures);
            Assert.Null(settings.BrewGitRemote);
            Assert.Null(settings.TimeBudget);
            Assert.Null(settings.StagingLimitBytes);
        }
        foreach (var notifications in new[] { new NotificationSettings(), NotificationSettings.Read(new SettingsReader(new Dictionary<string, string?>())) })
        {
            Assert.Equal(("local", "Local", "Manual", "cron(0 3 ? * SUN *)", false), (notifications.Environment, notifications.SyncMethod, notifications.Trigger, notifications.ScheduleExpression, notifications.EmitMetrics));
            Assert.Equal((Settings.Environment.Default, Settings.SyncMethod.Default, Settings.SyncTrigger.Default, Settings.ScheduleExpression.Default), (notifications.Environment, notifications.SyncMethod, notifications.Trigger, notifications.ScheduleExpression));
        }
        Assert.True(Settings.MirrorApi.DefaultFlag);
        Assert.Equal("false", Settings.MirrorApi.FlagValue);
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T0/B0/SECRETPART", true)]
    [InlineData("http://127.0.0.1:8080/services/T0/B0/SECRETPART", true)]
    [InlineData("http://hooks.slack.com/services/T0/B0/SECRETPART", false)]
    [InlineData("ftp://hooks.slack.com/services/T0/B0/SECRETPART", false)]
    [InlineData("hooks.slack.com/services/T0/B0/SECRETPART", false)]
    public void SlackWebhookUrl_MustBeHttpsOrLoopback_TheErrorNeverShowsIt(string url, bool accepted)
    {
        var reader = new SettingsReader(new Dictionary<string, string?> { [EnvVars.SlackWebhookUrl] = url });

        var notifications = NotificationSettings.Read(reader);

        Assert.Equal(accepted, notifications.SlackWebhookUrl is not null);
        Assert.Equal(accepted ? [] : ["SLACK_WEBHOOK_URL: is not an https URL (plain http only to a loopback address)"], reader.Errors);
        Assert.DoesNotContain("SECRETPART", string.Join("\n", reader.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TimeBudgetAndStagingLimit_AreReadAndCheckedByTheirDefinitions()
    {
        var set = SyncSettingsReader.Read(new Dictionary<string, string?> { [EnvVars.TimeBudgetSeconds] = "1500", [EnvVars.WorkerStagingLimitMb] = "512" });
        Assert.Equal(TimeSpan.FromSeconds(1500), set.TimeBudget);
        Assert.Equal(512 * SyncSettings.Mib, set.StagingLimitBytes);

        var ex = Assert.Throws<SettingsException>(() => SyncSettingsReader.Read(new Dictionary<string, string?> { [EnvVars.TimeBudgetSeconds] = "0", [EnvVars.WorkerStagingLimitMb] = "0" }));

        // One error each: the worst case of the retries is not also compared with a budget that is itself refused.
        Assert.Equal(["WORKER_STAGING_LIMIT_MB: 0 must be 1 or more MB", "TIME_BUDGET_SECONDS: 0 must be above 0 s"], ex.Errors);
        // A limit below 1 MB given in bytes is still a limit.
        Assert.Empty(SyncSettingsValidator.Validate(new SyncSettings { StagingLimitBytes = 4096 }));
    }

    [Fact]
    public void DeployedTextSettings_ComeFromTheirConfigKeys()
    {
        var config = JsonSerializer.Deserialize<DeploymentConfig>("""{"target_platforms": ["arm64_sonoma", "x86_64_linux"], "brew_git_remote": "https://github.com/Homebrew/brew", "lambda_sync_ephemeral_storage_mb": 2048}""")!;

        Assert.Equal("arm64_sonoma,x86_64_linux", Settings.TargetPlatforms.ConfigText(config));
        Assert.Equal("https://github.com/Homebrew/brew", Settings.BrewGitRemoteUrl.ConfigText(config));
        Assert.Equal("2048", Settings.WorkerStagingLimitMb.ConfigText(config));
    }
}
