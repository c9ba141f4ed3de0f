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

    /// <summary>
    /// Its object holds a bottle the hash file lists for other bytes (its sha256 changed on the day the listed one was stored):
    /// that one is kept, never replaced in place; a sync on a later date fetches this one into that date's folder.
    /// </summary>
    Kept,
}
