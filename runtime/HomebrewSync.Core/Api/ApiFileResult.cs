namespace HomebrewSync.Core.Api;

/// <summary>What became of one API file at the end of a run.</summary>
public sealed record ApiFileResult(string Path, ApiFileStatus Status, string Detail)
{
    /// <summary>True when the mirror's copy could not be brought up to date (the run reports it like a failed bottle).</summary>
    public bool IsProblem => Status is ApiFileStatus.HeldBack or ApiFileStatus.Rejected or ApiFileStatus.Unreachable or ApiFileStatus.Refused;
}

public enum ApiFileStatus
{
    /// <summary>Written: the mirror serves the new file.</summary>
    Published,

    /// <summary>The same bytes as the mirror already has: not rewritten (its Last-Modified stays).</summary>
    Unchanged,

    /// <summary>Bottles it names failed: the previous file stays, so no client learns of a bottle the mirror lacks.</summary>
    HeldBack,

    /// <summary>Its signature did not verify: never published; the previous file stays.</summary>
    Rejected,

    /// <summary>The API has no such file (404).</summary>
    Missing,

    /// <summary>It could not be fetched.</summary>
    Unreachable,

    /// <summary>Not mirrored this run (a selective sync, no signing key).</summary>
    Skipped,

    /// <summary>The store refused its key (a link or a folder in its place): not published, and what is there is left as it is.</summary>
    Refused,
}
