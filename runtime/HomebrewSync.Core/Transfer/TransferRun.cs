using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Progress;
using Polly;

namespace HomebrewSync.Core.Transfer;

/// <summary>What one <see cref="TransferEngine.RunAsync"/> shares between its bottles: the plan's fixed parts, where each outcome goes, and the tallies.</summary>
internal sealed class TransferRun(SyncPlan plan, HashFileCheckpointer checkpointer, ProgressTracker progress, ISyncObserver observer, ResiliencePipeline pipeline,
    DateTimeOffset? deadline, LearntSizes? sizesSoFar)
{
    private long _transferred;
    private long _storedBytes;
    private int _first;

    public SyncPlan Plan => plan;
    public HashFileCheckpointer Checkpointer => checkpointer;
    public ProgressTracker Progress => progress;
    public ISyncObserver Observer => observer;
    public ResiliencePipeline Pipeline => pipeline;
    public DateTimeOffset? Deadline => deadline;
    public LearntSizes? SizesSoFar => sizesSoFar;
    public DateOnly SyncDate { get; } = DateOnly.ParseExact(plan.SyncDate, "yyyy-MM-dd", CultureInfo.InvariantCulture);
    public Uri ApiUrl { get; } = new(plan.ApiUrl);

    public ConcurrentQueue<PlannedBottle> Stored { get; } = new();
    public ConcurrentQueue<BottleFailure> Failed { get; } = new();
    public ConcurrentQueue<PlannedBottle> NotStarted { get; } = new();
    public long Transferred => Interlocked.Read(ref _transferred);
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    public void AddTransferred(long bytes) => Interlocked.Add(ref _transferred, bytes);

    public void AddStored(long bytes) => Interlocked.Add(ref _storedBytes, bytes);

    /// <summary>True for the first bottle of the run only.</summary>
    public bool TakeFirst() => Interlocked.Exchange(ref _first, 1) == 0;
}
