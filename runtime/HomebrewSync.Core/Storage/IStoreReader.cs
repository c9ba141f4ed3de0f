namespace HomebrewSync.Core.Storage;

/// <summary>Read access for serving the mirror: a HEAD, a (ranged) read, and a short-lived direct link where the store has one.</summary>
public interface IStoreReader
{
    /// <summary>Size and time of any object of the store, or null when it does not exist.</summary>
    Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes (null: to the end) from <paramref name="offset"/>.</summary>
    Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>A URL a client can fetch the object from directly for <paramref name="lifetime"/> (an S3 presigned GET); null where the store has none.</summary>
    Task<Uri?> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken);
}
