namespace HomebrewSync.Core.Pruning;

/// <summary>What a prune removed (or, dry, would remove), and how many hash-file entries it kept.</summary>
/// <param name="HeldByApi">Superseded entries kept because a published API file still names their bottle.</param>
public sealed record PruneResult(bool DryRun, DateOnly Cutoff, IReadOnlyList<PruneItem> Superseded, IReadOnlyList<PruneItem> Unlisted, IReadOnlyList<PruneItem> ImageIndexes, int Kept, int HeldByApi = 0)
{
    public long Bytes => Superseded.Concat(Unlisted).Concat(ImageIndexes).Sum(i => i.Size);
    public int Count => Superseded.Count + Unlisted.Count + ImageIndexes.Count;
}
