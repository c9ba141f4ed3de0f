namespace HomebrewSync.TestSupport.Servers;

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

    /// <summary>HTTP 401 (the registry refusing the token).</summary>
    Unauthorized,

    /// <summary>The blob's bytes, then more without end, with no Content-Length (a body larger than announced).</summary>
    Endless,

    /// <summary>The registry redirects to a <c>file:///etc/passwd</c> URL.</summary>
    RedirectToFile,

    /// <summary>The registry redirects to an <c>ftp:</c> URL.</summary>
    RedirectToFtp,

    /// <summary>The registry redirects to a <c>data:</c> URL.</summary>
    RedirectToData,

    /// <summary>The registry redirects with a Location that is not a URL.</summary>
    RedirectUnparsable,
}

public sealed record Fault(FaultKind Kind, int Times, TimeSpan RetryAfter);
