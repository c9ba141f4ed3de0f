namespace HomebrewSync.Adapters.Slack;

/// <summary>A webhook post worth another try: 429 (with its Retry-After), 5xx, a connection that failed.</summary>
internal sealed class SlackRetryableException : Exception
{
    public SlackRetryableException(string reason, TimeSpan? retryAfter = null, Exception? inner = null) : base(reason, inner)
    {
        RetryAfter = retryAfter;
    }

    public TimeSpan? RetryAfter { get; }
}
