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
            TargetPlatforms = reader.List(Settings.TargetPlatforms),
            ApiUrl = reader.Uri(Settings.HomebrewApiUrl),
            MaxConcurrentDownloads = reader.Int(Settings.MaxConcurrentDownloads),
            RetryAttempts = reader.Int(Settings.RetryAttempts),
            RetryDelay = reader.Seconds(Settings.RetryDelaySeconds),
            DownloadTimeout = reader.Seconds(Settings.DownloadTimeoutSeconds),
            BatchSize = reader.Int(Settings.BatchSize),
            TempDir = reader.String(Settings.TempDir) ?? defaults.TempDir,
            MaxDownloadBytes = reader.Optional(Settings.MaxDownloadSizeGb) is { } gb ? (long)(gb * SyncSettings.Gib) : null,
            TimeBudget = reader.OptionalSeconds(Settings.TimeBudgetSeconds),
            LeaseDuration = reader.Seconds(Settings.StoreLeaseSeconds),
            StagingLimitBytes = reader.Optional(Settings.WorkerStagingLimitMb) * SyncSettings.Mib,
            IncludeDisabled = reader.Bool(Settings.IncludeDisabled),
            SyncDate = reader.Date(EnvVars.SyncDate),
            MirrorApi = reader.Bool(Settings.MirrorApi),
            ApiTags = reader.List(Settings.ApiTags),
            ApiPublicKey = reader.String(Settings.ApiPublicKey),
            ApiPublishWithFailures = reader.Bool(Settings.ApiPublishWithFailures),
            ApiLegacy = reader.Bool(Settings.ApiLegacy),
            MirrorPortableRuby = reader.Bool(Settings.MirrorPortableRuby),
            BrewGitRemote = reader.String(Settings.BrewGitRemoteUrl),
            RegistryToken = new RegistryToken(reader.String(Settings.RegistryToken)!),
            RegistryHosts = reader.List(Settings.RegistryHosts).Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToArray(),
            MaxCatalogBytes = reader.Int(Settings.MaxCatalogMb) * SyncSettings.Mib,
            MaxImageIndexBytes = reader.Int(Settings.MaxImageIndexMb) * SyncSettings.Mib,
            MaxApiFileBytes = reader.Int(Settings.MaxApiFileMb) * SyncSettings.Mib,
            MaxBrewGitBytes = reader.Int(Settings.MaxBrewGitMb) * SyncSettings.Mib,
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
