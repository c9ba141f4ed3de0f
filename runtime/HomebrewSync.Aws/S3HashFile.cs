using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>The bucket's <c>bottles_hash.json</c>: read with its ETag, written only with If-Match / If-None-Match, backed up by a conditional copy.</summary>
/// <param name="key">The hash file's object key.</param>
/// <param name="location">The hash file's s3:// address, for messages.</param>
/// <param name="storeLocation">The store's s3:// address, for messages.</param>
internal sealed class S3HashFile(IAmazonS3 s3, string bucket, string key, string location, string storeLocation, S3Encryption encryption)
{
    public async Task<HashFileSnapshot?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
            var hashFile = HashFileSerializer.Read(await S3ObjectBytes.ReadAsync(response, location, lease: false, cancellationToken), location);
            return new HashFileSnapshot(hashFile, response.ETag);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return null;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            // The first read of every command but sync (which checks in PrepareAsync): a clear error, not an unexpected one.
            throw new StoreAccessException($"The bucket {storeLocation} cannot be used: {ex.ErrorCode} {ex.Message}", ex);
        }
    }

    public async Task<string> WriteAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken)
    {
        var bytes = await HashFileSerializer.ToBytesAsync(hashFile, cancellationToken);
        using var content = new MemoryStream(bytes, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = content,
            ContentType = "application/json",
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(bytes)),
        };
        encryption.Apply(request);
        // Conditional on what was read: a concurrent writer makes this fail instead of being overwritten.
        if (expectedVersion is null)
        {
            request.IfNoneMatch = "*";
        }
        else
        {
            request.IfMatch = expectedVersion;
        }
        try
        {
            var response = await s3.PutObjectAsync(request, cancellationToken);
            return response.ETag;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsConflict(ex))
        {
            throw new HashFileConflictException($"{location} changed since it was read ({ex.ErrorCode})");
        }
    }

    public async Task<string?> BackupAsync(string stamp, CancellationToken cancellationToken)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            var copy = new CopyObjectRequest
            {
                SourceBucket = bucket,
                SourceKey = key,
                DestinationBucket = bucket,
                DestinationKey = $"{key}.backup-{stamp}",
                ETagToMatch = head.ETag,
            };
            encryption.Apply(copy);
            await s3.CopyObjectAsync(copy, cancellationToken);
            return head.ETag;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return null;
        }
    }
}
