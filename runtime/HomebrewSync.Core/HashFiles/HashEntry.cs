namespace HomebrewSync.Core.HashFiles;

/// <summary>One bottle in bottles_hash.json, keyed by <c>&lt;name&gt;-&lt;version&gt;-&lt;tag&gt;</c>.</summary>
/// <param name="PulledAt">When <c>serve --pull-through</c> stored it (<c>pulled_at</c>, written only then; readers of the reference's schema ignore it); null for a bottle a sync stored.</param>
public sealed record HashEntry(
    string Sha256,
    DateOnly DownloadDate,
    long FileSize,
    string FormulaName,
    string FormulaVersion,
    string Platform,
    string Url,
    string S3Key,
    DateTimeOffset? PulledAt = null);
