namespace HomebrewSync.Core.HashFiles;

/// <summary>The hash file: what the mirror holds, which makes the next run incremental.</summary>
public sealed class HashFile
{
    // Hashed for the planner's lookups; ordered only where it is written out.
    private readonly Dictionary<string, HashEntry> _bottles = new(StringComparer.Ordinal);

    public HashFile(string syncVersion = Contracts.ProductInfo.SyncVersion, DateTimeOffset? lastUpdated = null)
    {
        SyncVersion = syncVersion;
        LastUpdated = lastUpdated;
    }

    public DateTimeOffset? LastUpdated { get; set; }
    public string SyncVersion { get; set; }
    public IReadOnlyDictionary<string, HashEntry> Bottles => _bottles;

    /// <summary>The entries in key order (ordinal), as the hash file lists them.</summary>
    public IEnumerable<KeyValuePair<string, HashEntry>> Ordered => _bottles.OrderBy(kv => kv.Key, StringComparer.Ordinal);
    public int Count => _bottles.Count;
    public long TotalSizeBytes => _bottles.Values.Sum(b => b.FileSize);

    public bool TryGet(string key, out HashEntry entry) => _bottles.TryGetValue(key, out entry!);

    public void Set(string key, HashEntry entry) => _bottles[key] = entry;

    public bool Remove(string key) => _bottles.Remove(key);

    /// <summary>Distinct platforms of the entries, ordinal order.</summary>
    public IReadOnlyList<string> Platforms => _bottles.Values.Select(b => b.Platform).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    public IReadOnlyList<(string Platform, int Count, long Bytes)> ByPlatform() =>
        _bottles.Values.GroupBy(b => b.Platform, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Sum(b => b.FileSize)))
            .ToArray();

    /// <summary>Newest date first, as the reference lists them.</summary>
    public IReadOnlyList<(DateOnly Date, int Count, long Bytes)> ByDate() =>
        _bottles.Values.GroupBy(b => b.DownloadDate)
            .OrderByDescending(g => g.Key)
            .Select(g => (g.Key, g.Count(), g.Sum(b => b.FileSize)))
            .ToArray();

    public HashFile Clone()
    {
        var copy = new HashFile(SyncVersion, LastUpdated);
        foreach (var (k, v) in _bottles)
        {
            copy._bottles[k] = v;
        }
        return copy;
    }
}
