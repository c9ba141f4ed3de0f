namespace HomebrewSync.Core.Serving;

/// <summary>What a pull came to: the store key to answer from (and the bottle's sha256), or why there is none.</summary>
internal sealed record PullOutcome(PullStatus Status, string? Key = null, string? Sha256 = null, string? Reason = null)
{
    public static PullOutcome Failed(string reason) => new(PullStatus.Failed, Reason: reason);

    public static PullOutcome NotInCatalog(string reason) => new(PullStatus.NotInCatalog, Reason: reason);

    /// <summary>Whether there is something stored to answer with.</summary>
    public bool HasKey => Key is not null && Status is PullStatus.Pulled or PullStatus.Joined or PullStatus.Stored;
}
