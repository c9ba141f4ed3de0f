using HomebrewSync.Contracts;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// Executes a saved plan (the Lambda worker, the ECS task's <c>sync --plan</c>): takes what earlier executions neither stored
/// nor failed, within this host's time budget, records its progress beside the plan, and once every bottle has been
/// attempted sends "complete" or "completed with warnings" with the whole run's numbers. It never sends "failed": whoever
/// started the plan (the state machine) reports a failure.
/// </summary>
public sealed class SavedPlanExecutor(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));
    private readonly CheckpointedTransfer _transfer = new(context);
    private readonly RunFinisher _finisher = new(context);

    /// <summary>Saves a plan under <c>plans/&lt;date&gt;/</c> for a worker to execute (the worker's direct invocation); returns its key.</summary>
    public async Task<string> SavePlanAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var key = PlanRepository.NewKey(plan.SyncDate, _context.Time.GetUtcNow());
        await _context.SavePlanAsync(key, plan, cancellationToken);
        return key;
    }

    /// <exception cref="PlanNotFoundException">No plan at <paramref name="planKey"/>.</exception>
    public async Task<SyncOutcome> ExecuteSavedPlanAsync(string planKey, RunDisplay display, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(display);
        var now = _context.Time.GetUtcNow();
        // The budget counts from the invocation's start, a wait for the store included.
        var deadline = _context.Deadline();
        return await _context.Leases.UnderLeaseAsync(LeaseMode.Shared, "sync (saved plan)", display.Observer,
            ct => ExecuteAsync(planKey, display, now, deadline, ct), cancellationToken);
    }

    private async Task<SyncOutcome> ExecuteAsync(string planKey, RunDisplay display, DateTimeOffset now, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var (ports, time) = (_context.Ports, _context.Time);
        await ports.Bottles.PrepareAsync(cancellationToken);
        var plan = await _context.Plans.LoadAsync(planKey, cancellationToken);
        _context.EnsureWithinDownloadLimit(plan);
        var state = await _context.Plans.LoadStateAsync(planKey, cancellationToken) ?? new PlanState { StartedAt = now };
        var byKey = plan.Bottles.ToDictionary(b => b.Key, StringComparer.Ordinal);
        if (state.FinishedAt is not null)
        {
            // Already over (a repeated invocation): report where it ended, send nothing again.
            return OutcomeOf(plan, planKey, state, byKey, 0, null);
        }
        var snapshot = await ports.HashFile.ReadHashFileAsync(cancellationToken);
        var (remaining, recovered) = Remaining(plan, state, snapshot);
        display.Observer.Info($"Executing plan {planKey} ({new RunLabels(plan.Trigger ?? "Manual", plan.RequestedBy, plan.Priority).Describe()}): "
            + $"{remaining.Count:N0} of {plan.Bottles.Count:N0} bottles to go, invocation {state.Invocations + 1}");

        var slice = plan with { Bottles = remaining };
        var (transfer, hashFile) = await _transfer.RunAsync(slice, snapshot, _context.NewProgress(slice), display, deadline, cancellationToken);
        state = state with
        {
            Invocations = state.Invocations + 1,
            Stored = state.Stored.Concat(recovered).Concat(transfer.Stored.Select(b => b.Key)).Distinct(StringComparer.Ordinal).ToArray(),
            Failed = state.Failed.Concat(transfer.Failed.Select(f => new FailedBottle(f.Bottle.Key, f.Kind.ToString(), f.Reason))).ToArray(),
            BytesTransferred = state.BytesTransferred + transfer.BytesTransferred,
        };
        var outcome = OutcomeOf(plan, planKey, state, byKey, plan.Bottles.Count - state.Stored.Count - state.Failed.Count, hashFile);
        if (outcome.Done && FinishWouldNotFit(deadline) && transfer.Stored.Count + transfer.Failed.Count > 0)
        {
            // The finish fetches every image index of the plan and the API files, and has no budget of its own: cut off by
            // the host's timeout, the run would be reported failed with every bottle stored. The next invocation, with all
            // its budget, only finishes.
            display.Observer.Info("Every bottle has been attempted; the finish (image indexes, API files, the report) is left to the next invocation, which has its whole time budget for it");
            await _context.Plans.SaveStateAsync(planKey, state, CancellationToken.None);
            return outcome with { FinishLeft = true, Duration = time.GetUtcNow() - state.StartedAt };
        }
        if (outcome.Done)
        {
            state = state with { FinishedAt = time.GetUtcNow() };
            outcome = await _finisher.FinishAsync(outcome with { Duration = time.GetUtcNow() - state.StartedAt }, display,
                new Dictionary<string, byte[]>(), new Dictionary<string, byte[]>(), cancellationToken);
        }
        await _context.Plans.SaveStateAsync(planKey, state, CancellationToken.None);
        return outcome with { Duration = time.GetUtcNow() - state.StartedAt };
    }

    /// <summary>Whether less than a quarter of this invocation's time budget is left: too little to count on for the finish.</summary>
    private bool FinishWouldNotFit(DateTimeOffset? deadline) =>
        deadline is { } end && _context.Settings.TimeBudget is { } budget && end - _context.Time.GetUtcNow() < budget / 4;

    /// <summary>
    /// The bottles earlier executions neither stored nor failed and the hash file does not hold yet; and those a killed
    /// earlier execution stored and recorded in the hash file (but not in the state), which count as stored.
    /// </summary>
    private static (IReadOnlyList<PlannedBottle> Remaining, IReadOnlyList<string> Recovered) Remaining(SyncPlan plan, PlanState state, HashFileSnapshot? snapshot)
    {
        var done = new HashSet<string>(state.Stored.Concat(state.Failed.Select(f => f.Key)), StringComparer.Ordinal);
        var remaining = plan.Bottles
            .Where(b => !done.Contains(b.Key))
            .Where(b => plan.Force || snapshot is null || !snapshot.HashFile.TryGet(b.Key, out var e) || e.Sha256 != b.Sha256)
            .ToArray();
        var left = remaining.Select(b => b.Key).ToHashSet(StringComparer.Ordinal);
        var recovered = plan.Bottles.Where(b => !done.Contains(b.Key) && !left.Contains(b.Key)).Select(b => b.Key).ToArray();
        return (remaining, recovered);
    }

    private static SyncOutcome OutcomeOf(SyncPlan plan, string planKey, PlanState state, Dictionary<string, PlannedBottle> byKey, int remaining, HashFile? hashFile) =>
        new(plan, planKey,
            state.Stored.Where(byKey.ContainsKey).Select(k => byKey[k]).ToArray(),
            state.Failed.Where(f => byKey.ContainsKey(f.Key)).Select(f => new BottleFailure(byKey[f.Key], Enum.TryParse<FailureKind>(f.Kind, out var k) ? k : FailureKind.HttpError, f.Reason)).ToArray(),
            remaining, state.BytesTransferred, TimeSpan.Zero, state.Invocations, hashFile);
}
