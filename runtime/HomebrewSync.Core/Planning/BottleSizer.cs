using System.Collections.Concurrent;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Registry;
using Polly;

namespace HomebrewSync.Core.Planning;

/// <summary>
/// Fills in bottle sizes: one OCI image index per formula version (annotation <c>sh.brew.bottle.size</c>),
/// then a HEAD (or ranged GET) for any blob the index did not name. A size that cannot be learnt stays
/// null and is reported; it never stops the plan. What the registry announces is taken only for the
/// image's own bottles (an index cannot size another image's blob) and only up to the largest size the
/// caller takes; anything else is reported and left unknown (so one response cannot swell the plan's total).
/// Each request is bounded (its attempts, its timeout, the Retry-After it honours), and so is the whole: once
/// <see cref="FailuresInARow"/> image indexes in a row have failed (twice the concurrency, if more), no more are asked for (their blobs are sized by HEAD), and
/// once as many HEADs in a row have, no more are sent (the rest stay unknown), so a registry that fails every request slowly
/// (a byte every few seconds, a 429 asking for a day) costs a few dozen requests' time, not thousands.
/// </summary>
internal sealed class BottleSizer
{
    private readonly IBottleRegistry _registry;
    private readonly ResiliencePipeline _pipeline;
    private readonly int _concurrency;
    private readonly (long Bytes, string Name) _largest;

    /// <summary>
    /// Failures in a row after which a sizing step asks no more (those in flight finish); twice the concurrency when that is
    /// more, so that one wave of requests that all meet a brief burst of errors does not end it.
    /// </summary>
    public const int FailuresInARow = 32;

    private int GiveUpAfter => Math.Max(FailuresInARow, 2 * _concurrency);

    /// <param name="largest">The largest size taken from the registry, and how to name it in the warning when one is larger.</param>
    public BottleSizer(IBottleRegistry registry, ResiliencePipeline pipeline, int concurrency, (long Bytes, string Name) largest)
    {
        _registry = registry;
        _pipeline = pipeline;
        _concurrency = concurrency;
        _largest = largest;
    }

    /// <param name="indexes">Gets each image index fetched, by <see cref="IndexCacheKey"/>, so the run can keep it without asking again.</param>
    public static string IndexCacheKey(Uri image, string reference) => $"{image.AbsoluteUri}|{reference}";

    /// <summary>
    /// The most the indexes kept for the run hold: as serve's cache, a document of at most <see cref="Serving.ImageIndexCache.MaxDocumentBytes"/>
    /// while their total stays within <see cref="Serving.ImageIndexCache.MaxTotalBytes"/>. One not kept is fetched again when it is
    /// stored. Every index a registry answers may be as large as MAX_IMAGE_INDEX_MB, and a first sync fetches thousands.
    /// </summary>
    private long _keptBytes;

    private void Keep(ConcurrentDictionary<string, byte[]>? indexes, string key, byte[] document)
    {
        if (indexes is null || document.Length > Serving.ImageIndexCache.MaxDocumentBytes)
        {
            return;
        }
        if (Interlocked.Add(ref _keptBytes, document.Length) > Serving.ImageIndexCache.MaxTotalBytes || !indexes.TryAdd(key, document))
        {
            Interlocked.Add(ref _keptBytes, -document.Length);
        }
    }

    /// <param name="onSized">Told each blob's size (sha256, bytes) as soon as it is known, once per blob.</param>
    public async Task<SyncPlan> SizeAsync(SyncPlan plan, ICollection<string> warnings, ConcurrentDictionary<string, byte[]>? indexes, CancellationToken cancellationToken,
        Action<string, long>? onSized = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(warnings);
        var sizes = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var problems = new ConcurrentQueue<string>();
        // Each image index with the blobs it may size: its own bottles'.
        var images = plan.Bottles
            .Select(b => (Image: BottleNaming.ImageBaseOf(new Uri(b.Url)), Reference: BottleNaming.IndexReference(b.FormulaVersion, b.Rebuild), b.Sha256))
            .Where(x => x.Image is not null)
            .GroupBy(x => (x.Image, x.Reference))
            .Select(g => (g.Key.Image, g.Key.Reference, Blobs: g.Select(x => x.Sha256).ToHashSet(StringComparer.Ordinal)))
            .ToArray();
        var keyOf = plan.Bottles.DistinctBy(b => b.Sha256).ToDictionary(b => b.Sha256, b => b.Key, StringComparer.Ordinal);
        // A size past the largest taken is not taken (a hostile or broken registry: it would overflow the plan's totals, push
        // the plan past MAX_DOWNLOAD_SIZE_GB or to ECS, or make a saved plan the worker refuses); the bottle is then fetched
        // only up to the maximum bottle size, as one of unknown size is.
        bool Plausible(string sha256, long size, string source)
        {
            if (size <= _largest.Bytes)
            {
                return true;
            }
            problems.Enqueue($"{keyOf[sha256]}: {source} announces {size:N0} bytes, more than {_largest.Name} ({_largest.Bytes:N0}); its size is not taken from it");
            return false;
        }
        var indexSteps = new Streak(GiveUpAfter, cancellationToken);
        await indexSteps.ForEachAsync(images, _concurrency, async (image, ct) =>
        {
            try
            {
                var document = await _pipeline.ExecuteAsync(
                    async token => await _registry.GetImageIndexAsync(image.Image!, image.Reference, token), ct);
                indexSteps.Succeeded();
                var parsed = OciImageIndex.Parse(document);
                Keep(indexes, IndexCacheKey(image.Image!, image.Reference), document);
                foreach (var entry in parsed.Entries.Where(e => image.Blobs.Contains(e.Sha256)))
                {
                    if (entry.Size is { } size && Plausible(entry.Sha256, size, "its image index") && sizes.TryAdd(entry.Sha256, size))
                    {
                        onSized?.Invoke(entry.Sha256, size);
                    }
                }
            }
            catch (Exception ex) when (ex is BottleDownloadException or TransientFailureException or Polly.Timeout.TimeoutRejectedException or System.Text.Json.JsonException)
            {
                // The HEAD fallback below still sizes this image's blobs.
                indexSteps.Failed(ex.Message);
            }
        });
        if (indexSteps.GaveUp is { } lastIndexFailure)
        {
            problems.Enqueue($"sizing: {GiveUpAfter} image indexes in a row failed (the last: {lastIndexFailure}); no more were asked for, and their blobs were sized by HEAD");
        }
        var missing = plan.Bottles.Where(b => !sizes.ContainsKey(b.Sha256)).DistinctBy(b => b.Sha256).ToArray();
        var heads = new Streak(GiveUpAfter, cancellationToken);
        var asked = 0;
        await heads.ForEachAsync(missing, _concurrency, async (bottle, ct) =>
        {
            Interlocked.Increment(ref asked);
            try
            {
                var size = await _pipeline.ExecuteAsync(
                    async token => await _registry.GetBlobSizeAsync(new Uri(bottle.Url), token), ct);
                heads.Succeeded();
                if (size is { } s)
                {
                    if (Plausible(bottle.Sha256, s, "the registry's HEAD") && sizes.TryAdd(bottle.Sha256, s))
                    {
                        onSized?.Invoke(bottle.Sha256, s);
                    }
                }
                else
                {
                    problems.Enqueue($"{bottle.Key}: the registry did not tell its size");
                }
            }
            catch (Exception ex) when (ex is BottleDownloadException or TransientFailureException or Polly.Timeout.TimeoutRejectedException)
            {
                problems.Enqueue($"{bottle.Key}: size unknown ({ex.Message})");
                heads.Failed(ex.Message);
            }
        });
        if (heads.GaveUp is { } lastHeadFailure)
        {
            var left = missing.Length - Volatile.Read(ref asked);
            problems.Enqueue($"sizing: {GiveUpAfter} HEAD requests in a row failed (the last: {lastHeadFailure}); no more were sent, and {left:N0} more blobs' sizes are unknown");
        }
        foreach (var p in problems)
        {
            warnings.Add(p);
        }
        return plan with
        {
            Bottles = plan.Bottles.Select(b => sizes.TryGetValue(b.Sha256, out var s) ? b with { Size = s } : b).ToArray(),
        };
    }

    /// <summary>
    /// One sizing step's requests, run <c>concurrency</c> at once until done or until <paramref name="giveUpAfter"/> have failed in a
    /// row: then none more start (those in flight finish), and <see cref="GaveUp"/> holds the last failure.
    /// </summary>
    private sealed class Streak(int giveUpAfter, CancellationToken cancellationToken)
    {
        private readonly Lock _gate = new();
        private int _inARow;
        private string? _gaveUp;

        public string? GaveUp
        {
            get
            {
                lock (_gate)
                {
                    return _gaveUp;
                }
            }
        }

        public void Succeeded()
        {
            lock (_gate)
            {
                _inARow = 0;
            }
        }

        public void Failed(string why)
        {
            lock (_gate)
            {
                if (++_inARow >= giveUpAfter)
                {
                    _gaveUp ??= why;
                }
            }
        }

        public Task ForEachAsync<T>(IEnumerable<T> items, int concurrency, Func<T, CancellationToken, ValueTask> body) =>
            Parallel.ForEachAsync(items.TakeWhile(_ => GaveUp is null), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, body);
    }
}
