using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// A whole run in this process (the CLI's <c>sync</c>): plan, "started", transfer, "complete" or "completed with
/// warnings", metrics. A run that cannot proceed, or is refused, sends "failed" (it started itself, so nobody else will).
/// </summary>
public sealed class SyncRun(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));
    private readonly Planner _planner = new(context);
    private readonly CheckpointedTransfer _transfer = new(context);
    private readonly RunFinisher _finisher = new(context);

    /// <param name="onPlanned">Shown the plan before anything is downloaded.</param>
    public async Task<SyncOutcome> SyncAsync(PlanRequest request, RunDisplay display, Action<PlannedRun>? onPlanned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(display);
        var started = _context.Time.GetTimestamp();
        var labels = request.Labels;
        var messages = _context.Notifications.For(null, labels.Trigger, labels.NotificationChannel, labels.RequestedBy, labels.Priority);
        ProgressTracker? progress = null;
        try
        {
            return await _context.Leases.UnderLeaseAsync(request.RebuildHash ? LeaseMode.Exclusive : LeaseMode.Shared,
                request.RebuildHash ? "sync with hash-file rebuild" : "sync", display.Observer,
                ct => RunAsync(new Run(request, display, onPlanned, messages, started), p => progress = p, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refused request (an unknown tag or formula, a plan above MAX_DOWNLOAD_SIZE_GB) is a failed run too, as on the deployed route.
            await messages.FailedAsync(request.SyncDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ex, progress?.Snapshot(),
                _context.Time.GetElapsedTime(started), CancellationToken.None);
            throw;
        }
    }

    /// <summary>What one run carries from step to step.</summary>
    private sealed record Run(PlanRequest Request, RunDisplay Display, Action<PlannedRun>? OnPlanned, SyncNotifications Messages, long Started)
    {
        /// <summary>The image indexes sizing fetched, by <see cref="Planning.BottleSizer.IndexCacheKey"/>, as they arrive.</summary>
        public ConcurrentDictionary<string, byte[]> Fetched { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The body of <see cref="SyncAsync"/>, under the run's lease.</summary>
    private async Task<SyncOutcome> RunAsync(Run run, Action<ProgressTracker> onProgress, CancellationToken cancellationToken)
    {
        var draft = await _planner.DraftAsync(run.Request, run.Display.Observer, cancellationToken);
        // Image indexes are kept as their bottles land; the finisher keeps what is left.
        var early = new IndexesAsBottlesLand(draft.Outcome.Plan.ImageIndexes, run.Fetched, _context.Ports.Documents, cancellationToken);
        IReadOnlySet<string> kept;
        PlannedRun planned;
        TransferResult transfer;
        HashFiles.HashFile hashFile;
        try
        {
            var watched = run with { Display = run.Display with { Observer = early.Watching(run.Display.Observer) } };
            (planned, (transfer, hashFile)) = _context.Settings.MaxDownloadBytes is null
                ? await SizeWhileTransferringAsync(watched, draft, onProgress, cancellationToken)
                : await SizeThenTransferAsync(watched, draft, onProgress, cancellationToken);
        }
        finally
        {
            kept = await early.DrainAsync();
        }
        var outcome = new SyncOutcome(planned.Plan, null, transfer.Stored, transfer.Failed, transfer.NotStarted.Count, transfer.BytesTransferred,
            _context.Time.GetElapsedTime(run.Started), 1, hashFile);
        return outcome.Done ? await _finisher.FinishAsync(outcome, run.Display, planned.Indexes, planned.ApiBytes, cancellationToken, kept) : outcome;
    }

    /// <summary>A download limit is checked against the whole plan before the first byte.</summary>
    private async Task<(PlannedRun, (TransferResult, HashFiles.HashFile))> SizeThenTransferAsync(Run run, PlanDraft draft, Action<ProgressTracker> onProgress,
        CancellationToken cancellationToken)
    {
        var planned = await _planner.CompleteAsync(draft, run.Request, run.Display.Observer, null, cancellationToken, run.Fetched);
        run.OnPlanned?.Invoke(planned);
        _context.EnsureWithinDownloadLimit(planned.Plan);
        await run.Messages.StartedAsync(planned.Plan, cancellationToken);
        var progress = _context.NewProgress(planned.Plan);
        onProgress(progress);
        return (planned, await _transfer.RunAsync(planned.Plan, planned.HashFile, progress, run.Display, _context.Deadline(), cancellationToken));
    }

    /// <summary>
    /// Bottles start downloading while the rest are still being sized (<see cref="SizingBesideTransfer"/>): the plan report,
    /// "started" and the progress totals follow the sizes as they arrive.
    /// </summary>
    private async Task<(PlannedRun, (TransferResult, HashFiles.HashFile))> SizeWhileTransferringAsync(Run run, PlanDraft draft, Action<ProgressTracker> onProgress,
        CancellationToken cancellationToken)
    {
        var draftPlan = draft.Outcome.Plan;
        var progress = _context.NewProgress(draftPlan);
        onProgress(progress);
        var bottlesPerBlob = draftPlan.Bottles.GroupBy(b => b.Sha256, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var deadline = _context.Deadline();
        var (planned, (transfer, hashFile)) = await SizingBesideTransfer.RunAsync(
            async (learnt, ct) =>
            {
                var sized = await _planner.CompleteAsync(draft, run.Request, run.Display.Observer, (sha, size) =>
                {
                    learnt(sha, size);
                    progress.AddTotalBytes(size * bottlesPerBlob.GetValueOrDefault(sha));
                }, ct, run.Fetched);
                progress.SetTotalBytes(sized.Plan.TotalBytes);
                run.OnPlanned?.Invoke(sized);
                await run.Messages.StartedAsync(sized.Plan, ct);
                return sized;
            },
            (sizesSoFar, ct) => _transfer.RunAsync(draftPlan, draft.Snapshot, progress, run.Display, deadline, ct, sizesSoFar),
            cancellationToken);
        return (planned, (WithSizes(transfer, planned.Plan), hashFile));
    }

    /// <summary>The transfer started from the draft: its bottles are reported with the sizes sizing learnt.</summary>
    private static TransferResult WithSizes(TransferResult transfer, SyncPlan sized)
    {
        var sizedByKey = sized.Bottles.ToDictionary(b => b.Key, StringComparer.Ordinal);
        PlannedBottle Sized(PlannedBottle b) => sizedByKey.GetValueOrDefault(b.Key, b);
        return transfer with
        {
            Stored = transfer.Stored.Select(Sized).ToArray(),
            Failed = transfer.Failed.Select(f => f with { Bottle = Sized(f.Bottle) }).ToArray(),
        };
    }
}
