using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Progress;
using Polly;

namespace HomebrewSync.Core.Transfer;

/// <summary>What one <see cref="TransferEngine.RunAsync"/> shares between its bottles: the plan's fixed parts, where each outcome goes, and the tallies.</summary>
internal sealed class TransferRun(SyncPlan plan, HashFileCheckpointer checkpointer, ProgressTracker progress, ISyncObserver observer, ResiliencePipeline pipeline,
    DateTimeOffset? deadline, LearntSizes? sizesSoFar)
{
    private long _transferred;
    private long _storedBytes;
    private int _first;
    // The objects of this plan the hash file lists, as the run found it: for other bytes (see Displaces) and for the planned ones.
    private readonly (Dictionary<string, (string Key, HashEntry Entry)> ForOtherBytes, HashSet<string> ForItsBytes) _listed = Listed(plan, checkpointer.HashFile);

    public SyncPlan Plan => plan;
    public HashFileCheckpointer Checkpointer => checkpointer;
    public ProgressTracker Progress => progress;
    public ISyncObserver Observer => observer;
    public ResiliencePipeline Pipeline => pipeline;
    public DateTimeOffset? Deadline => deadline;
    public LearntSizes? SizesSoFar => sizesSoFar;
    public DateOnly SyncDate { get; } = DateOnly.ParseExact(plan.SyncDate, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    public Uri ApiUrl { get; } = new(plan.ApiUrl);

    public ConcurrentQueue<PlannedBottle> Stored { get; } = new();
    public ConcurrentQueue<BottleFailure> Failed { get; } = new();
    public ConcurrentQueue<PlannedBottle> NotStarted { get; } = new();
    public long Transferred => Interlocked.Read(ref _transferred);
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    public void AddTransferred(long bytes) => Interlocked.Add(ref _transferred, bytes);

    public void AddStored(long bytes) => Interlocked.Add(ref _storedBytes, bytes);

    /// <summary>True for the first bottle of the run only.</summary>
    public bool TakeFirst() => Interlocked.Exchange(ref _first, 1) == 0;

    /// <summary>
    /// Why not, when the hash file lists <paramref name="bottle"/>'s object for other bytes: a listed bottle is never replaced
    /// in place (its entry would vouch for bytes it no longer has until the next write, and for good if the run stopped there).
    /// A bottle whose sha256 changed on the day its predecessor was stored is fetched into a later date's folder.
    /// </summary>
    public string? Displaces(PlannedBottle bottle) =>
        _listed.ForOtherBytes.TryGetValue(bottle.ObjectKey, out var listed) && listed.Entry.Sha256 != bottle.Sha256
            ? $"{bottle.ObjectKey} holds the bottle the hash file lists as {listed.Key} (sha256 {listed.Entry.Sha256}); a listed bottle is never replaced in place, so this one is fetched by a sync with a later date"
            : null;

    /// <summary>
    /// Whether the hash file lists <paramref name="bottle"/>'s object for the bottle's own bytes: an object there of other bytes is
    /// then the listed bottle damaged (a truncated file, bytes changed by hand), which a forced download may replace.
    /// </summary>
    public bool ListsForItsBytes(PlannedBottle bottle) => _listed.ForItsBytes.Contains(bottle.ObjectKey);

    private static (Dictionary<string, (string Key, HashEntry Entry)>, HashSet<string>) Listed(SyncPlan plan, HashFile hashFile)
    {
        var planned = plan.Bottles.ToLookup(b => b.ObjectKey, b => b.Sha256, StringComparer.Ordinal);
        var forOtherBytes = new Dictionary<string, (string, HashEntry)>(StringComparer.Ordinal);
        var forItsBytes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, entry) in hashFile.Bottles)
        {
            if (!planned.Contains(entry.S3Key))
            {
                continue;
            }
            if (planned[entry.S3Key].Any(sha => sha != entry.Sha256))
            {
                forOtherBytes[entry.S3Key] = (key, entry);
            }
            else
            {
                forItsBytes.Add(entry.S3Key);
            }
        }
        return (forOtherBytes, forItsBytes);
    }
}
