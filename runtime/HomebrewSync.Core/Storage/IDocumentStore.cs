namespace HomebrewSync.Core.Storage;

/// <summary>
/// Small documents beside the bottles, by key: plans and their state (<c>plans/</c>), the registry's image
/// indexes (<c>manifests/</c>), Homebrew's API files (<c>api/</c>).
/// </summary>
public interface IDocumentStore
{
    /// <summary>The document with the time the store wrote it, or null when there is none.</summary>
    Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken);

    /// <summary>Writes (or replaces) a document.</summary>
    Task PutDocumentAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken);

    /// <summary>Removes a document; nothing happens when it does not exist.</summary>
    Task DeleteDocumentAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keys of the documents under <paramref name="prefix"/> (which ends with '/').</summary>
    IAsyncEnumerable<StoredObject> ListDocumentsAsync(string prefix, CancellationToken cancellationToken);
}
