using Amazon.S3.Model;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>
/// A GetObject body read whole (the hash file, a document, a lease), refused past its limit by the size S3 announces,
/// before any of it is read: a stray multi-GB object under a document's key would otherwise fill the memory of the
/// Lambda or task that reads it.
/// </summary>
internal static class S3ObjectBytes
{
    /// <exception cref="StoreAccessException">Larger than a document's or a lease's limit (<see cref="StoredDocument.TooLarge"/>).</exception>
    public static async Task<byte[]> ReadAsync(GetObjectResponse response, string location, bool lease, CancellationToken cancellationToken)
    {
        if (StoredDocument.TooLarge(location, response.ContentLength, lease) is { } tooLarge)
        {
            throw new StoreAccessException(tooLarge);
        }
        var bytes = new byte[response.ContentLength];
        await using var body = response.ResponseStream;
        var read = await body.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken);
        return read == bytes.Length ? bytes : bytes[..read];
    }
}
