using System.Collections.Concurrent;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// Blob sizes (by sha256) learnt while the transfer already runs (sizing beside it): a body downloading is held to its size
/// from then on, and the transfer's order hears of each size once, to start the largest blobs first.
/// </summary>
internal sealed class LearntSizes
{
    private readonly ConcurrentDictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _news = new();

    public void Learn(string sha256, long bytes)
    {
        if (_sizes.TryAdd(sha256, bytes))
        {
            _news.Enqueue(sha256);
        }
        else
        {
            _sizes[sha256] = bytes;
        }
    }

    public bool TryGet(string sha256, out long bytes) => _sizes.TryGetValue(sha256, out bytes);

    /// <summary>A blob whose size was learnt since the last call (each once), for the one reader that orders the transfer.</summary>
    public bool TryTakeNews(out string sha256) => _news.TryDequeue(out sha256!);
}
