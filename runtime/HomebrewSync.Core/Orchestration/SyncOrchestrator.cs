using System.Globalization;
using HomebrewSync.Contracts;
using HomebrewSync.Contracts.StateMachine;
using HomebrewSync.Core.Manifest;
using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Orchestration;

/// <summary>
/// The first state of the state machine: plans a run, saves the plan under <c>plans/</c>, routes it
/// (Lambda, or ECS above SIZE_THRESHOLD_GB) and sends "started" (and "large download" for ECS); and,
/// as its second action, sends "failed" for an error the state machine caught.
/// </summary>
public sealed class SyncOrchestrator
{
    private readonly IBottleStore _store;
    private readonly SyncRunner _runner;
    private readonly SyncNotifications _notifications;
    private readonly SyncSettings _settings;
    private readonly TimeProvider _time;
    private readonly PlanRepository _plans;

    public SyncOrchestrator(IBottleStore store, SyncRunner runner, SyncNotifications notifications, SyncSettings settings, TimeProvider time)
    {
        _store = store;
        _runner = runner;
        _notifications = notifications;
        _settings = settings;
        _time = time;
        _plans = new PlanRepository(store);
    }

    public async Task<OrchestratorResult> StartAsync(SyncTrigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var now = _time.GetUtcNow();
        var syncDate = DateOnly.FromDateTime(now.UtcDateTime);
        if (trigger.ForceRebuildHash)
        {
            await _store.PrepareAsync(cancellationToken);
            await HashFileRebuilder.RebuildAsync(_store, _time, _settings.MaxConcurrentDownloads, cancellationToken);
        }
        var request = new PlanRequest(trigger.Platforms ?? _settings.TargetPlatforms, trigger.Formulae, trigger.Force, _settings.IncludeDisabled, syncDate, _settings.ApiUrl);
        var planned = await _runner.PlanAsync(request, null, cancellationToken);
        var plan = planned.Plan with { Store = _store.Location, Trigger = trigger.Label, NotificationChannel = trigger.NotificationChannel };
        var key = PlanRepository.NewKey(plan.SyncDate, now);
        await _plans.SaveAsync(key, plan, cancellationToken);

        var threshold = (long)(_notifications.Settings.SizeThresholdGb * 1024 * 1024 * 1024);
        var route = plan.TotalBytes > threshold ? Routes.Ecs : Routes.Lambda;
        var messages = _notifications.For(route == Routes.Ecs ? "ECS" : "Lambda", trigger.Label, trigger.NotificationChannel);
        await messages.StartedAsync(plan, cancellationToken);
        if (route == Routes.Ecs)
        {
            await messages.LargeDownloadAsync(plan, cancellationToken);
        }
        return new OrchestratorResult
        {
            PlanKey = key,
            Store = _store.Location,
            Bottles = plan.Bottles.Count,
            TotalBytes = plan.TotalBytes,
            Skipped = plan.Skipped,
            Route = route,
            SyncDate = plan.SyncDate,
            Trigger = trigger.Label,
            EcsCommand = ["sync", "--plan", $"{_store.Location.TrimEnd('/')}/{key}"],
        };
    }

    /// <summary>Sends "failed" with the error the state machine caught and the progress recorded beside the plan.</summary>
    public async Task NotifyFailureAsync(FailureNotice notice, CancellationToken cancellationToken)
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
        var syncDate = plan?.SyncDate ?? DateOnly.FromDateTime(now.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var duration = plan is null ? TimeSpan.Zero : now - (state?.StartedAt ?? plan.CreatedAt);
        await _notifications.For(null, plan?.Trigger, plan?.NotificationChannel).FailedAsync(
            syncDate,
            ErrorTypeOf(notice.Error.Error),
            string.IsNullOrWhiteSpace(notice.Error.Cause) ? notice.Error.Error : CauseText(notice.Error.Cause),
            state?.Stored.Count ?? 0,
            plan?.Bottles.Count ?? 0,
            state?.BytesTransferred ?? 0,
            duration,
            cancellationToken);
    }

    /// <summary>Step Functions' error names, as a person would say them.</summary>
    public static string ErrorTypeOf(string error) => error switch
    {
        "States.Timeout" => "Timeout",
        "States.TaskFailed" => "Task Failed",
        "States.HeartbeatTimeout" => "Heartbeat Timeout",
        "Lambda.Unknown" or "Lambda.ServiceException" or "Lambda.AWSLambdaException" => "Lambda Error",
        "Sandbox.Timedout" => "Lambda Timeout",
        "Ecs.TaskFailed" or "States.ECS.TaskFailed" => "ECS Task Failed",
        _ when error.EndsWith("Exception", StringComparison.Ordinal) => SyncNotifications.SplitWords(error[..^"Exception".Length]),
        _ => error,
    };

    // A Lambda error's Cause is JSON ({"errorMessage": ..., "errorType": ...}); its message is what to show.
    private static string CauseText(string cause)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(cause);
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("errorMessage", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                return m.GetString()!;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Plain text.
        }
        return cause;
    }
}
