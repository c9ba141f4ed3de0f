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
    private long _totalBytes;

    public ProgressTracker(TimeProvider time, int totalBottles, long totalBytes)
    {
        _time = time;
        _started = time.GetTimestamp();
        TotalBottles = totalBottles;
        _totalBytes = totalBytes;
    }

    public int TotalBottles { get; }

    /// <summary>Bytes to transfer, as far as known: it grows while sizing still runs beside the transfer.</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    public void AddTotalBytes(long count) => Interlocked.Add(ref _totalBytes, count);

    /// <summary>The total once sizing has finished.</summary>
    public void SetTotalBytes(long count) => Interlocked.Exchange(ref _totalBytes, count);

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
