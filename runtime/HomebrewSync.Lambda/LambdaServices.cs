using HomebrewSync.Contracts;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Progress;
using HomebrewSync.Hosting;

namespace HomebrewSync.Lambda;

/// <summary>What a handler needs, built once per container from the function's environment by the shared composition root.</summary>
public sealed class LambdaServices : IDisposable
{
    /// <param name="log">The function's log (CloudWatch Logs): progress lines and the EMF metrics line.</param>
    public LambdaServices(SyncServices services, TextWriter log)
    {
        Services = services;
        Log = new LogLineObserver(log);
        Display = new RunDisplay(Log, log);
    }

    public SyncServices Services { get; }
    public LogLineObserver Log { get; }

    /// <summary>Lambda shows progress as log lines; the EMF metrics line goes to the same log, where CloudWatch reads it.</summary>
    public RunDisplay Display { get; }

    /// <summary>A token that ends before the function's own timeout (TIME_BUDGET_SECONDS), so a run stops cleanly instead of being killed.</summary>
    public CancellationTokenSource BudgetToken() =>
        Services.Settings.Sync.TimeBudget is { } budget ? new CancellationTokenSource(budget, Services.Time) : new CancellationTokenSource();

    /// <exception cref="SettingsException">Every configuration error, listed.</exception>
    public static async Task<LambdaServices> CreateAsync(IReadOnlyDictionary<string, string?> environment, TimeProvider time, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var settings = HostSettings.ReadOrThrow(environment, defaultStore: null);
        var observer = new LogLineObserver(log);
        var services = await SyncServices.CreateAsync(settings, time, w => observer.Write("WARN " + w), cancellationToken);
        return new LambdaServices(services, log);
    }

    public void Dispose() => Services.Dispose();
}
