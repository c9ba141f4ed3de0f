namespace HomebrewSync.Core.Progress;

/// <summary>Thread-safe counters the transfer workers update and any display samples.</summary>
public sealed class ProgressTracker
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _bytes;
    private int _completed;
    private int _failed;
    private Contracts.PlannedBottle? _current;

    public ProgressTracker(TimeProvider time, int totalBottles, long totalBytes)
    {
        _time = time;
        _started = time.GetTimestamp();
        TotalBottles = totalBottles;
        TotalBytes = totalBytes;
    }

    public int TotalBottles { get; }
    public long TotalBytes { get; }

    public void Started(Contracts.PlannedBottle bottle) => Volatile.Write(ref _current, bottle);

    public void AddBytes(long count) => Interlocked.Add(ref _bytes, count);

    public void Completed(int bottles) => Interlocked.Add(ref _completed, bottles);

    public void Failed(int bottles) => Interlocked.Add(ref _failed, bottles);

    public SyncProgress Snapshot()
    {
        var current = Volatile.Read(ref _current);
        return new(
            TotalBottles,
            Volatile.Read(ref _completed),
            Volatile.Read(ref _failed),
            TotalBytes,
            Interlocked.Read(ref _bytes),
            _time.GetElapsedTime(_started),
            current?.Key,
            current is null ? null : $"{current.FormulaName}@{current.FormulaVersion}");
    }
}
