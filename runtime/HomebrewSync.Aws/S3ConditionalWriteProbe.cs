using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Aws;

/// <summary>
/// Whether the endpoint honours conditional writes, asked once per process before its first lease: the store's safety rests on
/// them (a lease is created only where none is, a hash-file write goes only over the version read), and an S3-compatible
/// endpoint that ignored If-None-Match or If-Match would let two commands overwrite each other's leases and hash-file writes
/// without a word, and listed bottles be lost. A probe object under <c>status/</c> is written, written again with
/// If-None-Match: * (which must be refused), written with an If-Match no object has (which must be refused), then deleted.
/// </summary>
internal sealed class S3ConditionalWriteProbe(IAmazonS3 s3, string bucket, Func<string, string> fullKey, S3Encryption encryption, string location)
{
    /// <summary>An ETag no object has: an MD5's length, all zeros.</summary>
    private const string NoVersion = "\"00000000000000000000000000000000\"";

    private int _passed;

    /// <exception cref="StoreAccessException">The endpoint accepted a write it should have refused, or refused the probe's first.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _passed) == 1)
        {
            return;
        }
        var key = fullKey($"status/conditional-write-probe-{Guid.NewGuid():N}.json");
        try
        {
            try
            {
                await s3.PutObjectAsync(Request(key, r => r.IfNoneMatch = "*"), cancellationToken);
            }
            catch (AmazonServiceException ex)
            {
                throw Refused("a write with If-None-Match (how commands keep from overwriting each other)", ex);
            }
            if (await AcceptedAsync(key, r => r.IfNoneMatch = "*", cancellationToken))
            {
                throw Ignored("If-None-Match: *", "a second write creating the same object was accepted");
            }
            if (await AcceptedAsync(key, r => r.IfMatch = NoVersion, cancellationToken))
            {
                throw Ignored("If-Match", "a write conditional on a version the object does not have was accepted");
            }
        }
        finally
        {
            await DeleteQuietlyAsync(key);
        }
        Volatile.Write(ref _passed, 1);
    }

    private async Task<bool> AcceptedAsync(string key, Action<PutObjectRequest> condition, CancellationToken cancellationToken)
    {
        try
        {
            await s3.PutObjectAsync(Request(key, condition), cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsConflict(ex))
        {
            return false;
        }
        catch (AmazonServiceException ex)
        {
            throw Refused("a conditional write", ex);
        }
    }

    private StoreAccessException Refused(string write, AmazonServiceException ex) =>
        new($"The bucket {location} cannot be used: {write} was refused: {ex.ErrorCode ?? ex.StatusCode.ToString()} {ex.Message}", ex);

    private StoreAccessException Ignored(string header, string what) => new(
        $"The bucket {location} cannot be used safely: its endpoint ignores {header} ({what}). Commands that run at once (two syncs, " +
        "a sync and a prune) rely on it to keep from overwriting each other's leases and hash-file writes, and listed bottles " +
        "could be lost. Use an endpoint that honours conditional writes (Amazon S3 does).");

    private PutObjectRequest Request(string key, Action<PutObjectRequest> condition)
    {
        var request = S3PutRequests.Bytes(bucket, key, "{\"probe\":\"conditional writes\"}"u8.ToArray(), encryption);
        condition(request);
        return request;
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await s3.DeleteObjectAsync(bucket, key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or IOException)
        {
            // A probe object left behind is a few bytes under status/, never read; the probe's own outcome is what matters.
        }
    }
}
