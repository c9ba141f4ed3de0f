using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Progress;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;
using Polly.Timeout;

namespace HomebrewSync.Core.Notifications;

/// <summary>Sends a run's messages at the moments the reference sends them; the pipeline calls it, Core builds the content.</summary>
internal sealed class SyncNotifications
{
    private readonly INotifier _notifier;
    private readonly NotificationSettings _settings;
    private readonly TimeProvider _time;
    private readonly string? _requestedBy;
    private readonly string? _priority;

    public SyncNotifications(INotifier notifier, NotificationSettings settings, TimeProvider time)
        : this(notifier, settings, time, null, null)
    {
    }

    private SyncNotifications(INotifier notifier, NotificationSettings settings, TimeProvider time, string? requestedBy, string? priority)
    {
        _notifier = notifier;
        _settings = settings;
        _time = time;
        _requestedBy = requestedBy;
        _priority = priority;
    }

    /// <summary>The error type of a refused request (<see cref="PlanInputException"/>), on every route.</summary>
    public const string InvalidRequest = "Invalid Request";

    public NotificationSettings Settings => _settings;

    /// <summary>The same destination for one run: its sync method, what started it, who asked, and its channel when it names one.</summary>
    public SyncNotifications For(string? syncMethod, SyncPlan? plan) =>
        For(syncMethod, plan?.Trigger, plan?.NotificationChannel, plan?.RequestedBy, plan?.Priority);

    public SyncNotifications For(string? syncMethod, string? trigger, string? channel, string? requestedBy = null, string? priority = null)
    {
        var settings = _settings with { SyncMethod = syncMethod ?? _settings.SyncMethod, Trigger = trigger ?? _settings.Trigger };
        return new SyncNotifications(channel is null ? _notifier : _notifier.WithChannel(channel), settings, _time, requestedBy, priority);
    }

    public Task StartedAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _notifier.NotifyAsync(SlackMessages.Started(_settings, plan.SyncDate, plan.Bottles.Count, plan.TotalBytes, _time.GetUtcNow(), _requestedBy, _priority), cancellationToken);
    }

    public Task LargeDownloadAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return _notifier.NotifyAsync(SlackMessages.LargeDownload(_settings, plan.SyncDate, plan.TotalBytes, plan.Bottles.Count), cancellationToken);
    }

    /// <summary>
    /// Sends a progress update every PROGRESS_UPDATE_INTERVAL until <paramref name="stop"/> is cancelled, on a fixed
    /// cadence from the start (a slow Slack delays one update, not every later one); a send that took longer than
    /// an interval is followed by one update at once, not by a burst.
    /// </summary>
    public async Task RunProgressUpdatesAsync(ProgressTracker progress, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var interval = _settings.ProgressUpdateInterval;
        var due = _time.GetUtcNow() + interval;
        try
        {
            while (true)
            {
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stop);
                }
                await _notifier.NotifyAsync(SlackMessages.Progress(progress.Snapshot()), stop);
                due += interval;
                // Late by more than an interval (a slow send): one update now, then the cadence again.
                var now = _time.GetUtcNow();
                if (due < now)
                {
                    due = now;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The transfer ended.
        }
    }

    /// <summary>The end of a plan (one run, or the last of several invocations): "complete" when every bottle made it, else "completed with warnings".</summary>
    /// <param name="location">Where the store is (<c>s3://bucket</c>, a folder).</param>
    /// <param name="apiProblems">API files that could not be brought up to date: they make the run "completed with warnings" too.</param>
    /// <param name="byTarget">The mirror's stored bottles by target tag after the run, for "complete".</param>
    /// <param name="pulledSinceLastRun">Bottles serve --pull-through stored since the last run finished, for "complete".</param>
    /// <param name="statusNotWritten">Status documents the store refused (a link or a folder in their place): "completed with warnings" too.</param>
    public Task FinishedAsync(SyncPlan plan, IReadOnlyList<PlannedBottle> stored, IReadOnlyList<BottleFailure> failed, long bytes, TimeSpan duration, string location,
        IReadOnlyList<Api.ApiFileResult> apiProblems, IReadOnlyList<TargetCoverage>? byTarget, IReadOnlyList<string> indexesNotKept, CancellationToken cancellationToken,
        int pulledSinceLastRun = 0, string? portableRuby = null, string? brewGitProblem = null, IReadOnlyList<string>? statusNotWritten = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(failed);
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(apiProblems);
        ArgumentNullException.ThrowIfNull(indexesNotKept);
        var message = failed.Count == 0 && apiProblems.Count == 0 && indexesNotKept.Count == 0 && brewGitProblem is null && statusNotWritten is not { Count: > 0 }
            ? SlackMessages.Complete(_settings, plan.SyncDate, stored.Count, plan.Skipped, bytes, duration, $"{location.TrimEnd('/')}/{plan.SyncDate}/", stored, _time.GetUtcNow(),
                byTarget, _requestedBy, _priority, pulledSinceLastRun, portableRuby)
            : SlackMessages.CompletedWithWarnings(_settings, plan.SyncDate, stored.Count, plan.Bottles.Count, duration, failed, apiProblems.Select(a => $"{a.Path}: {a.Detail}").ToArray(),
                _requestedBy, _priority, indexesNotKept, brewGitProblem, statusNotWritten);
        return _notifier.NotifyAsync(message, cancellationToken);
    }

    /// <summary>"Failed", with the error type and details as given (an error the state machine caught).</summary>
    public Task FailedAsync(string syncDate, string errorType, string details, int done, int total, long partialBytes, TimeSpan duration, CancellationToken cancellationToken) =>
        _notifier.NotifyAsync(SlackMessages.Failed(_settings, syncDate, errorType, duration, done, total, partialBytes, details, _requestedBy, _priority), cancellationToken);

    /// <summary>"Failed" for an exception that stopped a run.</summary>
    public Task FailedAsync(string syncDate, Exception error, SyncProgress? progress, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = SlackMessages.Failed(_settings, syncDate, ErrorTypeOf(error), duration,
            progress?.CompletedBottles ?? 0, progress?.TotalBottles ?? 0, progress?.TransferredBytes ?? 0, error.Message, _requestedBy, _priority);
        return _notifier.NotifyAsync(message, cancellationToken);
    }

    /// <summary>"CatalogFormat" to "Catalog Format".</summary>
    public static string SplitWords(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1]) ? " " + c : c.ToString()));

    public static string ErrorTypeOf(Exception error) => error switch
    {
        CatalogUnavailableException => "Catalog Unavailable",
        CatalogFormatException => "Malformed Catalog",
        HashFileCorruptException => "Corrupt Hash File",
        HashFileConflictException => "Hash File Conflict",
        StoreAccessException => "Storage Unavailable",
        PlanInputException => InvalidRequest,
        TimeoutRejectedException or TimeoutException => "Network Timeout",
        TransientFailureException => "Network Error",
        IOException => "Storage Error",
        _ => "Unexpected Error",
    };
}
