using System.Text.Json;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;
using Polly;
using Polly.Timeout;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Keeps each mirrored formula version's image index in the store, byte for byte as the registry serves it:
/// brew (6.0.13 and later) fetches it from the mirror before a bottle and will not install without it. An
/// index that does not list every mirrored digest is never kept; one already kept that lists them is left as is.
/// </summary>
internal sealed class ImageIndexKeeper(IDocumentStore documents, IBottleRegistry registry, ResiliencePipeline pipeline, int concurrency)
{
    /// <returns>How many indexes were written, and those that could not be kept (the run's warnings), each with why.</returns>
    public async Task<(int Written, IReadOnlyList<(PlannedImageIndex Index, string Reason)> NotKept)> KeepAsync(
        IReadOnlyList<PlannedImageIndex> wanted, IReadOnlyDictionary<string, byte[]> fetched, ISyncObserver observer, CancellationToken cancellationToken)
    {
        var written = 0;
        var notKept = new System.Collections.Concurrent.ConcurrentBag<(PlannedImageIndex, string)>();
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(wanted, options, async (m, ct) =>
        {
            try
            {
                if (await documents.GetDocumentAsync(m.Key, ct) is { } kept && ListsAll(kept.Content, m.Digests))
                {
                    return;
                }
                var image = new Uri(m.ImageUrl);
                var bytes = fetched.TryGetValue(BottleSizer.IndexCacheKey(image, m.Reference), out var cached) && ListsAll(cached, m.Digests)
                    ? cached
                    : await pipeline.ExecuteAsync(async token => await registry.GetImageIndexAsync(image, m.Reference, token), ct);
                if (!ListsAll(bytes, m.Digests))
                {
                    const string Reason = "the registry's index does not list every mirrored bottle";
                    observer.Info($"warning: image index {m.Key} not kept: {Reason} (brew falls back to ghcr.io for them)");
                    notKept.Add((m, Reason));
                    return;
                }
                await documents.PutDocumentAsync(m.Key, bytes, OciImageIndex.MediaType, ct);
                Interlocked.Increment(ref written);
            }
            // A link (or anything else the key grammar refuses) in the index's place is left as it is, like prune leaves it: that
            // index is not kept, the run goes on.
            catch (Exception ex) when (ex is BottleDownloadException or TransientFailureException or TimeoutRejectedException or IOException or JsonException
                or UnsafeStoreKeyException)
            {
                observer.Info($"warning: image index {m.Key} not kept ({ex.Message}); the next sync tries again");
                notKept.Add((m, ex.Message));
            }
        });
        return (written, notKept.OrderBy(n => n.Item1.Key, StringComparer.Ordinal).ToArray());
    }

    internal static bool ListsAll(byte[] document, IReadOnlyList<string> digests)
    {
        try
        {
            var index = OciImageIndex.Parse(document);
            return digests.All(index.Lists);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
