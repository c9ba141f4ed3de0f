namespace HomebrewSync.Contracts;

/// <summary>How the engine plans and transfers. Built by <see cref="SyncSettingsReader"/>, checked by <see cref="SyncSettingsValidator"/>.</summary>
public sealed record SyncSettings
{
    /// <summary>The definition's default (<see cref="Settings.HomebrewApiUrl"/>).</summary>
    public static readonly Uri DefaultApiUrl = new(Settings.HomebrewApiUrl.Default!);

    /// <summary>The definition's default (<see cref="Settings.TargetPlatforms"/>: why these).</summary>
    public static readonly IReadOnlyList<string> DefaultTargetPlatforms = Settings.TargetPlatforms.DefaultList;

    /// <summary>The definition's default (<see cref="Settings.RegistryToken"/>).</summary>
    public static readonly string DefaultRegistryToken = Settings.RegistryToken.Default!;

    public IReadOnlyList<string> TargetPlatforms { get; init; } = DefaultTargetPlatforms;
    public Uri ApiUrl { get; init; } = DefaultApiUrl;
    /// <summary>Downloads at once, a hard cap (<see cref="Settings.MaxConcurrentDownloads"/>: why 32). The deployments set their own.</summary>
    public int MaxConcurrentDownloads { get; init; } = Settings.MaxConcurrentDownloads.Default!.Value;

    /// <summary>Size requests (image indexes, HEADs) at once: small and latency-bound, twice the downloads, at most 64.</summary>
    public int SizingConcurrency => Math.Min(MaxConcurrentDownloads * 2, 64);

    /// <summary>Retries after the first attempt, for transient failures only.</summary>
    public int RetryAttempts { get; init; } = Settings.RetryAttempts.Default!.Value;

    /// <summary>Base of the exponential backoff between attempts (jittered).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(Settings.RetryDelaySeconds.Default!.Value);

    /// <summary>Limit for one attempt at one bottle, request and body together.</summary>
    public TimeSpan DownloadTimeout { get; init; } = TimeSpan.FromSeconds(Settings.DownloadTimeoutSeconds.Default!.Value);

    /// <summary>Hash-file checkpoint every this many stored bottles.</summary>
    public int BatchSize { get; init; } = Settings.BatchSize.Default!.Value;

    public string TempDir { get; init; } = DefaultTempDir();

    /// <summary>
    /// <c>homebrew-sync-&lt;user&gt;</c> in the system's temporary folder: each user's own, since the folder must be (another
    /// user's staged bottles and git cache are refused).
    /// </summary>
    public static string DefaultTempDir()
    {
        var user = new string(Environment.UserName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
        return Path.Combine(Path.GetTempPath(), $"homebrew-sync-{(user.Length > 0 ? user : "user")}");
    }
    public bool IncludeDisabled { get; init; } = Settings.IncludeDisabled.DefaultFlag;

    /// <summary>Wall-clock budget of the host (a Lambda worker); null on hosts without one.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>The bytes this host may stage at once (a Lambda worker's <c>/tmp</c>, WORKER_STAGING_LIMIT_MB); null for no limit.</summary>
    public long? StagingLimitBytes { get; init; }

    /// <summary>How long a lease on the store lasts unless renewed (renewed every third of it while the command works).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(Settings.StoreLeaseSeconds.Default!.Value);

    public RegistryToken RegistryToken { get; init; } = new(DefaultRegistryToken);

    /// <summary>The registry's host; the token goes to no other (HOMEBREW_REGISTRY_HOSTS).</summary>
    public static readonly IReadOnlyList<string> DefaultRegistryHosts = Settings.RegistryHosts.DefaultList;

    /// <summary>Hosts the registry token is sent to, and only over https (plain http to a loopback address too).</summary>
    public IReadOnlyList<string> RegistryHosts { get; init; } = DefaultRegistryHosts;

    /// <summary>A catalog larger than this is refused whole (the real one is about 30 MB).</summary>
    public long MaxCatalogBytes { get; init; } = Settings.MaxCatalogMb.Default!.Value * Mib;

    /// <summary>An image index larger than this is refused (real ones are a few KB).</summary>
    public long MaxImageIndexBytes { get; init; } = Settings.MaxImageIndexMb.Default!.Value * Mib;

    /// <summary>The brew.git cache may hold no more than this: git is stopped past it (a remote sending without end fills no disk).</summary>
    public long MaxBrewGitBytes { get; init; } = Settings.MaxBrewGitMb.Default!.Value * Mib;

    /// <summary>An API file larger than this is refused (the largest, formula.jws.json, is about 30 MB).</summary>
    public long MaxApiFileBytes { get; init; } = Settings.MaxApiFileMb.Default!.Value * Mib;

    /// <summary>
    /// A bottle body may not exceed its announced size (image index, Content-Length); with neither announced, not this.
    /// Homebrew's largest bottles are a few GB.
    /// </summary>
    public long MaxBottleBytes { get; init; } = (long)(Settings.MaxBottleSizeGb.Default!.Value * Gib);

    public const long Mib = 1024 * 1024;
    public const long Gib = 1024 * Mib;

    /// <summary>The dated folder new bottles go to; null for today (UTC) by the host's clock.</summary>
    public DateOnly? SyncDate { get; init; }

    /// <summary>Mirror Homebrew's signed API files (<c>internal/packages.&lt;tag&gt;.jws.json</c>) for every target tag and <see cref="ApiTags"/>.</summary>
    public bool MirrorApi { get; init; } = Settings.MirrorApi.DefaultFlag;

    /// <summary>Host tags whose API file is mirrored besides the target tags'.</summary>
    public IReadOnlyList<string> ApiTags { get; init; } = [];

    /// <summary>Homebrew's API signing key (PEM, or a path to one); null to look for the one of a local brew installation.</summary>
    public string? ApiPublicKey { get; init; }

    /// <summary>Publish a tag's API file even when some of its bottles failed (a persistent upstream gap).</summary>
    public bool ApiPublishWithFailures { get; init; } = Settings.ApiPublishWithFailures.DefaultFlag;

    /// <summary>Also mirror the pre-brew-6 files <c>formula.jws.json</c> and <c>cask.jws.json</c>.</summary>
    public bool ApiLegacy { get; init; } = Settings.ApiLegacy.DefaultFlag;

    /// <summary>Mirror brew's portable Ruby (the registry image <c>homebrew/core/portable-ruby</c>, every platform) with the bottles.</summary>
    public bool MirrorPortableRuby { get; init; } = Settings.MirrorPortableRuby.DefaultFlag;

    /// <summary>brew's git repository (any URL git can fetch) to keep a dumb-HTTP mirror of under <c>brew.git/</c>; null for none.</summary>
    public string? BrewGitRemote { get; init; }

    /// <summary>A plan larger than this is refused before anything is downloaded (MAX_DOWNLOAD_SIZE_GB); null for no limit.</summary>
    public long? MaxDownloadBytes { get; init; }
}
