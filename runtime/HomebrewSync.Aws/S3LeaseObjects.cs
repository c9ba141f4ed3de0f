using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>
/// The store's lease objects under <c>leases/</c>, created and replaced only with If-None-Match / If-Match; before the first
/// is created, the endpoint is asked whether it honours those at all (<see cref="S3ConditionalWriteProbe"/>).
/// </summary>
/// <param name="fullKey">The object key of a store key (the bucket prefix added).</param>
/// <param name="documents">The store, listing <c>leases/</c> as any other prefix of documents.</param>
internal sealed class S3LeaseObjects(IAmazonS3 s3, string bucket, Func<string, string> fullKey, S3Encryption encryption, IDocumentStore documents, S3ConditionalWriteProbe probe) : ILeaseStore
{
    public async Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        await probe.EnsureAsync(cancellationToken);
        try
        {
            return (await s3.PutObjectAsync(LeaseRequest(key, content, r => r.IfNoneMatch = "*"), cancellationToken)).ETag;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsConflict(ex))
        {
            return await OursAsync(key, content, cancellationToken);
        }
    }

    public async Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return (await s3.PutObjectAsync(LeaseRequest(key, content, r => r.IfMatch = expectedVersion), cancellationToken)).ETag;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsConflict(ex) || S3Errors.IsMissingObject(ex))
        {
            return await OursAsync(key, content, cancellationToken);
        }
    }

    /// <summary>
    /// After a refused conditional write: the SDK may have retried a write that had already succeeded (its answer lost),
    /// so a lease that now holds exactly these bytes is ours.
    /// </summary>
    private async Task<string?> OursAsync(string key, byte[] content, CancellationToken cancellationToken) =>
        await ReadLeaseAsync(key, cancellationToken) is { } current && current.Content.AsSpan().SequenceEqual(content) ? current.Version : null;

    public async Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket, fullKey(LeaseKey(key)), cancellationToken);
            return (await S3ObjectBytes.ReadAsync(response, $"s3://{bucket}/{fullKey(LeaseKey(key))}", lease: true, cancellationToken), response.ETag);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return null;
        }
    }

    public IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken) =>
        documents.ListDocumentsAsync(StoreCoordinator.Prefix, cancellationToken).Select(o => o.Key);

    /// <summary>
    /// The lease is read first and left alone unless it is still at <paramref name="expectedVersion"/>; then a DeleteObject with
    /// If-Match, which S3 refuses (412) should it be replaced in between, and answers 404 when it is gone. An S3-compatible server
    /// without conditional deletes still gets that look first: one that ignores the header deletes what the look found, and one
    /// that refuses it (NotImplemented) is asked again without it.
    /// </summary>
    public async Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken)
    {
        if (await ReadLeaseAsync(key, cancellationToken) is not { } current || current.Version != expectedVersion)
        {
            return false;
        }
        var request = new DeleteObjectRequest { BucketName = bucket, Key = fullKey(LeaseKey(key)), IfMatch = expectedVersion };
        try
        {
            try
            {
                await s3.DeleteObjectAsync(request, cancellationToken);
            }
            catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotImplemented || ex.ErrorCode == "NotImplemented")
            {
                request.IfMatch = null;
                await s3.DeleteObjectAsync(request, cancellationToken);
            }
            return true;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsConflict(ex) || S3Errors.IsMissingObject(ex))
        {
            return false;
        }
        catch (Exception ex) when (S3Errors.AsIOException($"delete of {key}", ex) is { } io)
        {
            throw io;
        }
    }

    private PutObjectRequest LeaseRequest(string key, byte[] content, Action<PutObjectRequest> condition)
    {
        var request = S3PutRequests.Bytes(bucket, fullKey(LeaseKey(key)), content, encryption);
        condition(request);
        return request;
    }

    private static string LeaseKey(string key) => StoreCoordinator.IsLeaseKey(key) ? key : throw new UnsafeStoreKeyException(key, "not a lease key");
}
