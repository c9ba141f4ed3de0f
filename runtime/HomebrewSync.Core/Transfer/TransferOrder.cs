using HomebrewSync.Contracts;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// Which blob starts next when a download slot frees: the largest whose size is known (the plan's, or learnt since), so the
/// longest download does not start last and run alone at the end; then those of unknown size, in the plan's order. Each blob
/// is handed out once. Asked by one caller at a time (<see cref="DownloadSlots.TurnsAsync"/>, which Parallel.ForEachAsync reads under its own lock).
/// </summary>
internal sealed class TransferOrder
{
    private readonly PlannedBottle[][] _groups;
    private readonly Dictionary<string, int> _bySha;
    private readonly LearntSizes? _learnt;
    private readonly PriorityQueue<int, (long Size, int Index)> _sized = new(Comparer<(long Size, int Index)>.Create(
        (a, b) => a.Size != b.Size ? b.Size.CompareTo(a.Size) : a.Index.CompareTo(b.Index)));
    private readonly bool[] _queued;
    private int _next;

    /// <param name="groups">The plan's bottles, one group per blob (its first bottle the one downloaded), in the plan's order.</param>
    public TransferOrder(PlannedBottle[][] groups, LearntSizes? learnt)
    {
        _groups = groups;
        _learnt = learnt;
        _queued = new bool[groups.Length];
        _bySha = new Dictionary<string, int>(groups.Length, StringComparer.Ordinal);
        for (var i = 0; i < groups.Length; i++)
        {
            _bySha[groups[i][0].Sha256] = i;
            if (groups[i][0].Size is { } size)
            {
                Queue(i, size);
            }
        }
    }

    /// <summary>The blob to start next, chosen now; null when every one has been handed out.</summary>
    public PlannedBottle[]? Next()
    {
        while (_learnt is not null && _learnt.TryTakeNews(out var sha256))
        {
            if (_bySha.TryGetValue(sha256, out var index) && _learnt.TryGet(sha256, out var size))
            {
                Queue(index, size);
            }
        }
        if (_sized.TryDequeue(out var largest, out _))
        {
            return _groups[largest];
        }
        while (_next < _groups.Length)
        {
            var index = _next++;
            if (!_queued[index])
            {
                _queued[index] = true;
                return _groups[index];
            }
        }
        return null;
    }

    private void Queue(int index, long size)
    {
        if (!_queued[index])
        {
            _queued[index] = true;
            _sized.Enqueue(index, (size, index));
        }
    }
}
