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
}
