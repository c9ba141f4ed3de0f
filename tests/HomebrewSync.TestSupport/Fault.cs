namespace HomebrewSync.TestSupport;

/// <summary>What the fake registry does instead of serving a blob.</summary>
public enum FaultKind
{
    /// <summary>HTTP 503.</summary>
    ServerError,

    /// <summary>HTTP 429 with a Retry-After header.</summary>
    TooManyRequests,

    /// <summary>Sends half the body, then aborts the connection.</summary>
    ResetMidBody,

    /// <summary>Sends half the body, then stops sending until the client gives up.</summary>
    Stall,

    /// <summary>Serves other bytes of the same length (the sha256 will not match).</summary>
    WrongBytes,

    /// <summary>HTTP 404.</summary>
    NotFound,
}

public sealed record Fault(FaultKind Kind, int Times, TimeSpan RetryAfter);
