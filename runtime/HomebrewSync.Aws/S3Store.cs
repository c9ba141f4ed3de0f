using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Adapters.Files;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Manifest;
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
    private const string GzipContentType = "application/gzip";
    private const int PartConcurrency = 4;
    private readonly IAmazonS3 _s3;
    private readonly S3StoreOptions _options;

    public S3Store(IAmazonS3 s3, S3StoreOptions options)
    {
        _s3 = s3;
        _options = options;
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
        try
        {
            Directory.CreateDirectory(_options.TempDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreAccessException($"{EnvVars.TempDir} {_options.TempDir} is not writable: {ex.Message}", ex);
        }
    }

    public async Task<ManifestSnapshot?> ReadManifestAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_options.Bucket, FullKey(ProductInfo.HashFileName), cancellationToken);
            await using var body = response.ResponseStream;
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            var manifest = await HashManifestSerializer.ReadAsync(buffer, Describe(ProductInfo.HashFileName), cancellationToken);
            return new ManifestSnapshot(manifest, response.ETag);
        }
        catch (AmazonS3Exception ex) when (IsMissingObject(ex))
        {
            return null;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
            // The first read of every command but sync (which checks in PrepareAsync): a clear error, not an unexpected one.
            throw new StoreAccessException($"The bucket {Location} cannot be used: {ex.ErrorCode} {ex.Message}", ex);
        }
    }

    public async Task<string> WriteManifestAsync(HashManifest manifest, string? expectedVersion, CancellationToken cancellationToken)
    {
        var bytes = await HashManifestSerializer.ToBytesAsync(manifest, cancellationToken);
        using var content = new MemoryStream(bytes, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = FullKey(ProductInfo.HashFileName),
            InputStream = content,
            ContentType = "application/json",
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(bytes)),
        };
        ApplyEncryption(request);
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
            var response = await _s3.PutObjectAsync(request, cancellationToken);
            return response.ETag;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            throw new ManifestConflictException($"{Describe(ProductInfo.HashFileName)} changed since it was read ({ex.ErrorCode})");
        }
    }

    public Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
    {
        var fullKey = FullKey(key);
        Directory.CreateDirectory(_options.TempDir);
        var temp = Path.Combine(_options.TempDir, $"{Guid.NewGuid():N}.part");
        return Task.FromResult<IStagedBottle>(new StagingFile(temp, (path, metadata, ct) => UploadAsync(fullKey, path, metadata, ct)));
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var request = new CopyObjectRequest
        {
            SourceBucket = _options.Bucket,
            SourceKey = FullKey(sourceKey),
            DestinationBucket = _options.Bucket,
            DestinationKey = FullKey(destinationKey),
            ContentType = GzipContentType,
            MetadataDirective = S3MetadataDirective.REPLACE,
            // The copy keeps a SHA-256 checksum like every upload: S3 computes it from the bytes it copies.
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        };
        SetMetadata(request.Metadata, metadata);
        ApplyEncryption(request);
        await Wrap($"copy to {destinationKey}", () => _s3.CopyObjectAsync(request, cancellationToken));
    }

    public async Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken)
    {
        // S3 checked the SHA-256 when the object was written; the metadata records which one.
        var stored = await GetAsync(key, cancellationToken);
        return stored?.Sha256 is { } recorded && string.Equals(recorded, sha256, StringComparison.Ordinal);
    }

    public async Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadObjectAsync(key, cancellationToken);
        return head is null ? null : new StoredBottle(key, head.ContentLength, NullIfEmpty(head.Metadata["sha256"]), TimeOf(head.LastModified));
    }

    public async Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken)
    {
        var head = await HeadObjectAsync(key, cancellationToken);
        if (head is null)
        {
            return null;
        }
        var m = head.Metadata;
        if (string.IsNullOrEmpty(m["formula-name"]) || string.IsNullOrEmpty(m["formula-version"]) || string.IsNullOrEmpty(m["platform"])
            || !DateOnly.TryParseExact(m["download-date"], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return null;
        }
        return new BottleMetadata(m["formula-name"], m["formula-version"], m["platform"], date, m["sha256"], m["sync-version"], m["homebrew-api-url"]);
    }

    public async Task<string?> BackupManifestAsync(string stamp, CancellationToken cancellationToken)
    {
        var key = FullKey(ProductInfo.HashFileName);
        try
        {
            var head = await _s3.GetObjectMetadataAsync(_options.Bucket, key, cancellationToken);
            var copy = new CopyObjectRequest
            {
                SourceBucket = _options.Bucket,
                SourceKey = key,
                DestinationBucket = _options.Bucket,
                DestinationKey = $"{key}.backup-{stamp}",
                ETagToMatch = head.ETag,
            };
            ApplyEncryption(copy);
            await _s3.CopyObjectAsync(copy, cancellationToken);
            return head.ETag;
        }
        catch (AmazonS3Exception ex) when (IsMissingObject(ex))
        {
            return null;
        }
    }

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
        ApplyEncryption(request);
        await Wrap($"write of {key}", () => _s3.PutObjectAsync(request, cancellationToken));
    }

    public async Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_options.Bucket, FullKey(key), cancellationToken);
            await using var body = response.ResponseStream;
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, cancellationToken);
            return new StoredDocument(buffer.ToArray(), response.LastModified is { } at ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch);
        }
        catch (AmazonS3Exception ex) when (IsMissingObject(ex))
        {
            return null;
        }
    }

    public Task DeleteDocumentAsync(string key, CancellationToken cancellationToken) => DeleteAsync(key, cancellationToken);

    public async IAsyncEnumerable<StoredObject> ListDocumentsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = PrefixSlash + prefix };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                yield return new StoredObject(o.Key[PrefixSlash.Length..], o.Size ?? 0, TimeOf(o.LastModified));
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (!string.IsNullOrEmpty(request.ContinuationToken));
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        await Wrap($"delete of {key}", () => _s3.DeleteObjectAsync(_options.Bucket, FullKey(key), cancellationToken));
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
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = PrefixSlash };
        do
        {
            var page = await _s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var o in page.S3Objects ?? [])
            {
                var relative = o.Key[PrefixSlash.Length..];
                if (StoreKeys.IsBottleKey(relative))
                {
                    yield return new StoredBottle(relative, o.Size ?? 0, null, TimeOf(o.LastModified));
                }
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (!string.IsNullOrEmpty(request.ContinuationToken));
    }

    public async Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        try
        {
            return (await _s3.PutObjectAsync(LeaseRequest(key, content, r => r.IfNoneMatch = "*"), cancellationToken)).ETag;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    public async Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return (await _s3.PutObjectAsync(LeaseRequest(key, content, r => r.IfMatch = expectedVersion), cancellationToken)).ETag;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict || IsMissingObject(ex))
        {
            return null;
        }
    }

    public async Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_options.Bucket, FullKey(LeaseKey(key)), cancellationToken);
            await using var body = response.ResponseStream;
            using var buffer = new MemoryStream();
            await body.CopyToAsync(buffer, cancellationToken);
            return (buffer.ToArray(), response.ETag);
        }
        catch (AmazonS3Exception ex) when (IsMissingObject(ex))
        {
            return null;
        }
    }

    public async IAsyncEnumerable<string> ListLeasesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var o in ListDocumentsAsync(StoreCoordinator.Prefix, cancellationToken))
        {
            yield return o.Key;
        }
    }

    public async Task DeleteLeaseAsync(string key, CancellationToken cancellationToken) =>
        await Wrap($"delete of {key}", () => _s3.DeleteObjectAsync(_options.Bucket, FullKey(LeaseKey(key)), cancellationToken));

    private PutObjectRequest LeaseRequest(string key, byte[] content, Action<PutObjectRequest> condition)
    {
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = FullKey(LeaseKey(key)),
            InputStream = new MemoryStream(content, writable: false),
            ContentType = "application/json",
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(content)),
        };
        ApplyEncryption(request);
        condition(request);
        return request;
    }

    private static string LeaseKey(string key) => StoreCoordinator.IsLeaseKey(key) ? key : throw new UnsafeStoreKeyException(key, "not a lease key");

    private string PrefixSlash => string.IsNullOrEmpty(_options.Prefix) ? "" : _options.Prefix + "/";

    internal string FullKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Contains('\\', StringComparison.Ordinal) || key.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw new ArgumentException($"'{key}' is not a store key", nameof(key));
        }
        return PrefixSlash + key;
    }

    private async Task<GetObjectMetadataResponse?> HeadObjectAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _s3.GetObjectMetadataAsync(_options.Bucket, FullKey(key), cancellationToken);
        }
        catch (AmazonS3Exception ex) when (IsMissingObject(ex))
        {
            return null;
        }
    }

    private void ApplyEncryption(PutObjectRequest r)
    {
        r.ServerSideEncryptionMethod = EncryptionMethod;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    private void ApplyEncryption(CopyObjectRequest r)
    {
        r.ServerSideEncryptionMethod = EncryptionMethod;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    private void ApplyEncryption(InitiateMultipartUploadRequest r)
    {
        r.ServerSideEncryptionMethod = EncryptionMethod;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    private ServerSideEncryptionMethod EncryptionMethod =>
        _options.ServerSideEncryption == S3StoreOptions.Kms ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256;

    private string? KmsKey => _options.ServerSideEncryption == S3StoreOptions.Kms && !string.IsNullOrEmpty(_options.KmsKeyId) ? _options.KmsKeyId : null;

    private static void SetMetadata(MetadataCollection target, BottleMetadata m)
    {
        target["formula-name"] = m.FormulaName;
        target["formula-version"] = m.FormulaVersion;
        target["platform"] = m.Platform;
        target["download-date"] = m.DownloadDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        target["sha256"] = m.Sha256;
        target["sync-version"] = m.SyncVersion;
        target["homebrew-api-url"] = m.HomebrewApiUrl;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static DateTimeOffset TimeOf(DateTime? at) => at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    /// <summary>S3 errors while storing a bottle fail that bottle (as a storage failure), not the run.</summary>
    private static async Task Wrap(string what, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AmazonServiceException ex)
        {
            throw new IOException($"S3 {what} failed: {ex.ErrorCode ?? ex.StatusCode.ToString()} {ex.Message}", ex);
        }
    }

    private async Task UploadAsync(string fullKey, string file, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        var length = new FileInfo(file).Length;
        if (length < _options.MultipartThreshold)
        {
            await using var body = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            var put = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                InputStream = body,
                AutoCloseStream = false,
                ContentType = GzipContentType,
                ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
                // The catalog's SHA-256: S3 rejects the upload unless the bytes it receives hash to it.
                ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(metadata.Sha256)),
            };
            SetMetadata(put.Metadata, metadata);
            ApplyEncryption(put);
            await Wrap($"upload of {fullKey}", () => _s3.PutObjectAsync(put, cancellationToken));
            return;
        }
        var initiate = new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = fullKey,
            ContentType = GzipContentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
        };
        SetMetadata(initiate.Metadata, metadata);
        ApplyEncryption(initiate);
        string? uploadId = null;
        try
        {
            uploadId = (await _s3.InitiateMultipartUploadAsync(initiate, cancellationToken)).UploadId;
            var count = (int)((length + _options.PartSize - 1) / _options.PartSize);
            var parts = new PartETag[count];
            // A few parts at once, each streamed from the staged file: memory stays at a few parts' buffers.
            var options = new ParallelOptions { MaxDegreeOfParallelism = PartConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (index, ct) =>
            {
                var position = index * _options.PartSize;
                var size = Math.Min(_options.PartSize, length - position);
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
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
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = [.. parts],
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is AmazonServiceException or OperationCanceledException)
        {
            if (uploadId is not null)
            {
                await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = fullKey, UploadId = uploadId }, CancellationToken.None);
            }
            if (ex is AmazonServiceException service)
            {
                throw new IOException($"S3 multipart upload of {fullKey} failed: {service.ErrorCode ?? service.StatusCode.ToString()} {service.Message}", ex);
            }
            throw;
        }
    }

    /// <summary>A 404 for the object; a bucket that is not there (NoSuchBucket, also a 404) is an error, not an empty store.</summary>
    private static bool IsMissingObject(AmazonS3Exception ex) => ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket";
}
