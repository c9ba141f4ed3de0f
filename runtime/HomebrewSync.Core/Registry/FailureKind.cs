namespace HomebrewSync.Core.Registry;

/// <summary>Why one bottle could not be mirrored; the run goes on without it.</summary>
public enum FailureKind
{
    ShaMismatch,
    NotFound,
    Unauthorized,
    Timeout,
    HttpError,
    Network,
    Storage,

    /// <summary>It could not finish within the host's time budget (a Lambda worker); a larger host (ECS) can.</summary>
    Budget,

    /// <summary>The body went past its announced size (or the limit for one): cut off there, never stored.</summary>
    TooLarge,
}
