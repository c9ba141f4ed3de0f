namespace HomebrewSync.Core.Serving;

/// <summary>What a pull came to: the store key to answer from (and the bottle's sha256), or why there is none.</summary>
/// <param name="Reason">Why there is none, as the client is told: nothing of the server's own (paths, hosts, processes).</param>
/// <param name="Size">A bottle's size as its hash-file entry records it: what is served is checked against it, as for any listed bottle.</param>
/// <param name="Detail">Why, in full, for the server's log only; null when <paramref name="Reason"/> says it all.</param>
internal sealed record PullOutcome(PullStatus Status, string? Key = null, string? Sha256 = null, string? Reason = null, long? Size = null, string? Detail = null)
{
    public static PullOutcome Failed(string reason, string? detail = null) => new(PullStatus.Failed, Reason: reason, Detail: detail);

    /// <summary>Why, as the server's log has it.</summary>
    public string? Logged => Detail ?? Reason;

    public static PullOutcome NotInCatalog(string reason) => new(PullStatus.NotInCatalog, Reason: reason);

    /// <summary>Whether there is something stored to answer with.</summary>
    public bool HasKey => Key is not null && Status is PullStatus.Pulled or PullStatus.Joined or PullStatus.Stored;
}
