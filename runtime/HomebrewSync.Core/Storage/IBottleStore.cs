namespace HomebrewSync.Core.Storage;

/// <summary>
/// Where the mirror's bottles live (a local folder, an S3 bucket). Keys are store-relative, '/'-separated
/// (<c>2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz</c>). Nothing appears at a final key until its
/// bytes were verified.
/// </summary>
public interface IBottleStore
{
    /// <summary>Where the store is (a folder, an s3:// URL), for messages.</summary>
    string Location { get; }

    /// <summary>Human-readable location of a key (a path, an s3:// URL) for messages.</summary>
    string Describe(string key);

    /// <summary>Checks the store can be written, before anything is planned or fetched.</summary>
    /// <exception cref="StoreAccessException">It cannot.</exception>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>A place to stream a bottle's bytes before they are verified and committed to <paramref name="key"/>.</summary>
    Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken);

    /// <summary>Copies a committed bottle to another key inside the store (a migrated name, one blob reused).</summary>
    Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="key"/> exists and its content is known to hash to <paramref name="sha256"/>.</summary>
    Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken);

    /// <summary>Size of a stored bottle (and the sha256 recorded at upload, where the store keeps one), or null when it does not exist.</summary>
    Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>What was recorded about a bottle when it was stored, or null where the store keeps no metadata.</summary>
    Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken);

    /// <summary>Re-reads a stored bottle's bytes and hashes them.</summary>
    Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken);

    /// <summary>Every bottle object in the store (dated folders only: not the hash file, documents or staging files).</summary>
    IAsyncEnumerable<StoredBottle> ListAsync(CancellationToken cancellationToken);

    /// <summary>Removes a bottle object; nothing happens when it does not exist.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
