using HomebrewSync.Contracts;
using HomebrewSync.Core.Registry;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace HomebrewSync.Core.Transfer;

/// <summary>Retry (transient failures only, exponential backoff with jitter, Retry-After honoured) around a per-attempt timeout.</summary>
public static class ResiliencePipelines
{
    /// <summary>The longest Retry-After the engine will wait out; a server asking for more gets this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    /// <summary>Set on the context to name the bottle in retry notices.</summary>
    public static readonly ResiliencePropertyKey<string> Subject = new("homebrew-sync.subject");

    public static ResiliencePipeline Create(SyncSettings settings, TimeProvider time, Action<RetryNotice>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (settings.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                // Only what another attempt can fix; OperationCanceledException (the caller gave up) never is.
                ShouldHandle = new PredicateBuilder().Handle<TransientDownloadException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = settings.RetryAttempts,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = MaxRetryAfter,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is TransientDownloadException { RetryAfter: { } after }
                        ? (TimeSpan?)(after > MaxRetryAfter ? MaxRetryAfter : after)
                        : null),
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

/// <param name="Attempt">The attempt that failed (1 = the first).</param>
public sealed record RetryNotice(string Subject, int Attempt, TimeSpan Delay, string Reason);
