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
    /// Its object holds other bytes that are not to be written over: a bottle the hash file lists for them (its sha256 changed on
    /// the day the listed one was stored), or one it does not list there (another command's, stored meanwhile; one a run that
    /// stopped left unrecorded). Those are kept; a sync with a later date fetches this one into that date's folder.
    /// </summary>
    Kept,
}
