namespace HomebrewSync.Core.Storage;

/// <summary>
/// Small objects under <c>leases/</c> written with compare-and-set semantics (S3 conditional writes, a lock file locally):
/// what lets commands on several machines take turns at one store.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Creates <paramref name="key"/> only where nothing is there yet; returns its version, or null when it already exists.</summary>
    Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken);

    /// <summary>Replaces <paramref name="key"/> only while its version is still <paramref name="expectedVersion"/>; returns the new version, or null when it changed or is gone.</summary>
    Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken);

    /// <summary>The lease's bytes and version, or null when there is none.</summary>
    Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keys of every lease (under <c>leases/</c>).</summary>
    IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes <paramref name="key"/> only while its version is still <paramref name="expectedVersion"/>: read and compared first, then
    /// deleted (on S3 with If-Match as well), so a lease another command has taken over since is left alone. Returns whether it was
    /// removed; false when it changed or is gone.
    /// </summary>
    Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken);
}
