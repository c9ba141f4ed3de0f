using HomebrewSync.Core.Metrics;

namespace HomebrewSync.Core.Pipeline;

/// <summary>The daily freshness check of the deployed stack: how old the mirror is.</summary>
public sealed class MirrorFreshness(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>
    /// Hours since the last run that caught the mirror up finished (one that failed at most a tenth of what it tried,
    /// <see cref="RunStatus.CaughtUp"/>), written as the MirrorAgeHours EMF metric; null, and no metric (which the stale
    /// alarm reads as stale), before any run caught it up.
    /// </summary>
    public async Task<double?> CheckFreshnessAsync(RunDisplay display, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(display);
        var last = await RunStatus.ReadAsync(_context.Ports.Documents, cancellationToken);
        if (last?.LastCaughtUp is not { } caughtUp)
        {
            display.Observer.Info(last is null
                ? "Mirror age: no sync has finished yet"
                : $"Mirror age: unknown: no sync has caught the mirror up yet (the last, of {last.SyncDate}, failed {last.Failed:N0} of {last.Stored + last.Failed:N0} bottles)");
            return null;
        }
        var now = _context.Time.GetUtcNow();
        var hours = Math.Round((now - caughtUp).TotalHours, 2);
        display.Observer.Info(caughtUp == last.FinishedAt
            ? $"Mirror age: {hours:0.#} h since the sync of {last.SyncDate} finished ({last.Outcome}) at {last.FinishedAt:yyyy-MM-dd HH:mm} UTC"
            : $"Mirror age: {hours:0.#} h since a sync last caught the mirror up, at {caughtUp:yyyy-MM-dd HH:mm} UTC (the last, of {last.SyncDate}, failed {last.Failed:N0} of {last.Stored + last.Failed:N0} bottles)");
        await display.MetricsLog.WriteLineAsync(EmfMetrics.ForFreshness(_context.NotificationSettings.Environment, hours, now));
        await display.MetricsLog.FlushAsync(cancellationToken);
        return hours;
    }
}
