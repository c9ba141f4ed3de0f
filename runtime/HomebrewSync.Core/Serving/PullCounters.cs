namespace HomebrewSync.Core.Serving;

/// <summary>
/// What pull-through has done since the endpoint started, read at any time (the access log, <c>/healthz</c>, metrics):
/// transfers that stored something, transfers that failed, requests that waited on another request's transfer, requests
/// for what the catalog does not name, and transfers under way.
/// </summary>
public sealed class PullCounters
{
    private long _pulled;
    private long _failed;
    private long _joined;
    private long _notInCatalog;
    private long _inFlight;

    /// <summary>Bottles and image indexes fetched, verified and stored by a pull.</summary>
    public long Pulled => Interlocked.Read(ref _pulled);

    /// <summary>Pulls that stored nothing (wrong bytes, upstream down, too large, out of time, the store busy).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests answered by a transfer another request had started (one upstream transfer for them all).</summary>
    public long Joined => Interlocked.Read(ref _joined);

    /// <summary>Requests for a formula version or bottle the current catalog does not name for the mirror's tags (404, nothing fetched).</summary>
    public long NotInCatalog => Interlocked.Read(ref _notInCatalog);

    /// <summary>Transfers under way now.</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    internal void AddPulled() => Interlocked.Increment(ref _pulled);

    internal void AddFailed() => Interlocked.Increment(ref _failed);

    internal void AddJoined() => Interlocked.Increment(ref _joined);

    internal void AddNotInCatalog() => Interlocked.Increment(ref _notInCatalog);

    internal void Started() => Interlocked.Increment(ref _inFlight);

    internal void Ended() => Interlocked.Decrement(ref _inFlight);
}
