using System.Collections.Concurrent;
using System.Threading.Channels;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Keeps image indexes while the rest of the bottles are still downloading: each one as soon as one of its bottles is stored
/// (the rule <see cref="RunFinisher"/> keeps: an index only for a version the mirror holds a bottle of) and sizing has fetched
/// it, by <see cref="Writers"/> writers, few so that they do not slow the downloads they run beside. What it could not keep that
/// way (not fetched yet, a write that failed, still queued when the transfer ends) is left to the finisher, which keeps the rest
/// as before, many at once. Without it, a run of many small bottles spent its last second writing indexes.
/// </summary>
internal sealed class IndexesAsBottlesLand
{
    public const int Writers = 2;
    private readonly IReadOnlyDictionary<string, PlannedImageIndex[]> _byDigest;
    private readonly IReadOnlyDictionary<string, byte[]> _fetched;
    private readonly IDocumentStore _documents;
    private readonly ConcurrentDictionary<string, bool> _claimed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _kept = new(StringComparer.Ordinal);
    private readonly Channel<PlannedImageIndex> _queue = Channel.CreateUnbounded<PlannedImageIndex>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task _writers;
    private volatile bool _draining;

    /// <param name="fetched">The image indexes sizing fetches, by <see cref="BottleSizer.IndexCacheKey"/>, filled while the transfer runs.</param>
    public IndexesAsBottlesLand(IReadOnlyList<PlannedImageIndex> planned, IReadOnlyDictionary<string, byte[]> fetched, IDocumentStore documents, CancellationToken cancellationToken)
    {
        _byDigest = planned.SelectMany(i => i.Digests.Select(d => (Digest: d, Index: i)))
            .GroupBy(x => x.Digest, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Index).ToArray(), StringComparer.Ordinal);
        _fetched = fetched;
        _documents = documents;
        _writers = Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(() => WriteAsync(cancellationToken), CancellationToken.None)));
    }

    /// <summary>Wraps the transfer's observer: every stored bottle queues its image index.</summary>
    public ISyncObserver Watching(ISyncObserver observer) => new StoredBottleTap(observer, Stored);

    /// <summary>A bottle is stored: its index is queued once (another of its bottles does not queue it again).</summary>
    public void Stored(PlannedBottle bottle)
    {
        ArgumentNullException.ThrowIfNull(bottle);
        if (!_byDigest.TryGetValue(bottle.Sha256, out var indexes))
        {
            return;
        }
        foreach (var index in indexes)
        {
            if (_claimed.TryAdd(index.Key, true))
            {
                _queue.Writer.TryWrite(index);
            }
        }
    }

    /// <summary>The transfer has ended: waits for the writes under way (what is still queued is the finisher's); returns the keys of the indexes written.</summary>
    public async Task<IReadOnlySet<string>> DrainAsync()
    {
        _draining = true;
        _queue.Writer.TryComplete();
        await _writers;
        return _kept.Keys.ToHashSet(StringComparer.Ordinal);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var index in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                if (_draining)
                {
                    return;
                }
                if (!_fetched.TryGetValue(BottleSizer.IndexCacheKey(new Uri(index.ImageUrl), index.Reference), out var bytes) || !ImageIndexKeeper.ListsAll(bytes, index.Digests))
                {
                    continue;
                }
                try
                {
                    await _documents.PutDocumentAsync(index.Key, bytes, OciImageIndex.MediaType, cancellationToken);
                    _kept.TryAdd(index.Key, true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Whatever it was, left to the finisher: it tries again, and reports (or fails the run on) what it cannot write.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run was stopped: what is not written is not reported as kept.
        }
    }

    /// <summary>The observer the transfer reports to, telling <see cref="Stored"/> of each bottle stored.</summary>
    private sealed class StoredBottleTap(ISyncObserver inner, Action<PlannedBottle> stored) : ISyncObserver
    {
        public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent)
        {
            inner.BottleStored(bottle, bytes, alreadyPresent);
            stored(bottle);
        }

        public void BottleFailed(BottleFailure failure) => inner.BottleFailed(failure);
        public void Retrying(RetryNotice notice) => inner.Retrying(notice);
        public void Checkpointed(int entries, string location) => inner.Checkpointed(entries, location);
        public void HashFileConflict(string location, int attempt) => inner.HashFileConflict(location, attempt);
        public void Info(string message) => inner.Info(message);
    }
}
