namespace HomebrewSync.Core.Registry;

/// <summary>A failure worth another attempt: 5xx, 429, 408, a reset or truncated body. Carries the server's Retry-After.</summary>
public sealed class TransientFailureException : Exception
{
    public TransientFailureException(string reason, TimeSpan? retryAfter = null, Exception? inner = null, bool connectionFailure = false)
        : base(reason, inner)
    {
        RetryAfter = retryAfter;
        IsConnectionFailure = connectionFailure;
    }

    public TimeSpan? RetryAfter { get; }

    /// <summary>The connection broke (refused, reset, truncated), as opposed to a status the server sent.</summary>
    public bool IsConnectionFailure { get; }
}
