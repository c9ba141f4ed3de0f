using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Adapters.Files;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>
/// The mirror in an S3 bucket, laid out as the reference shows: <c>YYYY-MM-DD/&lt;file&gt;</c> objects with
/// ContentType application/gzip, server-side encryption and the reference's user metadata, and
/// <c>bottles_hash.json</c> at the bucket (or prefix) root, written only with If-Match / If-None-Match.
/// A bottle is staged and verified in <see cref="S3StoreOptions.TempDir"/>, then uploaded with its SHA-256
/// so S3 itself rejects a body that does not match; parts of large bottles (four at a time) carry their own SHA-256.
/// </summary>
public sealed class S3Store : IStore
{
    private readonly IAmazonS3 _s3;
    private readonly S3StoreOptions _options;
    private readonly S3Encryption _encryption;
    private readonly S3BottleUploader _uploader;
    private readonly S3LeaseObjects _leases;
    private readonly S3HashFile _hashFile;

    public S3Store(IAmazonS3 s3, S3StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _s3 = s3;
        _options = options;
        _encryption = new S3Encryption(options);
        _uploader = new S3BottleUploader(s3, options, _encryption);
        _leases = new S3LeaseObjects(s3, options.Bucket, FullKey, _encryption, this, new S3ConditionalWriteProbe(s3, options.Bucket, FullKey, _encryption, Location));
        _hashFile = new S3HashFile(s3, options.Bucket, FullKey(ProductInfo.HashFileName), Describe(ProductInfo.HashFileName), Location, _encryption);
    }

    public string Location => string.IsNullOrEmpty(_options.Prefix) ? $"s3://{_options.Bucket}" : $"s3://{_options.Bucket}/{_options.Prefix}";

    public string Describe(string key) => $"s3://{_options.Bucket}/{FullKey(key)}";

    public string HashFileLocation => Describe(ProductInfo.HashFileName);

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = PrefixSlash, MaxKeys = 1 }, cancellationToken);
        }
        catch (AmazonServiceException ex)
        {
            throw new StoreAccessException($"The bucket {Location} cannot be used: {ex.ErrorCode ?? ex.StatusCode.ToString()} {ex.Message}", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new StoreAccessException($"The bucket {Location} cannot be reached: {ex.Message}", ex);
        }
        string? notPrivate;
        try
        {
            // Bottles are verified there, then uploaded from there: no one else may write in it meanwhile.
            notPrivate = PrivateFolder.Ensure(_options.TempDir, EnvVars.TempDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreAccessException($"{EnvVars.TempDir} {_options.TempDir} is not writable: {ex.Message}", ex);
        }
        if (notPrivate is not null)
        {
            throw new StoreAccessException(notPrivate);
        }
    }

    public Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken) => _hashFile.ReadAsync(cancellationToken);

    public Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken) =>
        _hashFile.WriteAsync(hashFile, expectedVersion, cancellationToken);

    public Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        Directory.CreateDirectory(_options.TempDir);
        var temp = Path.Combine(_options.TempDir, $"{Guid.NewGuid():N}.part");
        return Task.FromResult<IStagedBottle>(new StagingFile(temp, (path, metadata, replace, ct) => _uploader.UploadAsync(fullKey, path, metadata, replace, ct)));
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        // One CopyObject copies at most 5 GiB: a larger bottle (MAX_BOTTLE_SIZE_GB allows them) is copied in parts, each
        // only from the object it measured (its ETag), so a source replaced meanwhile fails the copy instead of mixing two.
        GetObjectMetadataResponse? source = null;
        await S3Errors.Wrap($"check of {sourceKey}", async () => source = await HeadObjectAsync(sourceKey, cancellationToken));
        if (source is null)
        {
            throw new IOException($"{Describe(sourceKey)} is gone; nothing to copy to {destinationKey}");
        }
        if (source.ContentLength > _options.CopyLimit)
        {
            await _uploader.CopyInPartsAsync(FullKey(sourceKey), source.ContentLength, source.ETag, FullKey(destinationKey), metadata, cancellationToken);
            return;
        }
        var request = new CopyObjectRequest
        {
            SourceBucket = _options.Bucket,
            SourceKey = FullKey(sourceKey),
            DestinationBucket = _options.Bucket,
            DestinationKey = FullKey(destinationKey),
            ContentType = S3BottleUploader.GzipContentType,
            MetadataDirective = S3MetadataDirective.REPLACE,
            // The copy keeps a SHA-256 checksum like every upload: S3 computes it from the bytes it copies.
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            // Only the object measured, as each part of a larger copy.
            ETagToMatch = source.ETag,
        };
        S3BottleMetadata.Write(request.Metadata, metadata);
        _encryption.Apply(request);
        await S3Errors.Wrap($"copy to {destinationKey}", () => _s3.CopyObjectAsync(request, cancellationToken));
    }

    public async Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken)
    {
        // S3's own SHA-256 of the object, when it is the catalog's, answers without a read: S3 checked the bytes against it
        // when they were written. The metadata is anyone's to write, so it proves nothing. Any other checksum (a multipart
        // upload's is of its parts), or none (an object written without one), and the bytes are hashed, as the folder store does.
        // S3's errors here (throttling, a role without kms:Decrypt) fail that bottle as a storage failure, not the run.
        GetObjectMetadataResponse? head = null;
        await S3Errors.Wrap($"check of {key}", async () => head = await HeadObjectAsync(key, cancellationToken, withChecksum: true));
        if (head is null)
        {
            return false;
        }
        if (string.Equals(head.ChecksumSHA256, Convert.ToBase64String(Convert.FromHexString(sha256)), StringComparison.Ordinal))
        {
            return true;
        }
        var actual = "";
        await S3Errors.Wrap($"read of {key} to hash it", async () => actual = await ComputeSha256Async(key, cancellationToken));
        return string.Equals(actual, sha256, StringComparison.Ordinal);
    }

    public async Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken)
    {
        GetObjectMetadataResponse? head = null;
        await S3Errors.Wrap($"check of {key}", async () => head = await HeadObjectAsync(key, cancellationToken));
        return head is null ? null : new StoredBottle(key, head.ContentLength, NullIfEmpty(head.Metadata["sha256"]), TimeOf(head.LastModified));
    }

    public async Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken) =>
        await HeadObjectAsync(key, cancellationToken) is { } head ? S3BottleMetadata.Read(head.Metadata) : null;

    public Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken) => _hashFile.BackupAsync(stamp, cancellationToken);

    public async Task PutDocumentAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var body = new MemoryStream(content, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = FullKey(key),
            InputStream = body,
            ContentType = contentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(content)),
        };
        _encryption.Apply(request);
        await S3Errors.Wrap($"write of {key}", () => _s3.PutObjectAsync(request, cancellationToken));
    }

    public async Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_options.Bucket, FullKey(key), cancellationToken);
            var content = await S3ObjectBytes.ReadAsync(response, Describe(key), lease: false, cancellationToken);
            return new StoredDocument(content, response.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return null;
        }
    }

    public Task DeleteDocumentAsync(string key, CancellationToken cancellationToken) => DeleteAsync(key, cancellationToken);

    public async IAsyncEnumerable<StoredObject> ListDocumentsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var o in ListObjectsAsync(prefix, cancellationToken))
        {
            yield return new StoredObject(o.Key[PrefixSlash.Length..], o.Size ?? 0, TimeOf(o.LastModified));
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        await S3Errors.Wrap($"delete of {key}", () => _s3.DeleteObjectAsync(_options.Bucket, FullKey(key), cancellationToken));
    }

    public async Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadObjectAsync(key, cancellationToken);
        return head is null ? null : new StoredObject(key, head.ContentLength, TimeOf(head.LastModified));
    }

    public async Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _options.Bucket, Key = FullKey(key) };
        if (offset > 0 || length is not null)
        {
            request.ByteRange = length is { } n ? new ByteRange(offset, offset + n - 1) : new ByteRange($"bytes={offset}-");
        }
        var response = await _s3.GetObjectAsync(request, cancellationToken);
        return new ResponseStream(response);
    }

    public async Task<Uri?> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var url = await _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = _options.Bucket,
            Key = FullKey(key),
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow.Add(lifetime),
            // An endpoint override over plain HTTP (an S3-compatible server on a LAN) signs http:// links.
            Protocol = _s3.Config.ServiceURL?.StartsWith("http://", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
        });
        return new Uri(url);
    }

    public async Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(_options.Bucket, FullKey(key), cancellationToken);
        await using var body = response.ResponseStream;
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(body, cancellationToken));
    }

    public async IAsyncEnumerable<StoredBottle> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var o in ListObjectsAsync("", cancellationToken))
        {
            var relative = o.Key[PrefixSlash.Length..];
            if (StoreKeys.IsBottleKey(relative))
            {
                yield return new StoredBottle(relative, o.Size ?? 0, null, TimeOf(o.LastModified));
            }
        }
    }

    /// <summary>Every object under the store's prefix and <paramref name="prefix"/>, page by page.</summary>
    private async IAsyncEnumerable<S3Object> ListObjectsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = PrefixSlash + prefix };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                yield return o;
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (!string.IsNullOrEmpty(request.ContinuationToken));
    }

    public ILeaseStore Leases => _leases;

    private string PrefixSlash => string.IsNullOrEmpty(_options.Prefix) ? "" : _options.Prefix + "/";

    internal string FullKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!StoreKeys.IsStoreKey(key))
        {
            throw new ArgumentException($"'{key}' is not a store key", nameof(key));
        }
        return PrefixSlash + key;
    }

    /// <param name="withChecksum">Ask for the object's checksum too (S3 sends it only when asked).</param>
    private async Task<GetObjectMetadataResponse?> HeadObjectAsync(string key, CancellationToken cancellationToken, bool withChecksum = false)
    {
        try
        {
            return await _s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = FullKey(key), ChecksumMode = withChecksum ? ChecksumMode.ENABLED : null }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static DateTimeOffset TimeOf(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;
}
