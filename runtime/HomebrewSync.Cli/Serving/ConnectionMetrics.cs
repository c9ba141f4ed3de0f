using System.Diagnostics.Metrics;
using Prometheus;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// serve's connections in <c>/metrics</c>, read off Kestrel's own instruments (the <c>Microsoft.AspNetCore.Server.Kestrel</c>
/// meter: <c>kestrel.active_connections</c>, <c>kestrel.rejected_connections</c>) as this serve's meter factory creates them, so
/// a second serve in the same process is not counted. A connection refused at <c>--max-connections</c> also puts one warning
/// line in the log, at most once a minute, naming how many were refused since the last.
/// </summary>
internal sealed class ConnectionMetrics : IDisposable
{
    public const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private readonly MeterListener _listener = new();
    private readonly Gauge _open;
    private readonly Counter _rejected;
    private readonly int _limit;
    private readonly Action<string> _warn;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private DateTimeOffset? _lastWarning;
    private long _unreported;

    /// <param name="scope">The meter factory of the serve whose connections these are (its Kestrel's meters carry it as their scope).</param>
    public ConnectionMetrics(IMeterFactory scope, CollectorRegistry registry, int limit, Action<string> warn, TimeProvider time)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        _open = factory.CreateGauge("homebrew_sync_serve_connections", "Client connections open now.");
        _rejected = factory.CreateCounter("homebrew_sync_serve_connections_rejected_total", "Connections closed as they arrived because --max-connections were open.");
        factory.CreateGauge("homebrew_sync_serve_connections_limit", "The most client connections open at once (--max-connections).").Set(limit);
        _limit = limit;
        _warn = warn;
        _time = time;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope) && instrument.Meter.Name == KestrelMeter
                && instrument.Name is "kestrel.active_connections" or "kestrel.rejected_connections")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "kestrel.active_connections")
            {
                _open.Inc(value);
            }
            else
            {
                Rejected(value);
            }
        });
        _listener.Start();
    }

    private void Rejected(long count)
    {
        _rejected.Inc(count);
        string? line = null;
        lock (_gate)
        {
            _unreported += count;
            var now = _time.GetUtcNow();
            if (_lastWarning is null || now - _lastWarning >= WarningInterval)
            {
                line = $"warning: {_limit:N0} connections open (--max-connections): {_unreported:N0} new connection(s) closed as they arrived"
                    + (_lastWarning is null ? "" : " since the last warning");
                _lastWarning = now;
                _unreported = 0;
            }
        }
        if (line is not null)
        {
            _warn(line);
        }
    }

    public void Dispose() => _listener.Dispose();
}
