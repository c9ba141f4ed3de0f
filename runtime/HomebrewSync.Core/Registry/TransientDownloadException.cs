namespace HomebrewSync.Core.Registry;

/// <summary>A failure worth another attempt: 5xx, 429, 408, a reset or truncated body. Carries the server's Retry-After.</summary>
public sealed class TransientDownloadException : Exception
{
    public TransientDownloadException(string reason, TimeSpan? retryAfter = null, Exception? inner = null) : base(reason, inner)
    {
        RetryAfter = retryAfter;
    }

    public TimeSpan? RetryAfter { get; }
}
