namespace HomebrewSync.Contracts;

/// <summary>Binds <see cref="SyncSettings"/> from the reference's environment variables.</summary>
public static class SyncSettingsReader
{
    /// <summary>Reads and validates; throws <see cref="SettingsException"/> listing every error.</summary>
    public static SyncSettings Read(IReadOnlyDictionary<string, string?> values)
    {
        var reader = new SettingsReader(values);
        var settings = Read(reader);
        var errors = reader.Errors.Concat(SyncSettingsValidator.Validate(settings)).ToArray();
        return errors.Length == 0 ? settings : throw new SettingsException(errors);
    }

    /// <summary>Reads without throwing; parse errors stay in <paramref name="reader"/> for the caller to combine with its own.</summary>
    public static SyncSettings Read(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var defaults = new SyncSettings();
        return new SyncSettings
        {
            TargetPlatforms = reader.List(EnvVars.TargetPlatforms, defaults.TargetPlatforms),
            ApiUrl = reader.Uri(EnvVars.HomebrewApiUrl, defaults.ApiUrl),
            MaxConcurrentDownloads = reader.Int(Settings.MaxConcurrentDownloads),
            RetryAttempts = reader.Int(Settings.RetryAttempts),
            RetryDelay = reader.Seconds(Settings.RetryDelaySeconds),
            DownloadTimeout = reader.Seconds(Settings.DownloadTimeoutSeconds),
            BatchSize = reader.Int(Settings.BatchSize),
            TempDir = reader.String(EnvVars.TempDir, defaults.TempDir),
            MaxDownloadBytes = reader.Optional(Settings.MaxDownloadSizeGb) is { } gb ? (long)(gb * SyncSettings.Gib) : null,
            TimeBudget = reader.Raw(EnvVars.TimeBudgetSeconds) is null ? null : reader.Seconds(EnvVars.TimeBudgetSeconds, TimeSpan.Zero),
            LeaseDuration = reader.Seconds(Settings.StoreLeaseSeconds),
            StagingLimitBytes = reader.Raw(EnvVars.WorkerStagingLimitMb) is null ? null : reader.Int(EnvVars.WorkerStagingLimitMb, 0) * 1024L * 1024,
            IncludeDisabled = reader.Bool(EnvVars.IncludeDisabled, defaults.IncludeDisabled),
            SyncDate = reader.Date(EnvVars.SyncDate),
            MirrorApi = reader.Bool(EnvVars.MirrorApi, defaults.MirrorApi),
            ApiTags = reader.List(EnvVars.ApiTags, defaults.ApiTags),
            ApiPublicKey = reader.Raw(EnvVars.ApiPublicKey),
            ApiPublishWithFailures = reader.Bool(EnvVars.ApiPublishWithFailures, defaults.ApiPublishWithFailures),
            ApiLegacy = reader.Bool(EnvVars.ApiLegacy, defaults.ApiLegacy),
            MirrorPortableRuby = reader.Bool(EnvVars.MirrorPortableRuby, defaults.MirrorPortableRuby),
            BrewGitRemote = string.IsNullOrWhiteSpace(reader.Raw(EnvVars.BrewGitRemoteUrl)) ? null : reader.Raw(EnvVars.BrewGitRemoteUrl)!.Trim(),
            RegistryToken = new RegistryToken(reader.String(EnvVars.RegistryToken, SyncSettings.DefaultRegistryToken)),
            RegistryHosts = reader.List(EnvVars.RegistryHosts, defaults.RegistryHosts).Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray(),
            MaxImageIndexBytes = reader.Int(Settings.MaxImageIndexMb) * SyncSettings.Mib,
            MaxApiFileBytes = reader.Int(Settings.MaxApiFileMb) * SyncSettings.Mib,
            MaxBottleBytes = (long)(reader.Double(Settings.MaxBottleSizeGb) * SyncSettings.Gib),
        };
    }

    /// <summary>The process environment as a dictionary (the one place it is read).</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            result[(string)e.Key] = e.Value as string;
        }
        return result;
    }
}
