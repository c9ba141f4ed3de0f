using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Orchestration;

/// <summary>
/// Executes a saved plan, in one go (ECS, the CLI's <c>--plan</c>) or in slices that fit a time budget
/// (the Lambda worker): each call takes what the earlier calls neither stored nor failed, stops starting
/// bottles when the budget is close, records its progress beside the plan, and sends "complete" or
/// "completed with warnings" once every bottle has been attempted.
/// </summary>
public sealed class PlanWorker
{
    private readonly IBottleStore _store;
    private readonly SyncRunner _runner;
    private readonly SyncNotifications _notifications;
    private readonly SyncSettings _settings;
    private readonly TimeProvider _time;
    private readonly PlanRepository _plans;

    public PlanWorker(IBottleStore store, SyncRunner runner, SyncNotifications notifications, SyncSettings settings, TimeProvider time)
    {
        _store = store;
        _runner = runner;
        _notifications = notifications;
        _settings = settings;
        _time = time;
        _plans = new PlanRepository(store);
    }

    /// <param name="budget">How long this call may take; null for no limit.</param>
    /// <param name="onProgress">Gets the tracker of this call's transfer (a display, progress messages) and a token that ends with it.</param>
    public async Task<WorkerResult> RunAsync(
        string planKey,
        TimeSpan? budget,
        ISyncObserver observer,
        Func<ProgressTracker, CancellationToken, Task>? onProgress,
        CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        await _store.PrepareAsync(cancellationToken);
        var plan = await _plans.LoadAsync(planKey, cancellationToken);
        if (_settings.MaxDownloadBytes is { } max && plan.TotalBytes > max)
        {
            throw new PlanInputException($"The plan holds {plan.TotalBytes:N0} bytes, more than {EnvVars.MaxDownloadSizeGb} allows ({max:N0}); nothing was downloaded.");
        }
        var state = await _plans.LoadStateAsync(planKey, cancellationToken) ?? new PlanState { StartedAt = plan.CreatedAt };
        var snapshot = await _store.ReadManifestAsync(cancellationToken);
        var done = new HashSet<string>(state.Stored.Concat(state.Failed.Select(f => f.Key)), StringComparer.Ordinal);
        var remaining = plan.Bottles
            .Where(b => !done.Contains(b.Key))
            .Where(b => plan.Force || snapshot is null || !snapshot.Manifest.TryGet(b.Key, out var e) || e.Sha256 != b.Sha256)
            .ToArray();
        // Bottles a killed earlier call stored and recorded (not in the state) count as stored.
        var recoveredEarlier = plan.Bottles.Where(b => !done.Contains(b.Key) && !remaining.Contains(b)).Select(b => b.Key).ToArray();

        var slice = plan with { Bottles = remaining };
        var planned = new PlannedRun(new PlanOutcome(slice, 0, 0, []), snapshot);
        var progress = _runner.NewProgress(slice);
        using var budgetCts = budget is { } b ? new CancellationTokenSource(b, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budgetCts.Token);
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = onProgress is not null && remaining.Length > 0 ? onProgress(progress, stopProgress.Token) : Task.CompletedTask;
        // Leave time for a bottle started now to finish its first attempt before the budget runs out.
        Func<bool>? keepGoing = budget is { } limit ? () => _time.GetElapsedTime(started) + _settings.DownloadTimeout < limit : null;
        IReadOnlyList<string> storedNow;
        IReadOnlyList<BottleFailure> failedNow = [];
        long bytesNow;
        try
        {
            var result = await _runner.ExecuteAsync(planned, progress, observer, keepGoing, linked.Token);
            storedNow = result.Transfer.Stored.Select(x => x.Key).ToArray();
            failedNow = result.Transfer.Failed;
            bytesNow = result.Transfer.BytesTransferred;
        }
        catch (OperationCanceledException) when (budgetCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The budget ran out mid-bottle: what was stored is in the hash file (flushed on the way out); the rest is for the next call.
            var after = await _store.ReadManifestAsync(CancellationToken.None);
            storedNow = remaining.Where(x => after is not null && after.Manifest.TryGet(x.Key, out var e) && e.Sha256 == x.Sha256 && e.S3Key == x.ObjectKey).Select(x => x.Key).ToArray();
            bytesNow = progress.Snapshot().TransferredBytes;
        }
        finally
        {
            await stopProgress.CancelAsync();
            await reporting;
        }

        state = state with
        {
            Invocations = state.Invocations + 1,
            Stored = state.Stored.Concat(recoveredEarlier).Concat(storedNow).Distinct(StringComparer.Ordinal).ToArray(),
            Failed = state.Failed.Concat(failedNow.Select(f => new FailedBottle(f.Bottle.Key, f.Kind.ToString(), f.Reason))).ToArray(),
            BytesTransferred = state.BytesTransferred + bytesNow,
        };
        await _plans.SaveStateAsync(planKey, state, CancellationToken.None);
        var left = plan.Bottles.Count - state.Stored.Count - state.Failed.Count;
        if (left == 0)
        {
            var byKey = plan.Bottles.ToDictionary(x => x.Key, StringComparer.Ordinal);
            var stored = state.Stored.Select(k => byKey[k]).ToArray();
            var failed = state.Failed.Select(f => new BottleFailure(byKey[f.Key], Enum.Parse<FailureKind>(f.Kind), f.Reason)).ToArray();
            await _notifications.For(null, plan.Trigger, plan.NotificationChannel)
                .FinishedAsync(plan, stored, failed, state.BytesTransferred, _time.GetUtcNow() - state.StartedAt, _store, CancellationToken.None);
        }
        return new WorkerResult
        {
            Done = left == 0,
            PlanKey = planKey,
            Stored = state.Stored.Count,
            Failed = state.Failed.Count,
            Remaining = left,
            BytesTransferred = state.BytesTransferred,
            Invocations = state.Invocations,
        };
    }
}
