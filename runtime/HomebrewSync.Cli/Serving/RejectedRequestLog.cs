using HomebrewSync.Core.Serving;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HomebrewSync.Cli.Serving;

/// <summary>
/// Requests Kestrel refuses itself, before serve's handler sees them (a request line or headers that are not HTTP, a target or
/// headers past Kestrel's limits: 400, 414, 431), as Kestrel logs them (its <c>BadRequests</c> category): each one an access-log
/// line (<see cref="AccessLog.RejectedLine"/>) and a request in <c>/metrics</c> (route <c>other</c>), as nginx logs its 400s.
/// Nothing else Kestrel logs is written.
/// </summary>
internal sealed class RejectedRequestLog(AccessLogWriter log, ServeMetrics metrics, TimeProvider time) : ILoggerProvider, ILogger
{
    public const string Category = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";

    public ILogger CreateLogger(string categoryName) => categoryName == Category ? this : NullLogger.Instance;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return;
        }
        metrics.Observe(MirrorRoute.Other, "-", MirrorResponse.Text(bad.StatusCode, ""), TimeSpan.Zero);
        _ = log.WriteLineAsync(AccessLog.RejectedLine(bad.StatusCode, bad.Message, time.GetUtcNow())).AsTask();
    }

    public void Dispose()
    {
    }
}
