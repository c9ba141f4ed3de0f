using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>
/// Uploads a staged, verified bottle with the reference's metadata: in one PUT carrying the catalog's SHA-256 (S3 rejects
/// bytes that do not hash to it), or above the multipart threshold in parts (four at a time) that carry their own SHA-256.
/// </summary>
internal sealed class S3BottleUploader(IAmazonS3 s3, S3StoreOptions options, S3Encryption encryption)
{
    public const string GzipContentType = "application/gzip";
    private const int PartConcurrency = 4;

    /// <summary>Uploads the staged file to <paramref name="fullKey"/>; without <paramref name="replace"/>, only while no object is there (If-None-Match: *).</summary>
    /// <returns>Whether the bytes are at the key now: false when <paramref name="replace"/> is not given and an object is there.</returns>
    public async Task<bool> UploadAsync(string fullKey, string file, BottleMetadata metadata, bool replace, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file).Length;
        if (length < options.MultipartThreshold)
        {
            await using var body = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            var put = new PutObjectRequest
            {
                BucketName = options.Bucket,
                Key = fullKey,
                InputStream = body,
                AutoCloseStream = false,
                ContentType = GzipContentType,
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                // The catalog's SHA-256: S3 rejects the upload unless the bytes it receives hash to it.
                ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(metadata.Sha256)),
            };
            if (!replace)
            {
                put.IfNoneMatch = "*";
            }
            S3BottleMetadata.Write(put.Metadata, metadata);
            encryption.Apply(put);
            try
            {
                await S3Errors.Wrap($"upload of {fullKey}", () => s3.PutObjectAsync(put, cancellationToken));
            }
            catch (IOException ex) when (!replace && IsTaken(ex.InnerException))
            {
                return false;
            }
            return true;
        }
        return await UploadInPartsAsync(fullKey, file, length, metadata, replace, cancellationToken);
    }

    /// <summary>
    /// S3's answer to a write conditional on no object being at the key, when one is (412); or when another write or a delete
    /// of that key raced it (409): a refusal either way, and the transfer looks at what is there (after a 409 maybe nothing, and
    /// then it commits again).
    /// </summary>
    private static bool IsTaken(Exception? ex) => ex is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.PreconditionFailed or System.Net.HttpStatusCode.Conflict };

    // A few parts at once, each streamed from the staged file: memory stays at a few parts' buffers.
    private Task<bool> UploadInPartsAsync(string fullKey, string file, long length, BottleMetadata metadata, bool replace, CancellationToken cancellationToken) =>
        InPartsAsync("multipart upload", fullKey, length, options.PartSize, metadata, replace, async (uploadId, number, position, size, last, ct) =>
        {
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartNumber = number,
                FilePath = file,
                FilePosition = position,
                PartSize = size,
                IsLastPart = last,
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            }, ct);
            return new PartETag { PartNumber = number, ETag = part.ETag, ChecksumSHA256 = part.ChecksumSHA256 };
        }, cancellationToken);

    /// <summary>
    /// Copies an object past CopyObject's 5 GiB in parts (UploadPartCopy), S3 copying each byte range itself; each part only
    /// from the object measured (<paramref name="sourceETag"/>), so one replaced meanwhile fails the copy. The copy gets the
    /// bottle's metadata, encryption and per-part SHA-256 checksums as an upload in parts does.
    /// </summary>
    public Task CopyInPartsAsync(string sourceFullKey, long length, string sourceETag, string fullKey, BottleMetadata metadata, CancellationToken cancellationToken) =>
        InPartsAsync("multipart copy", fullKey, length, options.CopyPartSize, metadata, replace: true, async (uploadId, number, position, size, _, ct) =>
        {
            var part = await s3.CopyPartAsync(new CopyPartRequest
            {
                SourceBucket = options.Bucket,
                SourceKey = sourceFullKey,
                DestinationBucket = options.Bucket,
                DestinationKey = fullKey,
                UploadId = uploadId,
                PartNumber = number,
                FirstByte = position,
                LastByte = position + size - 1,
                ETagToMatch = [sourceETag],
            }, ct);
            return new PartETag { PartNumber = number, ETag = part.ETag, ChecksumSHA256 = part.ChecksumSHA256 };
        }, cancellationToken);

    private delegate Task<PartETag> PartWriter(string uploadId, int number, long position, long size, bool last, CancellationToken cancellationToken);

    /// <summary>
    /// An upload in parts of <paramref name="usualPartSize"/> (more where 10,000 would not hold it), four at a time; aborted whatever
    /// stops it. Without <paramref name="replace"/>, completed only while no object is at the key (If-None-Match: *): false when one is.
    /// </summary>
    private async Task<bool> InPartsAsync(string what, string fullKey, long length, long usualPartSize, BottleMetadata metadata, bool replace, PartWriter writePart,
        CancellationToken cancellationToken)
    {
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = options.Bucket,
            Key = fullKey,
            ContentType = GzipContentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        };
        S3BottleMetadata.Write(initiate.Metadata, metadata);
        encryption.Apply(initiate);
        string? uploadId = null;
        try
        {
            uploadId = (await s3.InitiateMultipartUploadAsync(initiate, cancellationToken)).UploadId;
            var partSize = PartSizeFor(length, usualPartSize);
            var count = (int)((length + partSize - 1) / partSize);
            var parts = new PartETag[count];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (index, ct) =>
            {
                var position = index * partSize;
                parts[index] = await writePart(uploadId, index + 1, position, Math.Min(partSize, length - position), index == count - 1, ct);
            });
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = [.. parts],
                IfNoneMatch = replace ? null : "*",
            }, cancellationToken);
            return true;
        }
        catch (Exception ex) when (!replace && IsTaken(ex))
        {
            await AbortQuietlyAsync(fullKey, uploadId!);
            return false;
        }
        catch (Exception ex)
        {
            // Whatever stopped it (S3's answer, a connection the SDK gave up on, a cancellation, the staged file unreadable),
            // its parts do not stay behind to be billed; the abort is best effort, and what stopped the upload is reported.
            if (uploadId is not null)
            {
                await AbortQuietlyAsync(fullKey, uploadId);
            }
            if (S3Errors.AsIOException($"{what} of {fullKey}", ex) is { } io)
            {
                throw io;
            }
            throw;
        }
    }

    private async Task AbortQuietlyAsync(string fullKey, string uploadId)
    {
        try
        {
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = options.Bucket, Key = fullKey, UploadId = uploadId }, CancellationToken.None);
        }
        catch (Exception ex) when (S3Errors.AsIOException("abort", ex) is not null)
        {
            // Left for the bucket's lifecycle rule (AbortIncompleteMultipartUpload; the stack's bucket has one).
        }
    }

    /// <summary>S3 takes at most 10,000 parts: past that many of the usual size, parts grow (in whole MiB) to fit.</summary>
    internal static long PartSizeFor(long length, long usual)
    {
        const long MaxParts = 10_000;
        const long MiB = 1 << 20;
        var least = (length + MaxParts - 1) / MaxParts;
        return least <= usual ? usual : (least + MiB - 1) / MiB * MiB;
    }
}
