using HomebrewSync.Contracts;

namespace HomebrewSync.Contracts.Tests;

public sealed class SyncSettingsReaderTests
{
    private static Dictionary<string, string?> Env(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

    [Fact]
    public void Read_Empty_GivesTheDefaults_TodaysAppleSiliconTags()
    {
        var s = SyncSettingsReader.Read(Env());

        Assert.Equal(["arm64_tahoe", "arm64_sequoia", "arm64_sonoma"], s.TargetPlatforms);
        Assert.Equal(32, s.MaxConcurrentDownloads);
        Assert.Equal(64, s.SizingConcurrency);
        Assert.Equal(3, s.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(300), s.DownloadTimeout);
        Assert.Equal(50, s.BatchSize);
        Assert.Equal(new Uri("https://formulae.brew.sh/api/formula.json"), s.ApiUrl);
        Assert.Equal("QQ==", s.RegistryToken.Value);
    }

    [Fact]
    public void Read_ReferenceVariables_AreBoundTyped()
    {
        var s = SyncSettingsReader.Read(Env(
            (EnvVars.TargetPlatforms, "arm64_sonoma, monterey"),
            (EnvVars.MaxConcurrentDownloads, "5"),
            (EnvVars.RetryAttempts, "2"),
            (EnvVars.RetryDelaySeconds, "30"),
            (EnvVars.DownloadTimeoutSeconds, "120"),
            (EnvVars.BatchSize, "25"),
            (EnvVars.TempDir, "/tmp/bottles")));

        Assert.Equal(["arm64_sonoma", "monterey"], s.TargetPlatforms);
        Assert.Equal(5, s.MaxConcurrentDownloads);
        Assert.Equal(2, s.RetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), s.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(120), s.DownloadTimeout);
        Assert.Equal(25, s.BatchSize);
        Assert.Equal("/tmp/bottles", s.TempDir);
    }

    [Fact]
    public void Read_SeveralBadValues_ListsEveryErrorAtOnce()
    {
        var ex = Assert.Throws<SettingsException>(() => SyncSettingsReader.Read(Env(
            (EnvVars.MaxConcurrentDownloads, "many"),
            (EnvVars.RetryAttempts, "99"),
            (EnvVars.DownloadTimeoutSeconds, "-1"),
            (EnvVars.TargetPlatforms, "arm64_sonoma,Big Sur"))));

        Assert.Equal(4, ex.Errors.Count);
        Assert.Contains(ex.Errors, e => e.StartsWith("MAX_CONCURRENT_DOWNLOADS: 'many'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("RETRY_ATTEMPTS: 99", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("DOWNLOAD_TIMEOUT_SECONDS", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Contains("'Big Sur'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_AttemptsTimeoutsAndBackoffBeyondBudget_IsAnError()
    {
        var s = new SyncSettings { RetryAttempts = 3, DownloadTimeout = TimeSpan.FromSeconds(300), RetryDelay = TimeSpan.FromSeconds(2), TimeBudget = TimeSpan.FromSeconds(900) };

        var errors = SyncSettingsValidator.Validate(s);

        Assert.Single(errors);
        Assert.Contains("exceed the time budget", errors[0], StringComparison.Ordinal);
        // 3 attempts of 300 s fit 900 s, but not with the 2 + 4 s of backoff between them.
        Assert.Single(SyncSettingsValidator.Validate(s with { RetryAttempts = 2 }));
        Assert.Empty(SyncSettingsValidator.Validate(s with { RetryAttempts = 2, DownloadTimeout = TimeSpan.FromSeconds(298) }));
    }

    [Fact]
    public void RegistryToken_ToString_NeverShowsTheValue()
    {
        var s = new SyncSettings { RegistryToken = new RegistryToken("s3cr3t") };

        Assert.DoesNotContain("s3cr3t", s.ToString(), StringComparison.Ordinal);
    }
}
