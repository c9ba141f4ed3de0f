using HomebrewSync.Core.Metrics;

namespace HomebrewSync.Core.Pipeline;

/// <summary>The daily freshness check of the deployed stack: how old the mirror is.</summary>
public sealed class MirrorFreshness(SyncContext context)
{
    private readonly SyncContext _context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>
    /// Hours since the last run that finished, written as the MirrorAgeHours EMF metric; null, and no metric, before the
    /// first run finishes.
    /// </summary>
    public async Task<double?> CheckFreshnessAsync(RunDisplay display, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(display);
        var last = await RunStatus.ReadAsync(_context.Ports.Documents, cancellationToken);
        if (last is null)
        {
            display.Observer.Info("Mirror age: no sync has finished yet");
            return null;
        }
        var now = _context.Time.GetUtcNow();
        var hours = Math.Round((now - last.FinishedAt).TotalHours, 2);
        display.Observer.Info($"Mirror age: {hours:0.#} h since the sync of {last.SyncDate} finished ({last.Outcome}) at {last.FinishedAt:yyyy-MM-dd HH:mm} UTC");
        await display.MetricsLog.WriteLineAsync(EmfMetrics.ForFreshness(_context.NotificationSettings.Environment, hours, now));
        await display.MetricsLog.FlushAsync(cancellationToken);
        return hours;
    }
}
