namespace HomebrewSync.Core.BrewGit;

/// <summary>
/// The cache as one refresh left it, whatever another run on this host does to it afterwards: the default branch
/// (<c>refs/heads/…</c>), the commit it was at, its pack files relative to the cache (<c>objects/pack/pack-….pack</c> and
/// <c>.idx</c>), and the bytes of the files the dumb protocol reads first (<c>info/refs</c>, <c>objects/info/packs</c>,
/// <c>HEAD</c>), which name only those packs' objects.
/// </summary>
public sealed record GitCacheState(string DefaultBranch, IReadOnlyList<string> PackFiles)
{
    /// <summary>The commit <see cref="DefaultBranch"/> was at (what is read of brew, and published); the branch itself when not known.</summary>
    public string Commit { get; init; } = DefaultBranch;

    /// <summary>The ref files as the refresh wrote them, by path relative to the cache; read from the cache when absent here.</summary>
    public IReadOnlyDictionary<string, byte[]> RefFiles { get; init; } = new Dictionary<string, byte[]>();
}
