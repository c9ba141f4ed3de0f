using System.Text.Json.Serialization;

namespace HomebrewSync.Contracts;

/// <summary>
/// What one sync will transfer. Saved by the planner (a file, or <c>plans/</c> in the bucket) and executed
/// by whichever worker the route picks, so its shape is a contract between hosts.
/// </summary>
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

    [JsonIgnore] public long TotalBytes => Bottles.Sum(b => b.Size ?? 0);
    [JsonIgnore] public int UnsizedCount => Bottles.Count(b => b.Size is null);
}

/// <summary>One bottle to fetch: where from, what it must hash to, and where it goes.</summary>
public sealed record PlannedBottle
{
    /// <summary>Hash-file key <c>&lt;name&gt;-&lt;version&gt;-&lt;platform&gt;</c>.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("formula_name")] public required string FormulaName { get; init; }
    [JsonPropertyName("formula_version")] public required string FormulaVersion { get; init; }
    [JsonPropertyName("platform")] public required string Platform { get; init; }
    /// <summary>The catalog's tag that serves <see cref="Platform"/> (the same, <c>all</c>, or an older macOS).</summary>
    [JsonPropertyName("source_tag")] public required string SourceTag { get; init; }
    [JsonPropertyName("rebuild")] public int Rebuild { get; init; }
    [JsonPropertyName("sha256")] public required string Sha256 { get; init; }
    [JsonPropertyName("url")] public required string Url { get; init; }
    /// <summary>Bytes, from the registry's index or a HEAD; null when neither told.</summary>
    [JsonPropertyName("size")] public long? Size { get; init; }
    /// <summary>Store key <c>YYYY-MM-DD/&lt;file name&gt;</c>.</summary>
    [JsonPropertyName("object_key")] public required string ObjectKey { get; init; }
}
