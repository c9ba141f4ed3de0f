using System.Collections.Concurrent;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Registry;

namespace HomebrewSync.TestSupport;

/// <summary>
/// The registry port in memory (for unit tests of the pipeline): blobs of the given formulae by sha256, image
/// indexes built like the fake server's, and behaviour per blob on demand (a stall, transient failures with a
/// Retry-After, time that passes while a blob downloads).
/// </summary>
public sealed class FakeRegistry(IEnumerable<FakeFormula> formulae) : IBottleRegistry
{
    private readonly Dictionary<string, BlobContent> _blobs = formulae.SelectMany(f => f.Bottles.Values).DistinctBy(b => b.Sha256).ToDictionary(b => b.Sha256, StringComparer.Ordinal);
    private readonly Dictionary<(string Image, string Reference), FakeFormula> _versions = formulae.ToDictionary(f => (f.Image, f.IndexReference));
    private readonly ConcurrentDictionary<string, int> _opens = new(StringComparer.Ordinal);

    /// <summary>Blobs whose every GET hangs until cancelled (a stalled connection).</summary>
    public HashSet<string> Stalling { get; } = new(StringComparer.Ordinal);

    /// <summary>Blobs that answer 429 with this Retry-After, every time.</summary>
    public Dictionary<string, TimeSpan> Throttled { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs as a stalled GET starts to hang, with the request's token (a test on a fake clock lets time run to its next timer).</summary>
    public Action<CancellationToken>? OnStall { get; set; }

    /// <summary>Runs as each blob is opened (advance a fake clock: "this download takes 5 minutes").</summary>
    public Action<string>? OnOpen { get; set; }

    public int Opens(string sha256) => _opens.GetValueOrDefault(sha256);

    private int _open;
    private int _mostOpen;
    private (int Count, TaskCompletionSource Reached)? _openWatch;

    /// <summary>The most downloads at once: blobs being opened or open (body not yet disposed).</summary>
    public int MostOpenAtOnce => Volatile.Read(ref _mostOpen);

    /// <summary>When set, every blob open waits for it once counted: downloads held in flight.</summary>
    public TaskCompletionSource? HoldOpens { get; set; }

    /// <summary>Completes once <paramref name="count"/> downloads are in flight at once.</summary>
    public Task WhenOpenAtOnce(int count)
    {
        var watch = (count, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _openWatch = watch;
        return watch.Item2.Task;
    }

    public async Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken)
    {
        var sha = blobUrl.AbsolutePath[(blobUrl.AbsolutePath.LastIndexOf(':') + 1)..];
        _opens.AddOrUpdate(sha, 1, (_, n) => n + 1);
        var open = Interlocked.Increment(ref _open);
        for (var most = _mostOpen; open > most; most = _mostOpen)
        {
            Interlocked.CompareExchange(ref _mostOpen, open, most);
        }
        if (_openWatch is { } watch && open >= watch.Count)
        {
            watch.Reached.TrySetResult();
        }
        try
        {
            if (HoldOpens is { } hold)
            {
                await hold.Task.WaitAsync(cancellationToken);
            }
            return await OpenAsync(sha, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _open);
            throw;
        }
    }

    private async Task<BlobDownload> OpenAsync(string sha, CancellationToken cancellationToken)
    {
        if (Stalling.Contains(sha))
        {
            OnStall?.Invoke(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        if (Throttled.TryGetValue(sha, out var after))
        {
            throw new TransientFailureException("HTTP 429 from fake", after);
        }
        if (!_blobs.TryGetValue(sha, out var blob))
        {
            throw new BottleDownloadException(FailureKind.NotFound, "not found (HTTP 404 from fake)");
        }
        OnOpen?.Invoke(sha);
        return new BlobDownload(new MemoryStream(blob.ToArray(), writable: false), blob.Length, new Closed(() => Interlocked.Decrement(ref _open)));
    }

    /// <summary>While set and not completed, image-index requests (sizing) wait for it.</summary>
    public TaskCompletionSource? HoldIndexes { get; set; }

    public async Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken)
    {
        if (HoldIndexes is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
        var image = imageBase.AbsolutePath[(imageBase.AbsolutePath.IndexOf("/core/", StringComparison.Ordinal) + "/core/".Length)..];
        return _versions.TryGetValue((image, reference), out var formula)
            ? ImageIndexWriter.ToBytes(formula)
            : throw new BottleDownloadException(FailureKind.NotFound, "not found (HTTP 404 from fake)");
    }

    public Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken)
    {
        var image = imageBase.AbsolutePath[(imageBase.AbsolutePath.IndexOf("/core/", StringComparison.Ordinal) + "/core/".Length)..];
        var tags = _versions.Keys.Where(k => k.Image == image).Select(k => k.Reference).ToArray();
        return tags.Length > 0 ? Task.FromResult<IReadOnlyList<string>>(tags) : throw new BottleDownloadException(FailureKind.NotFound, "not found (HTTP 404 from fake)");
    }

    public Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken)
    {
        var sha = blobUrl.AbsolutePath[(blobUrl.AbsolutePath.LastIndexOf(':') + 1)..];
        return Task.FromResult(_blobs.TryGetValue(sha, out var b) ? (long?)b.Length : null);
    }

    /// <summary>The formulae as the catalog reader would give them, blob URLs on ghcr.io.</summary>
    public static IFormulaSource Catalog(IEnumerable<FakeFormula> formulae) => new FakeCatalog(formulae.ToArray());

    private sealed class FakeCatalog(FakeFormula[] formulae) : IFormulaSource
    {
        public async IAsyncEnumerable<Formula> ReadAsync(Action<string>? rejected, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var f in formulae)
            {
                yield return new Formula(f.Name, f.Version, f.Rebuild, f.Disabled, f.Bottles.ToDictionary(
                    b => b.Key,
                    b => new BottleFile(b.Key, new Uri($"https://ghcr.io/v2/homebrew/core/{f.Image}/blobs/sha256:{b.Value.Sha256}"), b.Value.Sha256, "/opt/homebrew/Cellar"),
                    StringComparer.Ordinal));
            }
            await Task.CompletedTask;
        }
    }

    private sealed class Closed(Action closed) : IDisposable
    {
        public void Dispose() => closed();
    }
}
