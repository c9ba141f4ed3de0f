namespace HomebrewSync.Core.Storage;

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
