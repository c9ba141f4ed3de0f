using System.Text.RegularExpressions;

namespace HomebrewSync.Contracts;

/// <summary>The rules <see cref="SyncSettings"/> must keep; the ranges are the definitions' (<see cref="Settings"/>).</summary>
public static partial class SyncSettingsValidator
{
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_]*\z")]
    private static partial Regex TagPattern();

    public static bool IsWellFormedTag(string tag) => TagPattern().IsMatch(tag);

    /// <summary>
    /// What git could not be given safely: a query (git takes none, and would pass it on to its transport helper as an argument,
    /// where ps shows it), a password outside http(s) (only there are credentials taken out of the URL), or credentials with a
    /// control character (the credential helper's answer is one line per field).
    /// </summary>
    private static string? BrewGitRemoteProblem(Uri remote)
    {
        var http = remote.Scheme is "http" or "https";
        return remote.Query.Length > 0 ? "has a query string, which git takes none of (a token goes in the URL's user-info: https://NAME:TOKEN@host/...)"
            : !http && remote.UserInfo.Contains(':', StringComparison.Ordinal) ? "has a password, which only an http(s) remote can take (git would be given it on its command line)"
            : http && Uri.UnescapeDataString(remote.UserInfo).Any(char.IsControl) ? "has a control character in its credentials"
            : null;
    }

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
            && (!System.Uri.TryCreate(remote, UriKind.Absolute, out var git) || git.Scheme is not ("https" or "http" or "file" or "ssh" or "git")
                // git takes it as an argument: only a URL of a transport git fetches from, never anything that could read as an option.
                ? "must be an absolute https, http, ssh, git or file URL"
                : BrewGitRemoteProblem(git)) is { } problem)
        {
            errors.Add($"{EnvVars.BrewGitRemoteUrl}: '{UrlDisplay.Redact(remote)}' {problem}");
        }
        errors.AddRange(new[]
        {
            Settings.MaxConcurrentDownloads.Check(s.MaxConcurrentDownloads),
            Settings.RetryAttempts.Check(s.RetryAttempts),
            Settings.BatchSize.Check(s.BatchSize),
            Settings.RetryDelaySeconds.Check(s.RetryDelay.TotalSeconds),
            Settings.DownloadTimeoutSeconds.Check(s.DownloadTimeout.TotalSeconds),
            Settings.StoreLeaseSeconds.Check(s.LeaseDuration.TotalSeconds),
            Settings.MaxCatalogMb.Check(Megabytes(s.MaxCatalogBytes)),
            Settings.MaxImageIndexMb.Check(Megabytes(s.MaxImageIndexBytes)),
            Settings.MaxApiFileMb.Check(Megabytes(s.MaxApiFileBytes)),
            Settings.MaxBrewGitMb.Check(Megabytes(s.MaxBrewGitBytes)),
            Settings.MaxBottleSizeGb.Check(s.MaxBottleBytes / (double)SyncSettings.Gib),
            s.MaxDownloadBytes is { } limit ? Settings.MaxDownloadSizeGb.Check(limit / (double)SyncSettings.Gib) : null,
            // Any positive number of bytes is a limit (the variable gives whole MB; a test may give less).
            s.StagingLimitBytes is { } staging ? Settings.WorkerStagingLimitMb.Check(staging > 0 ? Math.Max(1, Megabytes(staging)) : Megabytes(staging)) : null,
            s.TimeBudget is { } time ? Settings.TimeBudgetSeconds.Check(time.TotalSeconds) : null,
        }.OfType<string>());
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
        foreach (var tag in s.ApiTags.Where(t => !IsWellFormedTag(t)))
        {
            errors.Add($"{EnvVars.ApiTags}: '{tag}' is not a bottle tag (e.g. arm64_sonoma, x86_64_linux)");
        }
        if (s.TimeBudget is { } budget && Settings.TimeBudgetSeconds.Allows(budget.TotalSeconds))
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

    /// <summary>Whole MiB, as the setting gives them (a value past int's range stays outside every range).</summary>
    private static int Megabytes(long bytes) => (int)Math.Clamp(bytes / SyncSettings.Mib, int.MinValue, int.MaxValue);
}
