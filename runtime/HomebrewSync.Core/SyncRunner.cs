using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core;

/// <summary>A plan with the hash file it was made against, ready to execute.</summary>
public sealed record PlannedRun(PlanOutcome Outcome, ManifestSnapshot? Manifest)
{
    public SyncPlan Plan => Outcome.Plan;
}

public sealed record SyncRunResult(PlannedRun Planned, TransferResult Transfer, Manifest.HashManifest Manifest)
{
    public bool HasFailures => Transfer.Failed.Count > 0;
}

/// <summary>Plan, then transfer: the whole sync of one machine, over the ports it is given.</summary>
public sealed class SyncRunner
{
    private readonly IBottleStore _store;
    private readonly IFormulaSource _catalog;
    private readonly BottleSizer _sizer;
    private readonly TransferEngine _engine;
    private readonly SyncSettings _settings;
    private readonly TimeProvider _time;

    public SyncRunner(IBottleStore store, IFormulaSource catalog, BottleSizer sizer, TransferEngine engine, SyncSettings settings, TimeProvider time)
    {
        _store = store;
        _catalog = catalog;
        _sizer = sizer;
        _engine = engine;
        _settings = settings;
        _time = time;
    }

    public IBottleStore Store => _store;

    /// <summary>Reads the hash file and the catalog and works out what to fetch; writes nothing but the store's write check.</summary>
    public async Task<PlannedRun> PlanAsync(PlanRequest request, Action<string>? rejected, CancellationToken cancellationToken)
    {
        await _store.PrepareAsync(cancellationToken);
        // The hash file is read and parsed while the catalog downloads: the two are independent until the first formula.
        var snapshotTask = Task.Run(() => _store.ReadManifestAsync(cancellationToken), cancellationToken);
        PlanOutcome outcome;
        try
        {
            outcome = await SyncPlanner.PlanAsync(_catalog.ReadAsync(rejected, cancellationToken), ManifestOf(snapshotTask), request, _time, cancellationToken);
        }
        catch when (!snapshotTask.IsCompleted)
        {
            // A failed catalog must not leave the hash-file read running unobserved.
            await Task.WhenAny(snapshotTask);
            throw;
        }
        var snapshot = await snapshotTask;
        var warnings = outcome.Warnings.ToList();
        var sized = await _sizer.SizeAsync(outcome.Plan, warnings, cancellationToken);
        return new PlannedRun(outcome with { Plan = sized, Warnings = warnings }, snapshot);
    }

    /// <summary>Transfers a plan, checkpointing the hash file as it goes.</summary>
    public async Task<SyncRunResult> ExecuteAsync(PlannedRun planned, ProgressTracker progress, ISyncObserver observer, Func<bool>? keepGoing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var checkpointer = new ManifestCheckpointer(_store, planned.Manifest, _settings.BatchSize, _time, observer);
        var transfer = await _engine.RunAsync(planned.Plan, checkpointer, progress, observer, keepGoing, cancellationToken);
        return new SyncRunResult(planned, transfer, checkpointer.Manifest);
    }

    private static async Task<Manifest.HashManifest?> ManifestOf(Task<ManifestSnapshot?> snapshot) => (await snapshot)?.Manifest;

    public ProgressTracker NewProgress(SyncPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new ProgressTracker(_time, plan.Bottles.Count, plan.TotalBytes);
    }
}
