using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>Catalog entries skipped as unusable: the first few named, then a count.</summary>
internal sealed class RejectedEntries(ISyncObserver observer)
{
    private const int Shown = 20;
    private int _count;

    public void Add(string reason)
    {
        if (Interlocked.Increment(ref _count) <= Shown)
        {
            observer.Info($"warning: catalog entry skipped: {reason}");
        }
    }

    public void Summarize()
    {
        if (_count > Shown)
        {
            observer.Info($"warning: ... and {_count - Shown:N0} more catalog entries skipped");
        }
    }
}
