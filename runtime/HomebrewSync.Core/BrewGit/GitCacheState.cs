namespace HomebrewSync.Core.BrewGit;

/// <summary>The cache after a refresh: the default branch (<c>refs/heads/…</c>) and its pack files, relative to the cache (<c>objects/pack/pack-….pack</c> and <c>.idx</c>).</summary>
public sealed record GitCacheState(string DefaultBranch, IReadOnlyList<string> PackFiles);
