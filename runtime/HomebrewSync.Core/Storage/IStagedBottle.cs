namespace HomebrewSync.Core.Storage;

/// <summary>Bytes on their way into the store.</summary>
public interface IStagedBottle : IAsyncDisposable
{
    /// <summary>Write-only stream for the body.</summary>
    Stream Content { get; }

    /// <summary>Discards what was written, for another attempt.</summary>
    Task ResetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Moves the verified bytes to the final key. Without <paramref name="replace"/>, only while nothing is there (atomically):
    /// false when an object is (or, on S3, when a write or a delete of the key raced this one, which may leave nothing there),
    /// and the bytes stay staged (for another commit, or to be discarded). Where the store
    /// cannot tell (a folder on a file system without hard links), they are moved as with <paramref name="replace"/>.
    /// Disposing without committing discards them.
    /// </summary>
    /// <returns>Whether the bytes are at the key now.</returns>
    Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken);
}
