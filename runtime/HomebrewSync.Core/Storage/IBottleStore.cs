using HomebrewSync.Core.Manifest;

namespace HomebrewSync.Core.Storage;

/// <summary>
/// Where the mirror lives (a local folder, an S3 bucket). Keys are store-relative, '/'-separated
/// (<c>2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz</c>). Nothing appears at a final key
/// until its bytes were verified.
/// </summary>
public interface IBottleStore
{
    /// <summary>Where the store is (a folder, an s3:// URL), for messages.</summary>
    string Location { get; }

    /// <summary>Human-readable location of a key (a path, an s3:// URL) for messages.</summary>
    string Describe(string key);

    /// <summary>Checks the store can be written, before anything is planned or fetched.</summary>
    Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>The hash file with its version (ETag), or null when the store has none yet.</summary>
    /// <exception cref="ManifestCorruptException">The file exists but does not parse.</exception>
    Task<ManifestSnapshot?> ReadManifestAsync(CancellationToken cancellationToken);

    /// <summary>Writes the hash file only if its version is still <paramref name="expectedVersion"/> (null: only if none exists).</summary>
    /// <returns>The new version.</returns>
    /// <exception cref="ManifestConflictException">Another writer changed it first.</exception>
    Task<string> WriteManifestAsync(HashManifest manifest, string? expectedVersion, CancellationToken cancellationToken);

    /// <summary>A place to stream a bottle's bytes before they are verified and committed to <paramref name="key"/>.</summary>
    Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken);

    /// <summary>Copies a committed bottle to another key inside the store (one blob, several tags).</summary>
    Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="key"/> exists and its content is known to hash to <paramref name="sha256"/>.</summary>
    Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken);

    /// <summary>Size of a stored bottle, or null when it does not exist.</summary>
    Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>What was recorded about a bottle when it was stored, or null where the store keeps no metadata.</summary>
    Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken);

    /// <summary>Copies the current hash file aside (to <c>bottles_hash.json.backup-&lt;stamp&gt;</c>) before it is replaced; returns its version, or null when there is none.</summary>
    Task<string?> BackupManifestAsync(string stamp, CancellationToken cancellationToken);

    /// <summary>Re-reads a stored bottle's bytes and hashes them.</summary>
    Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken);

    /// <summary>Writes a small document (a plan, its state) at <paramref name="key"/>, replacing what was there.</summary>
    Task PutDocumentAsync(string key, byte[] content, CancellationToken cancellationToken);

    /// <summary>A document written by <see cref="PutDocumentAsync"/>, or null when there is none.</summary>
    Task<byte[]?> GetDocumentAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every bottle object in the store (not the hash file, not staging files).</summary>
    IAsyncEnumerable<StoredBottle> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Bytes on their way into the store.</summary>
public interface IStagedBottle : IAsyncDisposable
{
    /// <summary>Write-only stream for the body.</summary>
    Stream Content { get; }

    /// <summary>Discards what was written, for another attempt.</summary>
    Task ResetAsync(CancellationToken cancellationToken);

    /// <summary>Moves the verified bytes to the final key. Disposing without committing discards them.</summary>
    Task CommitAsync(BottleMetadata metadata, CancellationToken cancellationToken);
}

public sealed record ManifestSnapshot(HashManifest Manifest, string Version);

/// <summary>A stored bottle; <see cref="Sha256"/> is what the store recorded at upload, when it records one.</summary>
public sealed record StoredBottle(string Key, long Size, string? Sha256);

/// <summary>What is known about a bottle when it is stored (S3 writes it as user metadata).</summary>
public sealed record BottleMetadata(
    string FormulaName,
    string FormulaVersion,
    string Platform,
    DateOnly DownloadDate,
    string Sha256,
    string SyncVersion,
    string HomebrewApiUrl);

public sealed class ManifestConflictException : Exception
{
    public ManifestConflictException(string message) : base(message) { }
}
