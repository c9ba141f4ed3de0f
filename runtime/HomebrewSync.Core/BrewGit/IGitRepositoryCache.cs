namespace HomebrewSync.Core.BrewGit;

/// <summary>
/// A local copy of a git repository kept by running <c>git</c> (a bare cache directory): fetched from the remote, packed,
/// and laid out for git's "dumb" HTTP protocol (<c>git update-server-info</c>). Failures are <see cref="GitCommandException"/>.
/// </summary>
public interface IGitRepositoryCache
{
    /// <summary>Fetches the remote's default branch and tags into the cache, packs what arrived, writes <c>info/refs</c> and <c>objects/info/packs</c>.</summary>
    Task<GitCacheState> RefreshAsync(string remote, CancellationToken cancellationToken);

    /// <summary>A file of the repository at <paramref name="revision"/> as text, or null when there is none; git failing is a <see cref="GitCommandException"/>, never null.</summary>
    Task<string?> ShowAsync(string revision, string path, CancellationToken cancellationToken);

    /// <summary>Names of the files in a directory of the repository at <paramref name="revision"/> (empty when there is none; git failing is a <see cref="GitCommandException"/>).</summary>
    Task<IReadOnlyList<string>> ListAsync(string revision, string directory, CancellationToken cancellationToken);

    /// <summary>A file of the cache directory (<c>info/refs</c>, <c>objects/pack/pack-….pack</c>), by its path relative to it.</summary>
    Task<byte[]> ReadAsync(string relativePath, CancellationToken cancellationToken);
}
