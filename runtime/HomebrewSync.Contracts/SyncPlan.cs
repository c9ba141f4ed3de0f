using System.Text.Json.Serialization;

namespace HomebrewSync.Contracts;

/// <summary>
/// What one sync will transfer. Saved by the planner (a file, or <c>plans/</c> in the bucket) and executed
/// by whichever worker the route picks, so its shape is a contract between hosts.
/// </summary>
/// <remarks>
/// The lists added after the first version have a setter, not <c>init</c>: the build-time JSON reader sets every init-only
/// property, to null when the document lacks it, so a plan saved by an older version would read with null lists.
/// </remarks>
public sealed record SyncPlan
{
    [JsonPropertyName("sync_date")] public required string SyncDate { get; init; }
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("api_url")] public required string ApiUrl { get; init; }
    [JsonPropertyName("platforms")] public required IReadOnlyList<string> Platforms { get; init; }
    /// <summary>Where the plan's bottles go (<c>s3://bucket[/prefix]</c> or a folder); null when the executor decides.</summary>
    [JsonPropertyName("store")] public string? Store { get; init; }
    /// <summary>What started the run (Scheduled, Manual, Selective), for the messages.</summary>
    [JsonPropertyName("trigger")] public string? Trigger { get; init; }
    /// <summary>Who asked for a manual run (the trigger's <c>requested_by</c>), for the messages and logs.</summary>
    [JsonPropertyName("requested_by")] public string? RequestedBy { get; init; }
    /// <summary>The trigger's <c>priority</c> (low, normal, high), for the messages and logs.</summary>
    [JsonPropertyName("priority")] public string? Priority { get; init; }
    /// <summary>The Slack channel the run's trigger asked for; null for the configured one.</summary>
    [JsonPropertyName("notification_channel")] public string? NotificationChannel { get; init; }
    [JsonPropertyName("force")] public bool Force { get; init; }
    [JsonPropertyName("skipped")] public int Skipped { get; init; }
    [JsonPropertyName("bottles")] public required IReadOnlyList<PlannedBottle> Bottles { get; init; }
    /// <summary>Hash-file entries of an earlier layout (bottles named after the target tag) whose bottle is already stored under its real name: removed at the end.</summary>
    [JsonPropertyName("retire")] public IReadOnlyList<string> Retire { get; set; } = [];
    /// <summary>Image indexes (brew's manifests) to keep in the store for the mirrored formula versions that lack one.</summary>
    [JsonPropertyName("manifests")] public IReadOnlyList<PlannedImageIndex> ImageIndexes { get; set; } = [];

    /// <summary>Homebrew's API files fetched (and checked) with the catalog, published when their tags' bottles are stored.</summary>
    [JsonPropertyName("api_files")] public IReadOnlyList<PlannedApiFile> ApiFiles { get; set; } = [];

    /// <summary>The portable Ruby versions this run mirrors (the registry's current one, and the one the mirrored brew names): what prune keeps.</summary>
    [JsonPropertyName("portable_ruby")] public IReadOnlyList<string> PortableRuby { get; set; } = [];

    [JsonIgnore] public long TotalBytes => Bottles.Sum(b => b.Size ?? 0);
    [JsonIgnore] public int UnsizedCount => Bottles.Count(b => b.Size is null);
}

/// <summary>One bottle to fetch: where from, what it must hash to, where it goes, and which target tags it serves.</summary>
public sealed record PlannedBottle
{
    /// <summary>Hash-file key <c>&lt;name&gt;-&lt;version&gt;-&lt;tag&gt;</c>, with the bottle's own tag.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("formula_name")] public required string FormulaName { get; init; }
    [JsonPropertyName("formula_version")] public required string FormulaVersion { get; init; }
    /// <summary>The bottle's own tag (the catalog's, after brew's fallback): the tag in its name and key.</summary>
    [JsonPropertyName("platform")] public required string Platform { get; init; }
    /// <summary>The target tags a Mac would download this bottle for (its own, older macOS releases, or any for <c>all</c>).</summary>
    [JsonPropertyName("serves")] public IReadOnlyList<string> Serves { get; set; } = [];
    [JsonPropertyName("rebuild")] public int Rebuild { get; init; }
    [JsonPropertyName("sha256")] public required string Sha256 { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    /// <summary>Bytes, from the registry's index or a HEAD; null when neither told.</summary>
    [JsonPropertyName("size")] public long? Size { get; init; }
    /// <summary>Store key <c>YYYY-MM-DD/&lt;file name&gt;</c>.</summary>
    [JsonPropertyName("object_key")] public required string ObjectKey { get; init; }
    /// <summary>The folder date recorded for it when not the plan's (a bottle renamed in place keeps its date).</summary>
    [JsonPropertyName("date")] public string? Date { get; init; }
    /// <summary>A store key that already holds these bytes (an earlier layout's name): copied instead of downloaded.</summary>
    [JsonPropertyName("copy_from")] public string? CopyFrom { get; init; }
    /// <summary>Hash-file keys this bottle replaces (an earlier layout's names for the same bytes), removed once it is stored.</summary>
    [JsonPropertyName("replaces")] public IReadOnlyList<string> Replaces { get; set; } = [];
}

/// <summary>One formula version's image index to keep in the store, as brew's manifest for its bottles.</summary>
public sealed record PlannedImageIndex
{
    /// <summary>Store key <c>manifests/&lt;image&gt;/&lt;version&gt;[-&lt;rebuild&gt;].json</c>.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }
    /// <summary>The registry's image URL (<c>.../v2/homebrew/core/&lt;image&gt;</c>).</summary>
    [JsonPropertyName("image_url")] public required string ImageUrl { get; init; }
    /// <summary><c>&lt;version&gt;[-&lt;rebuild&gt;]</c>.</summary>
    [JsonPropertyName("reference")] public required string Reference { get; init; }
    /// <summary>The mirrored bottles' sha256: an index that does not list them all is not kept.</summary>
    [JsonPropertyName("digests")] public required IReadOnlyList<string> Digests { get; init; }
}

/// <summary>One of Homebrew's API files, as fetched with the catalog.</summary>
public sealed record PlannedApiFile
{
    public const string Fetched = "fetched";
    public const string Rejected = "rejected";
    public const string Missing = "missing";
    public const string Unreachable = "unreachable";

    /// <summary>Path under the API's directory and the store's <c>api/</c>: <c>internal/packages.arm64_sonoma.jws.json</c>.</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }
    /// <summary>The target tags whose planned bottles must all be stored before it is published.</summary>
    [JsonPropertyName("tags")] public required IReadOnlyList<string> Tags { get; init; }
    /// <summary><see cref="Fetched"/> (signature verified), <see cref="Rejected"/> (it did not verify), <see cref="Missing"/> (404), <see cref="Unreachable"/>.</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    /// <summary>Where the fetched bytes wait until the plan is executed (beside a saved plan); null when the run holds them.</summary>
    [JsonPropertyName("staged")] public string? Staged { get; init; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
}
