namespace HomebrewSync.Contracts;

/// <summary>
/// How long retries wait, in one place: an exponential backoff from RETRY_DELAY_SECONDS with jitter that only
/// shortens a wait (50-100% of the step), so the longest a bottle can take is known before it starts.
/// </summary>
public sealed class RetryTiming
{
    /// <summary>The longest wait between attempts; a server's Retry-After above it is cut to it.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    private readonly SyncSettings _settings;

    public RetryTiming(SyncSettings settings)
    {
        _settings = settings;
    }

    /// <summary>The longest wait before retry number <paramref name="retry"/> (0 = the wait after the first attempt).</summary>
    public TimeSpan MaxDelayBefore(int retry)
    {
        var step = _settings.RetryDelay.TotalSeconds * Math.Pow(2, Math.Min(retry, 30));
        return step >= MaxDelay.TotalSeconds ? MaxDelay : TimeSpan.FromSeconds(step);
    }

    /// <summary>The wait before retry <paramref name="retry"/>: the server's Retry-After when it sent one, else the jittered step.</summary>
    public TimeSpan DelayBefore(int retry, TimeSpan? retryAfter, double random) =>
        retryAfter is { } asked ? (asked > MaxDelay ? MaxDelay : asked < TimeSpan.Zero ? TimeSpan.Zero : asked) : MaxDelayBefore(retry) * (0.5 + (random / 2));

    /// <summary>Every attempt timing out and every backoff at its longest: the most one bottle can take.</summary>
    public TimeSpan WorstCase
    {
        get
        {
            var total = _settings.DownloadTimeout * (_settings.RetryAttempts + 1);
            for (var i = 0; i < _settings.RetryAttempts; i++)
            {
                total += MaxDelayBefore(i);
            }
            return total;
        }
    }
}
