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

    public async Task UploadAsync(string fullKey, string file, BottleMetadata metadata, CancellationToken cancellationToken)
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
            S3BottleMetadata.Write(put.Metadata, metadata);
            encryption.Apply(put);
            await S3Errors.Wrap($"upload of {fullKey}", () => s3.PutObjectAsync(put, cancellationToken));
            return;
        }
        await UploadInPartsAsync(fullKey, file, length, metadata, cancellationToken);
    }

    private async Task UploadInPartsAsync(string fullKey, string file, long length, BottleMetadata metadata, CancellationToken cancellationToken)
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
            var partSize = PartSizeFor(length, options.PartSize);
            var count = (int)((length + partSize - 1) / partSize);
            var parts = new PartETag[count];
            // A few parts at once, each streamed from the staged file: memory stays at a few parts' buffers.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, count), parallel, async (index, ct) =>
            {
                var position = index * partSize;
                var size = Math.Min(partSize, length - position);
                var part = await s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = options.Bucket,
                    Key = fullKey,
                    UploadId = uploadId,
                    PartNumber = index + 1,
                    FilePath = file,
                    FilePosition = position,
                    PartSize = size,
                    IsLastPart = index == count - 1,
                    ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                }, ct);
                parts[index] = new PartETag { PartNumber = index + 1, ETag = part.ETag, ChecksumSHA256 = part.ChecksumSHA256 };
            });
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = [.. parts],
            }, cancellationToken);
        }
        catch (Exception ex)
        {
            // Whatever stopped it (S3's answer, a connection the SDK gave up on, a cancellation, the staged file unreadable),
            // its parts do not stay behind to be billed; the abort is best effort, and what stopped the upload is reported.
            if (uploadId is not null)
            {
                await AbortQuietlyAsync(fullKey, uploadId);
            }
            if (S3Errors.AsIOException($"multipart upload of {fullKey}", ex) is { } io)
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
