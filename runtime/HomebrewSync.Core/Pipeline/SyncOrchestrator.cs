using System.Globalization;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Api;
using HomebrewSync.Core.Orchestration;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Pipeline;

/// <summary>
/// The orchestrator Lambda's runs: the state machine's first state (<see cref="StartAsync"/>: plan, save, route, "started")
/// and its Catch (<see cref="NotifyFailureAsync"/>: "failed").
/// </summary>
public sealed class SyncOrchestrator(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));
    private readonly Planner _planner = new(context);

    /// <summary>
    /// Plans the trigger's run, saves the plan under <c>plans/</c>, routes it (ECS above SIZE_THRESHOLD_GB, else the
    /// Lambda worker) and sends "started" (and "large download" for ECS).
    /// </summary>
    public async Task<OrchestratorResult> StartAsync(SyncTrigger trigger, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var (settings, location) = (_context.Settings, _context.Ports.Bottles.Location);
        var request = new PlanRequest(trigger.Platforms ?? settings.TargetPlatforms, trigger.Formulae, trigger.Force, settings.IncludeDisabled,
            _context.SyncDate, settings.ApiUrl, trigger.Labels, trigger.ForceRebuildHash);
        observer.Info($"Sync requested: {trigger.Labels.Describe()}");
        var planned = await _planner.PlanAsync(request, observer, cancellationToken);
        _context.EnsureWithinDownloadLimit(planned.Plan);
        var key = PlanRepository.NewKey(planned.Plan.SyncDate, _context.Time.GetUtcNow());
        var plan = planned.Plan with { Store = location, ApiFiles = await StageApiFilesAsync(key, planned, cancellationToken) };
        await _context.SavePlanAsync(key, plan, cancellationToken);

        var route = Route(plan);
        var messages = _context.Notifications.For(route == Routes.Ecs ? "ECS" : "Lambda", plan);
        await messages.StartedAsync(plan, cancellationToken);
        if (route == Routes.Ecs)
        {
            await messages.LargeDownloadAsync(plan, cancellationToken);
        }
        observer.Info($"Planned {plan.Bottles.Count:N0} bottles ({plan.TotalBytes:N0} bytes, {plan.Skipped:N0} skipped) for {plan.SyncDate}: route {route}, plan {key}");
        return new OrchestratorResult
        {
            PlanKey = key,
            Store = location,
            Bottles = plan.Bottles.Count,
            TotalBytes = plan.TotalBytes,
            Skipped = plan.Skipped,
            Route = route,
            SyncDate = plan.SyncDate,
            Trigger = trigger.Labels.Trigger,
            EcsCommand = ["sync", "--plan", $"{location.TrimEnd('/')}/{key}"],
        };
    }

    /// <summary>The API files wait beside the plan until the executor has stored their bottles.</summary>
    private async Task<IReadOnlyList<PlannedApiFile>> StageApiFilesAsync(string planKey, PlannedRun planned, CancellationToken cancellationToken)
    {
        var staged = new List<PlannedApiFile>();
        foreach (var file in planned.Plan.ApiFiles)
        {
            if (planned.ApiBytes.TryGetValue(file.Path, out var bytes))
            {
                var at = $"{planKey[..^".json".Length]}.api/{file.Path}";
                await _context.Ports.Documents.PutDocumentAsync(at, bytes, ApiMirror.JwsContentType, cancellationToken);
                staged.Add(file with { Staged = at });
            }
            else
            {
                staged.Add(file);
            }
        }
        return staged;
    }

    /// <summary>ECS above SIZE_THRESHOLD_GB, with a bottle larger than the worker's staging space, or with brew's repository to refresh (BREW_GIT_REMOTE_URL), when there is a cluster (ECS_CLUSTER_NAME); else the Lambda worker.</summary>
    public string Route(SyncPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var n = _context.NotificationSettings;
        var threshold = (long)(n.SizeThresholdGb * 1024 * 1024 * 1024);
        // A bottle that cannot fit the worker's /tmp at all can only be fetched where the disk is larger.
        var tooLargeForWorker = _context.Settings.StagingLimitBytes is { } staging && plan.Bottles.Any(b => b.Size > staging);
        // brew's repository is refreshed by git, which the worker's runtime lacks and the ECS image has.
        var needsGit = _context.Settings.BrewGitRemote is not null;
        return n.EcsClusterName is not null && (plan.TotalBytes > threshold || tooLargeForWorker || needsGit) ? Routes.Ecs : Routes.Lambda;
    }

    /// <summary>The state machine's Catch: "failed", with the error it caught and the progress recorded beside the plan.</summary>
    public async Task NotifyFailureAsync(FailureNotice notice, ISyncObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(observer);
        SyncPlan? plan = null;
        PlanState? state = null;
        if (notice.PlanKey is { } key)
        {
            try
            {
                plan = await _context.Plans.LoadAsync(key, cancellationToken);
                state = await _context.Plans.LoadStateAsync(key, cancellationToken);
            }
            catch (PlanNotFoundException)
            {
                // Report the failure all the same, without progress.
            }
        }
        var now = _context.Time.GetUtcNow();
        var syncDate = plan?.SyncDate ?? _context.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var duration = plan is null ? TimeSpan.Zero : now - (state?.StartedAt ?? plan.CreatedAt);
        var errorType = FailureNames.ErrorTypeOf(notice.Error.Error);
        var details = string.IsNullOrWhiteSpace(notice.Error.Cause) ? notice.Error.Error : FailureNames.CauseText(notice.Error.Cause);
        observer.Info($"Sync failed ({errorType}) for plan {notice.PlanKey ?? "(none)"}: {details}");
        await _context.Notifications.For(null, plan).FailedAsync(syncDate, errorType, details, state?.Stored.Count ?? 0, plan?.Bottles.Count ?? 0,
            state?.BytesTransferred ?? 0, duration, cancellationToken);
    }
}
