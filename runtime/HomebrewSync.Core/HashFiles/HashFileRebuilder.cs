using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.HashFiles;

/// <summary>
/// Rebuilds bottles_hash.json from what the store recorded with each object (the reference's
/// <c>force_rebuild_hash</c>): the old file, corrupt or not, is first copied aside, never lost.
/// </summary>
internal static class HashFileRebuilder
{
    /// <summary>Where ghcr.io serves a blob; the metadata names the formula and sha256, from which the URL follows.</summary>
    public const string DefaultRegistry = "https://ghcr.io/v2/homebrew/core";

    public static async Task<RebuildReport> RebuildAsync(IBottleStore store, IHashFileStore hashFile, TimeProvider time, int concurrency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(hashFile);
        ArgumentNullException.ThrowIfNull(time);
        var objects = new List<StoredBottle>();
        await foreach (var o in store.ListAsync(cancellationToken))
        {
            objects.Add(o);
        }
        var entries = new ConcurrentDictionary<string, HashEntry>(StringComparer.Ordinal);
        var without = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(objects, options, async (obj, ct) =>
        {
            var m = await store.GetMetadataAsync(obj.Key, ct);
            if (m is null || !BottleNaming.IsSha256(m.Sha256) || !BottleNaming.IsSafeName(m.FormulaName))
            {
                Interlocked.Increment(ref without);
                return;
            }
            var key = BottleNaming.Key(m.FormulaName, m.FormulaVersion, m.Platform);
            var entry = new HashEntry(m.Sha256, m.DownloadDate, obj.Size, m.FormulaName, m.FormulaVersion, m.Platform,
                $"{DefaultRegistry}/{BottleNaming.ImageName(m.FormulaName)}/blobs/sha256:{m.Sha256}", obj.Key);
            if (StoreKeys.ProblemWith(key, entry) is not null)
            {
                // Metadata that names another bottle than the object it sits on is not evidence of anything.
                Interlocked.Increment(ref without);
                return;
            }
            // The same bottle stored on two dates: the newer copy is the one to record.
            entries.AddOrUpdate(key, entry, (_, existing) => existing.DownloadDate >= entry.DownloadDate ? existing : entry);
        });
        if (objects.Count > 0 && entries.IsEmpty)
        {
            throw new StoreAccessException($"{store.Location} holds {objects.Count} bottle objects but none carries the metadata a rebuild needs; the hash file was left as it is.");
        }
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var version = await hashFile.BackupHashFileAsync(stamp, cancellationToken);
        var rebuilt = new HashFile(lastUpdated: time.GetUtcNow());
        foreach (var (k, v) in entries)
        {
            rebuilt.Set(k, v);
        }
        LeaseScope.EnsureHeld("writing the rebuilt hash file");
        await hashFile.WriteHashFileAsync(rebuilt, version, cancellationToken);
        return new RebuildReport(rebuilt.Count, without, version is null ? null : $"{hashFile.HashFileLocation}.backup-{stamp}");
    }
}
