using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace HomebrewSync.Core.Transfer;

/// <summary>
/// Retry (transient failures only, exponential backoff with jitter, Retry-After honoured) around a per-attempt
/// timeout. A bottle with a deadline (a time-budgeted host) is not retried when the wait and another attempt
/// would end past it; <see cref="StoppedByDeadline"/> then says why.
/// </summary>
public static class ResiliencePipelines
{
    /// <summary>Set on the context to name the bottle in retry notices.</summary>
    public static readonly ResiliencePropertyKey<string> Subject = new("homebrew-sync.subject");

    /// <summary>Set on the context: the time by which this call must have ended (success or failure).</summary>
    public static readonly ResiliencePropertyKey<DateTimeOffset> Deadline = new("homebrew-sync.deadline");

    /// <summary>Read from the context after a failure: why no further attempt was made although one was allowed.</summary>
    public static readonly ResiliencePropertyKey<string> StoppedByDeadline = new("homebrew-sync.stopped-by-deadline");

    private static readonly ResiliencePropertyKey<TimeSpan> NextDelay = new("homebrew-sync.next-delay");

    public static ResiliencePipeline Create(SyncSettings settings, TimeProvider time, Action<RetryNotice>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var timing = new RetryTiming(settings);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // Only what another attempt can fix; OperationCanceledException (the caller gave up) never is.
                ShouldHandle = args =>
                {
                    if (args.Outcome.Exception is not (TransientFailureException or TimeoutRejectedException))
                    {
                        return ValueTask.FromResult(false);
                    }
                    var retryAfter = (args.Outcome.Exception as TransientFailureException)?.RetryAfter;
                    var delay = timing.DelayBefore(args.AttemptNumber, retryAfter, Random.Shared.NextDouble());
                    args.Context.Properties.Set(NextDelay, delay);
                    if (args.AttemptNumber < settings.RetryAttempts && args.Context.Properties.TryGetValue(Deadline, out var deadline)
                        && time.GetUtcNow() + delay + settings.DownloadTimeout > deadline)
                    {
                        args.Context.Properties.Set(StoppedByDeadline, retryAfter is { } asked
                            ? $"the registry asked to wait {asked.TotalSeconds:0} s (Retry-After) after attempt {args.AttemptNumber + 1}, longer than the time budget leaves"
                            : $"attempt {args.AttemptNumber + 1} failed and another would not fit the time budget");
                        return ValueTask.FromResult(false);
                    }
                    return ValueTask.FromResult(true);
                },
                MaxRetryAttempts = settings.RetryAttempts,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(args.Context.Properties.GetValue(NextDelay, TimeSpan.Zero)),
                OnRetry = args =>
                {
                    var subject = args.Context.Properties.GetValue(Subject, "request");
                    var reason = args.Outcome.Exception switch
                    {
                        TimeoutRejectedException => $"timed out after {settings.DownloadTimeout.TotalSeconds:0.###} s",
                        { } ex => ex.Message,
                        null => "failed",
                    };
                    onRetry?.Invoke(new RetryNotice(subject, args.AttemptNumber + 1, args.RetryDelay, reason));
                    return default;
                },
            });
        }
        return builder.AddTimeout(settings.DownloadTimeout).Build();
    }
}
