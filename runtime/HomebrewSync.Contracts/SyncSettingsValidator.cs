using System.Text.RegularExpressions;

namespace HomebrewSync.Contracts;

public static partial class SyncSettingsValidator
{
    public const int MaxConcurrency = 64;
    public const int MaxRetryAttempts = 10;
    public const int MaxBatchSize = 10_000;
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan MaxDownloadTimeout = TimeSpan.FromHours(6);
    public static readonly TimeSpan MinLeaseDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromHours(1);
    public const int MaxImageIndexMbLimit = 256;
    public const int MaxApiFileMbLimit = 2048;
    public const int MaxBottleSizeGbLimit = 1024;

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_]*\z")]
    private static partial Regex TagPattern();

    public static bool IsWellFormedTag(string tag) => TagPattern().IsMatch(tag);

    public static IReadOnlyList<string> Validate(SyncSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var errors = new List<string>();
        if (s.TargetPlatforms.Count == 0)
        {
            errors.Add($"{EnvVars.TargetPlatforms}: at least one platform tag is required");
        }
        foreach (var tag in s.TargetPlatforms.Where(t => !IsWellFormedTag(t)))
        {
            errors.Add($"{EnvVars.TargetPlatforms}: '{tag}' is not a bottle tag (lower-case letters, digits and '_', e.g. arm64_sonoma)");
        }
        if (!s.ApiUrl.IsAbsoluteUri || (s.ApiUrl.Scheme != Uri.UriSchemeHttp && s.ApiUrl.Scheme != Uri.UriSchemeHttps && s.ApiUrl.Scheme != Uri.UriSchemeFile))
        {
            errors.Add($"{EnvVars.HomebrewApiUrl}: '{UrlDisplay.Redact(s.ApiUrl)}' must be an absolute http(s) or file URL");
        }
        if (s.BrewGitRemote is { } remote
            && (!System.Uri.TryCreate(remote, UriKind.Absolute, out var git) || git.Scheme is not ("https" or "http" or "file" or "ssh" or "git")))
        {
            // git takes it as an argument: only a URL of a transport git fetches from, never anything that could read as an option.
            errors.Add($"{EnvVars.BrewGitRemoteUrl}: '{UrlDisplay.Redact(remote)}' must be an absolute https, http, ssh, git or file URL");
        }
        Range(errors, EnvVars.MaxConcurrentDownloads, s.MaxConcurrentDownloads, 1, MaxConcurrency);
        Range(errors, EnvVars.RetryAttempts, s.RetryAttempts, 0, MaxRetryAttempts);
        Range(errors, EnvVars.BatchSize, s.BatchSize, 1, MaxBatchSize);
        if (s.RetryDelay < TimeSpan.Zero || s.RetryDelay > MaxRetryDelay)
        {
            errors.Add($"{EnvVars.RetryDelaySeconds}: {s.RetryDelay.TotalSeconds:0.###} s is outside 0..{MaxRetryDelay.TotalSeconds:0} s");
        }
        if (s.DownloadTimeout <= TimeSpan.Zero || s.DownloadTimeout > MaxDownloadTimeout)
        {
            errors.Add($"{EnvVars.DownloadTimeoutSeconds}: {s.DownloadTimeout.TotalSeconds:0.###} s is outside (0..{MaxDownloadTimeout.TotalSeconds:0}] s");
        }
        if (s.StagingLimitBytes is <= 0)
        {
            errors.Add($"{EnvVars.WorkerStagingLimitMb}: must be at least 1 (MB)");
        }
        if (s.LeaseDuration < MinLeaseDuration || s.LeaseDuration > MaxLeaseDuration)
        {
            errors.Add($"{EnvVars.StoreLeaseSeconds}: {s.LeaseDuration.TotalSeconds:0.###} s is outside {MinLeaseDuration.TotalSeconds:0}..{MaxLeaseDuration.TotalSeconds:0} s");
        }
        if (string.IsNullOrWhiteSpace(s.TempDir))
        {
            errors.Add($"{EnvVars.TempDir}: must name a directory");
        }
        if (string.IsNullOrEmpty(s.RegistryToken.Value))
        {
            errors.Add($"{EnvVars.RegistryToken}: must not be empty (ghcr.io accepts {SyncSettings.DefaultRegistryToken} for public packages)");
        }
        // The token goes into a header: a newline or other control character would split it (and is never a real token).
        if (s.RegistryToken.Value.Any(c => c < 0x20 || c > 0x7E))
        {
            errors.Add($"{EnvVars.RegistryToken}: must be printable ASCII (it holds a newline or another control or non-ASCII character)");
        }
        foreach (var host in s.RegistryHosts.Where(h => Uri.CheckHostName(h) == UriHostNameType.Unknown))
        {
            errors.Add($"{EnvVars.RegistryHosts}: '{host}' is not a host name (a name like ghcr.io or an IP address, no scheme or port)");
        }
        RangeBytes(errors, EnvVars.MaxImageIndexMb, s.MaxImageIndexBytes, SyncSettings.Mib, 1, MaxImageIndexMbLimit, "MiB");
        RangeBytes(errors, EnvVars.MaxApiFileMb, s.MaxApiFileBytes, SyncSettings.Mib, 1, MaxApiFileMbLimit, "MiB");
        if (s.MaxBottleBytes <= 0 || s.MaxBottleBytes > MaxBottleSizeGbLimit * SyncSettings.Gib)
        {
            errors.Add($"{EnvVars.MaxBottleSizeGb}: {s.MaxBottleBytes / (double)SyncSettings.Gib:0.###} GB is outside (0..{MaxBottleSizeGbLimit}]");
        }
        foreach (var tag in s.ApiTags.Where(t => !IsWellFormedTag(t)))
        {
            errors.Add($"{EnvVars.ApiTags}: '{tag}' is not a bottle tag (e.g. arm64_sonoma, x86_64_linux)");
        }
        if (s.MaxDownloadBytes is <= 0)
        {
            errors.Add($"{EnvVars.MaxDownloadSizeGb}: must be at least 1");
        }
        if (s.TimeBudget is { } budget)
        {
            // One bottle whose every attempt times out after every backoff must still fit the host's time budget.
            var worstCase = new RetryTiming(s).WorstCase;
            if (worstCase > budget)
            {
                errors.Add($"{EnvVars.RetryAttempts} x {EnvVars.DownloadTimeoutSeconds} + backoff: {s.RetryAttempts + 1} attempts of {s.DownloadTimeout.TotalSeconds:0} s and their waits ({worstCase.TotalSeconds:0} s) exceed the time budget of {budget.TotalSeconds:0} s ({EnvVars.TimeBudgetSeconds})");
            }
        }
        return errors;
    }

    public static SyncSettings EnsureValid(SyncSettings s)
    {
        var errors = Validate(s);
        return errors.Count == 0 ? s : throw new SettingsException(errors);
    }

    private static void RangeBytes(List<string> errors, string name, long bytes, long unit, int min, int max, string unitName)
    {
        if (bytes < min * unit || bytes > max * unit)
        {
            errors.Add($"{name}: {bytes / unit} {unitName} is outside {min}..{max}");
        }
    }

    private static void Range(List<string> errors, string name, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{name}: {value} is outside {min}..{max}");
        }
    }
}
