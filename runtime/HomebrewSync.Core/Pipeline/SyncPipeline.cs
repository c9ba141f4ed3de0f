using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Metrics;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The one sync pipeline every host calls: plan, route, transfer with checkpoints, result, notifications,
/// metrics. The CLI's <c>sync</c> runs it in one go; the orchestrator plans and routes; the Lambda worker and
/// the ECS task (<c>sync --plan</c>) execute the saved plan. Hosts supply only the settings, the clock (and
/// with it a time budget) and how progress is shown.
/// </summary>
public sealed class SyncPipeline
{
    private readonly SyncPorts _ports;
    private readonly SyncSettings _settings;
    private readonly SyncNotifications _notifications;
    private readonly TimeProvider _time;
    private readonly PlanRepository _plans;
    private readonly TransferEngine _engine;
    private readonly ApiMirror? _api;
    private readonly StoreCoordinator _coordinator;

    /// <param name="apiKey">Homebrew's API signing key; without it (or without <see cref="SyncPorts.ApiFiles"/>) API files are not mirrored.</param>
    public SyncPipeline(SyncPorts ports, SyncSettings settings, NotificationSettings notifications, TimeProvider time, JwsVerifier? apiKey = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        _ports = ports;
        _settings = settings;
        _time = time;
        _notifications = new SyncNotifications(ports.Notifier, notifications, time);
        _plans = new PlanRepository(ports.Documents, ports.Bottles.Describe);
        _engine = new TransferEngine(ports.Bottles, ports.Registry, settings, time);
        _coordinator = new StoreCoordinator(ports.Leases, time, settings.LeaseDuration, ports.Bottles.Location);
        _api = settings.MirrorApi && ports.ApiFiles is { } source && apiKey is not null ? new ApiMirror(source, ports.Documents, apiKey, settings) : null;
    }

    public SyncSettings Settings => _settings;
    public NotificationSettings NotificationSettings => _notifications.Settings;
    public SyncPorts Ports => _ports;

    /// <summary>Today, in UTC, by the host's clock.</summary>
    public DateOnly Today => DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);

    /// <summary>The folder new bottles go to: SYNC_DATE when set, else today.</summary>
    public DateOnly SyncDate => _settings.SyncDate ?? Today;

    /// <summary>Reads the hash file and the catalog and works out what to fetch, with sizes; writes nothing (but a requested hash-file rebuild).</summary>
    /// <exception cref="PlanInputException">An unknown platform tag or formula.</exception>
    public async Task<PlannedRun> PlanAsync(PlanRequest request, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        if (!request.RebuildHash)
        {
            // Planning only reads: it needs no lease.
            var draft = await DraftAsync(request, observer, cancellationToken);
            return await CompleteAsync(draft, request, observer, null, cancellationToken);
        }
        return await UnderLeaseAsync(LeaseMode.Exclusive, "hash-file rebuild", observer, async ct =>
        {
            var draft = await DraftAsync(request, observer, ct);
            return await CompleteAsync(draft, request, observer, null, ct);
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> under a lease on the store (<see cref="StoreCoordinator"/>): shared for syncs, exclusive
    /// for prune and rebuilds. Syncs wait for an exclusive holder (up to 15 minutes, a quarter of a time budget); a lost
    /// lease stops the work.
    /// </summary>
    private async Task<T> UnderLeaseAsync<T>(LeaseMode mode, string purpose, ISyncObserver observer, Func<CancellationToken, Task<T>> work,
        CancellationToken cancellationToken, TimeSpan? wait = null)
    {
        var patience = wait ?? (_settings.TimeBudget is { } budget && budget / 4 < MaxLeaseWait ? budget / 4 : MaxLeaseWait);
        // A store that cannot be used at all says so before anything is written to it, a lease included.
        await _ports.Bottles.PrepareAsync(cancellationToken);
        await using var lease = await _coordinator.AcquireAsync(mode, purpose, patience, observer.Info, cancellationToken);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost);
        try
        {
            return await work(linked.Token);
        }
        catch (OperationCanceledException ex) when (lease.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreLeaseLostException($"Stopped: {lease.LostReason}. What was stored is recorded in the hash file; run again to go on.", ex);
        }
    }

    /// <summary>How long a sync waits for a prune or rebuild that holds the store.</summary>
    public static readonly TimeSpan MaxLeaseWait = TimeSpan.FromMinutes(15);

    /// <summary>What to fetch, before sizes are known: the catalog against the hash file.</summary>
    private async Task<(PlanOutcome Outcome, ManifestSnapshot? Snapshot)> DraftAsync(PlanRequest request, ISyncObserver observer, CancellationToken cancellationToken)
    {
        await _ports.Bottles.PrepareAsync(cancellationToken);
        if (request.RebuildHash)
        {
            var rebuilt = await HashFileRebuilder.RebuildAsync(_ports.Bottles, _ports.HashFile, _time, _settings.MaxConcurrentDownloads, cancellationToken);
            observer.Info($"Hash file rebuilt from object metadata: {rebuilt.Entries:N0} bottles"
                + (rebuilt.ObjectsWithoutMetadata > 0 ? $", {rebuilt.ObjectsWithoutMetadata:N0} objects without usable metadata left out" : "")
                + (rebuilt.BackupOf is null ? "" : $"; the previous file is kept as {rebuilt.BackupOf}"));
        }
        // The hash file is read and parsed while the catalog downloads: the two are independent until the first formula.
        var snapshotTask = Task.Run(() => _ports.HashFile.ReadManifestAsync(cancellationToken), cancellationToken);
        var indexesTask = Task.Run(() => StoredIndexesAsync(cancellationToken), cancellationToken);
        PlanOutcome outcome;
        var rejected = new RejectedEntries(observer);
        try
        {
            outcome = await SyncPlanner.PlanAsync(_ports.Catalog.ReadAsync(rejected.Add, cancellationToken), ManifestOf(snapshotTask), indexesTask, request, _time, cancellationToken);
        }
        catch when (!snapshotTask.IsCompleted || !indexesTask.IsCompleted)
        {
            // A failed catalog must not leave the store reads running unobserved.
            await Task.WhenAll(Task.WhenAny(snapshotTask), Task.WhenAny(indexesTask));
            throw;
        }
        rejected.Summarize();
        return (outcome, await snapshotTask);
    }

    /// <summary>Sizes the draft (one image index per formula version, requests at <see cref="SyncSettings.SizingConcurrency"/>) and fetches the API files.</summary>
    /// <param name="onSized">Told each planned blob's size as soon as it is known (sha256, bytes).</param>
    private async Task<PlannedRun> CompleteAsync((PlanOutcome Outcome, ManifestSnapshot? Snapshot) draft, PlanRequest request, ISyncObserver observer,
        Action<string, long>? onSized, CancellationToken cancellationToken)
    {
        var (outcome, snapshot) = draft;
        var warnings = outcome.Warnings.ToList();
        var sizer = new BottleSizer(_ports.Registry, ResiliencePipelines.Create(_settings, _time, observer.Retrying), _settings.SizingConcurrency);
        var indexes = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);
        var sized = await sizer.SizeAsync(outcome.Plan, warnings, indexes, cancellationToken, onSized);
        foreach (var w in warnings)
        {
            observer.Info("warning: " + w);
        }
        var apiBytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (_api is not null && request.Formulae is null)
        {
            // Fetched with the catalog, so the file a client reads describes what this run mirrors.
            var files = await _api.FetchAsync(request.Platforms, cancellationToken);
            foreach (var (file, bytes) in files)
            {
                if (bytes is not null)
                {
                    apiBytes[file.Path] = bytes;
                }
            }
            sized = sized with { ApiFiles = files.Select(f => f.File).ToArray() };
        }
        else if (_api is not null)
        {
            observer.Info("API files are not mirrored by a selective sync (--formula): they would name formulae whose bottles the mirror lacks");
        }
        return new PlannedRun(outcome with { Plan = sized, Warnings = warnings }, snapshot, indexes, apiBytes);
    }

    /// <summary>The image indexes the store keeps, so only the missing ones are planned.</summary>
    private async Task<IReadOnlySet<string>?> StoredIndexesAsync(CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in _ports.Documents.ListDocumentsAsync(Catalog.BottleNaming.IndexPrefix, cancellationToken))
        {
            keys.Add(o.Key);
        }
        return keys;
    }

    /// <summary>
    /// A whole run in this process (the CLI's <c>sync</c>): plan, "started", transfer, "complete" or "completed
    /// with warnings", metrics. A run that cannot proceed, or is refused, sends "failed" (it started itself, so nobody else will).
    /// </summary>
    /// <param name="onPlanned">Shown the plan before anything is downloaded.</param>
    public async Task<SyncOutcome> SyncAsync(PlanRequest request, RunDisplay display, Action<PlannedRun>? onPlanned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(display);
        var started = _time.GetTimestamp();
        var messages = _notifications.For(null, request.Labels.Trigger, request.Labels.NotificationChannel, request.Labels.RequestedBy, request.Labels.Priority);
        ProgressTracker? progress = null;
        try
        {
            return await UnderLeaseAsync(request.RebuildHash ? LeaseMode.Exclusive : LeaseMode.Shared, request.RebuildHash ? "sync with hash-file rebuild" : "sync",
                display.Observer, ct => RunAsync(request, display, onPlanned, messages, p => progress = p, started, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A refused request (an unknown tag or formula, a plan above MAX_DOWNLOAD_SIZE_GB) is a failed run too, as on the deployed route.
            await messages.FailedAsync(request.SyncDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ex, progress?.Snapshot(), _time.GetElapsedTime(started), CancellationToken.None);
            throw;
        }
    }

    /// <summary>The body of <see cref="SyncAsync"/>, under the run's lease.</summary>
    private async Task<SyncOutcome> RunAsync(PlanRequest request, RunDisplay display, Action<PlannedRun>? onPlanned, SyncNotifications messages,
        Action<ProgressTracker> onProgress, long started, CancellationToken cancellationToken)
    {
        var draft = await DraftAsync(request, display.Observer, cancellationToken);
        PlannedRun planned;
        TransferResult transfer;
        HashManifest manifest;
        if (_settings.MaxDownloadBytes is not null)
        {
            // A download limit is checked against the whole plan before the first byte.
            planned = await CompleteAsync(draft, request, display.Observer, null, cancellationToken);
            onPlanned?.Invoke(planned);
            EnsureWithinDownloadLimit(planned.Plan);
            await messages.StartedAsync(planned.Plan, cancellationToken);
            var progress = NewProgress(planned.Plan);
            onProgress(progress);
            (transfer, manifest) = await TransferAsync(planned.Plan, planned.Manifest, progress, display, Deadline(), cancellationToken);
        }
        else
        {
            // Bottles start downloading while the rest are still being sized: the plan report, "started" and the
            // progress totals follow the sizes as they arrive.
            var draftPlan = draft.Outcome.Plan;
            var progress = NewProgress(draftPlan);
            onProgress(progress);
            var bottlesPerBlob = draftPlan.Bottles.GroupBy(b => b.Sha256, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var tracker = progress;
            // Sizes as sizing learns them: a body already downloading is held to its size from then on.
            var sizesSoFar = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            using var stopTransfer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sizing = SizeAndAnnounceAsync();
            try
            {
                (transfer, manifest) = await TransferAsync(draftPlan, draft.Snapshot, progress, display, Deadline(), stopTransfer.Token, sizesSoFar);
            }
            catch (OperationCanceledException) when (sizing.IsFaulted)
            {
                await sizing;
                throw;
            }
            planned = await sizing;
            var sizedByKey = planned.Plan.Bottles.ToDictionary(b => b.Key, StringComparer.Ordinal);
            PlannedBottle Sized(PlannedBottle b) => sizedByKey.GetValueOrDefault(b.Key, b);
            transfer = transfer with
            {
                Stored = transfer.Stored.Select(Sized).ToArray(),
                Failed = transfer.Failed.Select(f => f with { Bottle = Sized(f.Bottle) }).ToArray(),
            };

            async Task<PlannedRun> SizeAndAnnounceAsync()
            {
                try
                {
                    var run = await CompleteAsync(draft, request, display.Observer,
                        (sha, size) =>
                        {
                            sizesSoFar[sha] = size;
                            tracker.AddTotalBytes(size * bottlesPerBlob.GetValueOrDefault(sha));
                        }, cancellationToken);
                    tracker.SetTotalBytes(run.Plan.TotalBytes);
                    onPlanned?.Invoke(run);
                    await messages.StartedAsync(run.Plan, cancellationToken);
                    return run;
                }
                catch
                {
                    await stopTransfer.CancelAsync();
                    throw;
                }
            }
        }
        var plan = planned.Plan;
        var outcome = new SyncOutcome(plan, null, transfer.Stored, transfer.Failed, transfer.NotStarted.Count, transfer.BytesTransferred,
            _time.GetElapsedTime(started), 1, manifest);
        if (outcome.Done)
        {
            outcome = await FinishAsync(outcome, display, planned.Indexes, planned.ApiBytes, cancellationToken);
        }
        return outcome;
    }

    /// <summary>
    /// The state machine's first state: plans the trigger's run, saves the plan under <c>plans/</c>, routes it
    /// (ECS above SIZE_THRESHOLD_GB, else the Lambda worker) and sends "started" (and "large download" for ECS).
    /// </summary>
    public async Task<OrchestratorResult> StartAsync(SyncTrigger trigger, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var request = new PlanRequest(trigger.Platforms ?? _settings.TargetPlatforms, trigger.Formulae, trigger.Force, _settings.IncludeDisabled,
            SyncDate, _settings.ApiUrl, trigger.Labels, trigger.ForceRebuildHash);
        observer.Info($"Sync requested: {trigger.Labels.Describe()}");
        var planned = await PlanAsync(request, observer, cancellationToken);
        EnsureWithinDownloadLimit(planned.Plan);
        var key = PlanRepository.NewKey(planned.Plan.SyncDate, _time.GetUtcNow());
        // The API files wait beside the plan until the executor has stored their bottles.
        var staged = new List<PlannedApiFile>();
        foreach (var file in planned.Plan.ApiFiles)
        {
            if (planned.ApiBytes.TryGetValue(file.Path, out var bytes))
            {
                var at = $"{key[..^".json".Length]}.api/{file.Path}";
                await _ports.Documents.PutDocumentAsync(at, bytes, ApiMirror.JwsContentType, cancellationToken);
                staged.Add(file with { Staged = at });
            }
            else
            {
                staged.Add(file);
            }
        }
        var plan = planned.Plan with { Store = _ports.Bottles.Location, ApiFiles = staged };
        await SavePlanAsync(key, plan, cancellationToken);

        var route = Route(plan);
        var messages = _notifications.For(route == Routes.Ecs ? "ECS" : "Lambda", plan);
        await messages.StartedAsync(plan, cancellationToken);
        if (route == Routes.Ecs)
        {
            await messages.LargeDownloadAsync(plan, cancellationToken);
        }
        observer.Info($"Planned {plan.Bottles.Count:N0} bottles ({plan.TotalBytes:N0} bytes, {plan.Skipped:N0} skipped) for {plan.SyncDate}: route {route}, plan {key}");
        return new OrchestratorResult
        {
            PlanKey = key,
            Store = _ports.Bottles.Location,
            Bottles = plan.Bottles.Count,
            TotalBytes = plan.TotalBytes,
            Skipped = plan.Skipped,
            Route = route,
            SyncDate = plan.SyncDate,
            Trigger = trigger.Labels.Trigger,
            EcsCommand = ["sync", "--plan", $"{_ports.Bottles.Location.TrimEnd('/')}/{key}"],
        };
    }

    /// <summary>Saves a plan under <c>plans/&lt;date&gt;/</c> for a worker to execute; returns its key.</summary>
    public async Task<string> SavePlanAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var key = PlanRepository.NewKey(plan.SyncDate, _time.GetUtcNow());
        await SavePlanAsync(key, plan, cancellationToken);
        return key;
    }

    private Task SavePlanAsync(string key, SyncPlan plan, CancellationToken cancellationToken) =>
        _plans.SaveAsync(key, plan with { Store = _ports.Bottles.Location, CreatedAt = _time.GetUtcNow() }, cancellationToken);

    /// <summary>ECS above SIZE_THRESHOLD_GB, or with a bottle larger than the worker's staging space, when there is a cluster (ECS_CLUSTER_NAME); else the Lambda worker.</summary>
    public string Route(SyncPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var threshold = (long)(_notifications.Settings.SizeThresholdGb * 1024 * 1024 * 1024);
        // A bottle that cannot fit the worker's /tmp at all can only be fetched where the disk is larger.
        var tooLargeForWorker = _settings.StagingLimitBytes is { } staging && plan.Bottles.Any(b => b.Size > staging);
        return _notifications.Settings.EcsClusterName is not null && (plan.TotalBytes > threshold || tooLargeForWorker) ? Routes.Ecs : Routes.Lambda;
    }

    /// <summary>
    /// How old the mirror is: hours since the last run that finished (the daily freshness check of the deployed
    /// stack), written as the MirrorAgeHours EMF metric; null, and no metric, before the first run finishes.
    /// </summary>
    public async Task<double?> CheckFreshnessAsync(RunDisplay display, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(display);
        var last = await RunStatus.ReadAsync(_ports.Documents, cancellationToken);
        if (last is null)
        {
            display.Observer.Info("Mirror age: no sync has finished yet");
            return null;
        }
        var now = _time.GetUtcNow();
        var hours = Math.Round((now - last.FinishedAt).TotalHours, 2);
        display.Observer.Info($"Mirror age: {hours:0.#} h since the sync of {last.SyncDate} finished ({last.Outcome}) at {last.FinishedAt:yyyy-MM-dd HH:mm} UTC");
        await display.MetricsLog.WriteLineAsync(EmfMetrics.ForFreshness(_notifications.Settings.Environment, hours, now));
        await display.MetricsLog.FlushAsync(cancellationToken);
        return hours;
    }

    /// <summary>
    /// Removes what the mirror no longer needs (<see cref="Pruning.MirrorPruner"/>): bottles the target tags no longer
    /// resolve to, downloaded more than <paramref name="keepDays"/> days ago, unlisted objects, unused image indexes.
    /// </summary>
    /// <exception cref="Pruning.PruneRefusedException">The catalog was not read completely, or there is no hash file.</exception>
    public async Task<Pruning.PruneResult> PruneAsync(int keepDays, bool dryRun, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var rejected = new List<string>();
        var formulae = new List<Catalog.Formula>();
        await foreach (var f in _ports.Catalog.ReadAsync(rejected.Add, cancellationToken))
        {
            formulae.Add(f);
        }
        if (rejected.Count > 0)
        {
            // A formula the catalog could not describe would look dropped, and its bottles would go.
            throw new Pruning.PruneRefusedException($"{rejected.Count:N0} catalog entries could not be read (first: {rejected[0]}); nothing is pruned on a partial catalog");
        }
        Task<Pruning.PruneResult> PruneAsync(CancellationToken ct) =>
            Pruning.MirrorPruner.PruneAsync(AsAsync(formulae), _settings.TargetPlatforms, _ports.Bottles, _ports.HashFile, _ports.Documents, keepDays, dryRun, _time, observer.Info, ct);
        // Alone at the store: no sync may record a bottle between prune's reading of the hash file and its deletions. A dry run changes nothing.
        return dryRun ? await PruneAsync(cancellationToken) : await UnderLeaseAsync(LeaseMode.Exclusive, "prune", observer, PruneAsync, cancellationToken, wait: TimeSpan.Zero);
    }

    private static async IAsyncEnumerable<T> AsAsync<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            yield return item;
        }
        await Task.CompletedTask;
    }

    /// <summary>
    /// Executes a saved plan (the Lambda worker, the ECS task): takes what earlier executions neither stored nor
    /// failed, within this host's time budget, records its progress beside the plan, and once every bottle has
    /// been attempted sends "complete" or "completed with warnings" with the whole run's numbers. It never sends
    /// "failed": whoever started the plan (the state machine) reports a failure.
    /// </summary>
    /// <exception cref="PlanNotFoundException">No plan at <paramref name="planKey"/>.</exception>
    public async Task<SyncOutcome> ExecuteSavedPlanAsync(string planKey, RunDisplay display, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(display);
        var now = _time.GetUtcNow();
        // The budget counts from the invocation's start, a wait for the store included.
        var deadline = Deadline();
        return await UnderLeaseAsync(LeaseMode.Shared, "sync (saved plan)", display.Observer, ct => ExecuteAsync(planKey, display, now, deadline, ct), cancellationToken);
    }

    private async Task<SyncOutcome> ExecuteAsync(string planKey, RunDisplay display, DateTimeOffset now, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        await _ports.Bottles.PrepareAsync(cancellationToken);
        var plan = await _plans.LoadAsync(planKey, cancellationToken);
        EnsureWithinDownloadLimit(plan);
        var state = await _plans.LoadStateAsync(planKey, cancellationToken) ?? new PlanState { StartedAt = now };
        var byKey = plan.Bottles.ToDictionary(b => b.Key, StringComparer.Ordinal);
        if (state.FinishedAt is not null)
        {
            // Already over (a repeated invocation): report where it ended, send nothing again.
            return OutcomeOf(plan, planKey, state, byKey, 0, null);
        }
        var snapshot = await _ports.HashFile.ReadManifestAsync(cancellationToken);
        var done = new HashSet<string>(state.Stored.Concat(state.Failed.Select(f => f.Key)), StringComparer.Ordinal);
        var remaining = plan.Bottles
            .Where(b => !done.Contains(b.Key))
            .Where(b => plan.Force || snapshot is null || !snapshot.Manifest.TryGet(b.Key, out var e) || e.Sha256 != b.Sha256)
            .ToArray();
        // Bottles a killed earlier execution stored and recorded (but not in the state) count as stored.
        var left = remaining.Select(b => b.Key).ToHashSet(StringComparer.Ordinal);
        var recovered = plan.Bottles.Where(b => !done.Contains(b.Key) && !left.Contains(b.Key)).Select(b => b.Key).ToArray();
        display.Observer.Info($"Executing plan {planKey} ({new RunLabels(plan.Trigger ?? "Manual", plan.RequestedBy, plan.Priority).Describe()}): "
            + $"{remaining.Length:N0} of {plan.Bottles.Count:N0} bottles to go, invocation {state.Invocations + 1}");

        var slice = plan with { Bottles = remaining };
        var (transfer, manifest) = await TransferAsync(slice, snapshot, NewProgress(slice), display, deadline, cancellationToken);
        state = state with
        {
            Invocations = state.Invocations + 1,
            Stored = state.Stored.Concat(recovered).Concat(transfer.Stored.Select(b => b.Key)).Distinct(StringComparer.Ordinal).ToArray(),
            Failed = state.Failed.Concat(transfer.Failed.Select(f => new FailedBottle(f.Bottle.Key, f.Kind.ToString(), f.Reason))).ToArray(),
            BytesTransferred = state.BytesTransferred + transfer.BytesTransferred,
        };
        var outcome = OutcomeOf(plan, planKey, state, byKey, plan.Bottles.Count - state.Stored.Count - state.Failed.Count, manifest);
        if (outcome.Done)
        {
            state = state with { FinishedAt = _time.GetUtcNow() };
            outcome = await FinishAsync(outcome with { Duration = _time.GetUtcNow() - state.StartedAt }, display, new Dictionary<string, byte[]>(), new Dictionary<string, byte[]>(), cancellationToken);
        }
        await _plans.SaveStateAsync(planKey, state, CancellationToken.None);
        return outcome with { Duration = _time.GetUtcNow() - state.StartedAt };
    }

    /// <summary>The state machine's Catch: "failed", with the error it caught and the progress recorded beside the plan.</summary>
    public async Task NotifyFailureAsync(FailureNotice notice, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        SyncPlan? plan = null;
        PlanState? state = null;
        if (notice.PlanKey is { } key)
        {
            try
            {
                plan = await _plans.LoadAsync(key, cancellationToken);
                state = await _plans.LoadStateAsync(key, cancellationToken);
            }
            catch (PlanNotFoundException)
            {
                // Report the failure all the same, without progress.
            }
        }
        var now = _time.GetUtcNow();
        var syncDate = plan?.SyncDate ?? Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var duration = plan is null ? TimeSpan.Zero : now - (state?.StartedAt ?? plan.CreatedAt);
        var errorType = FailureNames.ErrorTypeOf(notice.Error.Error);
        var details = string.IsNullOrWhiteSpace(notice.Error.Cause) ? notice.Error.Error : FailureNames.CauseText(notice.Error.Cause);
        observer.Info($"Sync failed ({errorType}) for plan {notice.PlanKey ?? "(none)"}: {details}");
        await _notifications.For(null, plan).FailedAsync(syncDate, errorType, details, state?.Stored.Count ?? 0, plan?.Bottles.Count ?? 0,
            state?.BytesTransferred ?? 0, duration, cancellationToken);
    }

    private async Task<(TransferResult Transfer, HashManifest Manifest)> TransferAsync(
        SyncPlan plan, ManifestSnapshot? snapshot, ProgressTracker progress, RunDisplay display, DateTimeOffset? deadline, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, long>? sizesSoFar = null)
    {
        var checkpointer = new ManifestCheckpointer(_ports.HashFile, snapshot, _settings.BatchSize, _time, display.Observer);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var any = plan.Bottles.Count > 0;
        var live = any && display.Live is { } show ? show(progress, stop.Token) : Task.CompletedTask;
        // Slack progress updates are for long runs on hosts without a time budget (ECS, the CLI).
        var updates = any && deadline is null ? _notifications.For(null, plan).RunProgressUpdatesAsync(progress, stop.Token) : Task.CompletedTask;
        try
        {
            var transfer = await _engine.RunAsync(plan, checkpointer, progress, display.Observer, deadline, cancellationToken, sizesSoFar);
            return (transfer, checkpointer.Manifest);
        }
        finally
        {
            await stop.CancelAsync();
            await live;
            await updates;
        }
    }

    /// <summary>
    /// The end of a run, the same on every host: earlier-layout names retired, the image indexes brew needs kept,
    /// the API files published whose bottles are all in, then the final message and the run's metrics.
    /// </summary>
    private async Task<SyncOutcome> FinishAsync(SyncOutcome outcome, RunDisplay display, IReadOnlyDictionary<string, byte[]> indexes,
        IReadOnlyDictionary<string, byte[]> apiBytes, CancellationToken cancellationToken)
    {
        var n = _notifications.Settings;
        var retire = outcome.Plan.Retire.Concat(outcome.Stored.SelectMany(b => b.Replaces)).Distinct(StringComparer.Ordinal).ToArray();
        var mirror = retire.Length > 0 ? await RetireAsync(retire, display.Observer, cancellationToken) ?? outcome.Manifest : outcome.Manifest;
        var keeper = new ImageIndexKeeper(_ports.Documents, _ports.Registry, ResiliencePipelines.Create(_settings, _time, display.Observer.Retrying), _settings.MaxConcurrentDownloads);
        // An index is kept for versions the mirror holds a bottle of; one whose every bottle failed would only send brew on to a 404.
        var missing = outcome.Failed.Select(f => f.Bottle.Sha256).ToHashSet(StringComparer.Ordinal);
        var wanted = outcome.Plan.Manifests.Where(m => m.Digests.Any(d => !missing.Contains(d))).ToArray();
        var (kept, notKept) = await keeper.KeepAsync(wanted, indexes, display.Observer, cancellationToken);
        outcome = outcome with { IndexesNotKept = notKept.Select(n => $"{n.Manifest.Key}: {n.Reason}").ToArray() };
        if (kept > 0)
        {
            display.Observer.Info($"Image indexes kept for brew: {kept:N0} written under {Catalog.BottleNaming.IndexPrefix}");
        }
        // The hash file as it now is: what the API files are checked against and the messages count.
        mirror ??= (await _ports.HashFile.ReadManifestAsync(cancellationToken))?.Manifest;
        if (_api is not null && outcome.Plan.ApiFiles.Count > 0)
        {
            // A bottle whose image index is missing is not installable from the mirror either: it holds its tags' API files back like a failed one.
            var noIndex = notKept.SelectMany(n => n.Manifest.Digests).ToHashSet(StringComparer.Ordinal);
            var unfinished = outcome.Failed.Select(f => f.Bottle).Concat(outcome.Stored.Where(b => noIndex.Contains(b.Sha256))).ToArray();
            var api = await _api.PublishAsync(outcome.Plan.ApiFiles, apiBytes, unfinished, outcome.Plan.Platforms, mirror, cancellationToken);
            foreach (var a in api)
            {
                display.Observer.Info($"{(a.IsProblem ? "warning: " : "")}API file {a.Path}: {a.Status.ToString().ToLowerInvariant()} ({a.Detail})");
            }
            outcome = outcome with { Api = api };
        }
        // The mirror's counts by target tag (what stats shows).
        var byTarget = mirror is null ? null : MirrorCoverage.Of(mirror, _settings.TargetPlatforms);
        await _notifications.For(null, outcome.Plan).FinishedAsync(outcome.Plan, outcome.Stored, outcome.Failed, outcome.BytesTransferred, outcome.Duration,
            _ports.Bottles.Location, outcome.Api.Where(a => a.IsProblem).ToArray(), byTarget, outcome.IndexesNotKept, cancellationToken);
        if (n.EmitMetrics)
        {
            await display.MetricsLog.WriteLineAsync(EmfMetrics.ForRun(n.Environment, outcome.Plan.SyncDate, n.SyncMethod.ToLowerInvariant(), outcome.Stored.Count,
                outcome.Failed.Count, outcome.Plan.Skipped, outcome.Duration, outcome.BytesTransferred, _time.GetUtcNow()));
            await display.MetricsLog.FlushAsync(cancellationToken);
        }
        await RunStatus.WriteAsync(_ports.Documents, new RunStatus(_time.GetUtcNow(), outcome.Plan.SyncDate, outcome.HasFailures ? "completed with warnings" : "complete",
            outcome.Stored.Count, outcome.Failed.Count, outcome.Plan.Skipped, n.SyncMethod), cancellationToken);
        display.Observer.Info($"Sync {outcome.Plan.SyncDate} {(outcome.HasFailures ? "completed with warnings" : "complete")}: {outcome.Stored.Count:N0} stored, "
            + $"{outcome.Plan.Skipped:N0} skipped, {outcome.Failed.Count:N0} failed, {outcome.BytesTransferred:N0} bytes downloaded");
        return outcome;
    }

    /// <summary>
    /// Takes an earlier layout's entries out of the hash file, then deletes their objects that no entry names any
    /// more: hash file first, so a crash in between leaves unlisted objects (verify reports them), never listed
    /// ones that are missing.
    /// </summary>
    /// <returns>The hash file after the retirement; null when there is none.</returns>
    private async Task<HashManifest?> RetireAsync(IReadOnlyList<string> keys, ISyncObserver observer, CancellationToken cancellationToken)
    {
        var snapshot = await _ports.HashFile.ReadManifestAsync(cancellationToken);
        if (snapshot is null)
        {
            return null;
        }
        var objects = keys.Select(k => snapshot.Manifest.TryGet(k, out var e) ? e.S3Key : null).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var checkpointer = new ManifestCheckpointer(_ports.HashFile, snapshot, _settings.BatchSize, _time, observer);
        checkpointer.Remove(keys);
        await checkpointer.FlushAsync(cancellationToken);
        var named = checkpointer.Manifest.Bottles.Values.Select(e => e.S3Key).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var key in objects.Where(o => !named.Contains(o)))
        {
            await _ports.Bottles.DeleteAsync(key, cancellationToken);
            deleted++;
        }
        observer.Info($"Renamed to brew's names: {keys.Count:N0} entries of the earlier layout retired, {deleted:N0} objects removed");
        return checkpointer.Manifest;
    }

    private static SyncOutcome OutcomeOf(SyncPlan plan, string planKey, PlanState state, Dictionary<string, PlannedBottle> byKey, int remaining, HashManifest? manifest) =>
        new(plan, planKey,
            state.Stored.Where(byKey.ContainsKey).Select(k => byKey[k]).ToArray(),
            state.Failed.Where(f => byKey.ContainsKey(f.Key)).Select(f => new BottleFailure(byKey[f.Key], Enum.TryParse<FailureKind>(f.Kind, out var k) ? k : FailureKind.HttpError, f.Reason)).ToArray(),
            remaining, state.BytesTransferred, TimeSpan.Zero, state.Invocations, manifest);

    private ProgressTracker NewProgress(SyncPlan plan) => new(_time, plan.Bottles.Count, plan.TotalBytes);

    private DateTimeOffset? Deadline() => _settings.TimeBudget is { } budget ? _time.GetUtcNow() + budget : null;

    private void EnsureWithinDownloadLimit(SyncPlan plan)
    {
        if (_settings.MaxDownloadBytes is { } max && plan.TotalBytes > max)
        {
            throw new PlanInputException($"The plan holds {plan.TotalBytes:N0} bytes, more than {EnvVars.MaxDownloadSizeGb} allows ({max:N0}); nothing was downloaded.");
        }
    }

    private static async Task<HashManifest?> ManifestOf(Task<ManifestSnapshot?> snapshot) => (await snapshot)?.Manifest;

    /// <summary>Catalog entries skipped as unusable: the first few named, then a count.</summary>
    private sealed class RejectedEntries(ISyncObserver observer)
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
}
