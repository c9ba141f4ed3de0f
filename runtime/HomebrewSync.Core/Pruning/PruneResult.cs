namespace HomebrewSync.Core.Pruning;

/// <summary>What a prune removed (or, dry, would remove), and how many hash-file entries it kept.</summary>
/// <param name="HeldByApi">Superseded entries kept because a published API file still names their bottle.</param>
public sealed record PruneResult(bool DryRun, DateOnly Cutoff, IReadOnlyList<PruneItem> Superseded, IReadOnlyList<PruneItem> Unlisted, IReadOnlyList<PruneItem> ImageIndexes, int Kept, int HeldByApi = 0)
{
    /// <summary>Objects judged removable but left where they are when it came to it (listed again meanwhile, a link in their place), each with why.</summary>
    public IReadOnlyList<PruneItem> LeftInPlace { get; init; } = [];

    /// <summary>A dry run's word that the prune itself would refuse (too many unlisted objects without --delete-unlisted), and why; else null.</summary>
    public string? WouldRefuse { get; init; }

    public long Bytes => Superseded.Concat(Unlisted).Concat(ImageIndexes).Sum(i => i.Size);
    public int Count => Superseded.Count + Unlisted.Count + ImageIndexes.Count;
}
