namespace HomebrewSync.Core.Registry;

/// <summary>
/// The bottle registry (ghcr.io, or one that behaves like it): blobs, and the OCI image indexes that describe
/// them. Implementations turn what the wire says into <see cref="TransientFailureException"/> (another
/// attempt may help) or <see cref="BottleDownloadException"/> (it will not).
/// </summary>
public interface IBottleRegistry
{
    /// <summary>What <see cref="GetImageIndexAsync"/> asks for (Accept) and what brew is served: an OCI image index.</summary>
    const string ImageIndexMediaType = "application/vnd.oci.image.index.v1+json";

    /// <summary>Opens a blob for reading; the caller disposes the result.</summary>
    Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken);

    /// <summary>The image index of one formula version (<c>&lt;image&gt;/manifests/&lt;reference&gt;</c>), byte for byte as the registry sent it.</summary>
    Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken);

    /// <summary>The tags of an image (<c>&lt;image&gt;/tags/list</c>): for portable Ruby, its versions.</summary>
    Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken);

    /// <summary>A blob's size from HEAD, else from a one-byte ranged GET; null when the registry tells neither.</summary>
    Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken);
}
