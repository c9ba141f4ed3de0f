using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace HomebrewSync.Aws;

/// <summary>How the S3 store reads S3's errors.</summary>
internal static class S3Errors
{
    /// <summary>
    /// S3 errors while storing a bottle fail that bottle (as a storage failure), not the run: S3's answers, and what the SDK
    /// throws once its own retries are spent on a connection that failed or timed out (each naming what was being done).
    /// </summary>
    public static async Task Wrap(string what, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (Exception ex) when (AsIOException(what, ex) is { } io)
        {
            throw io;
        }
    }

    /// <summary>An S3 call's failure as a storage failure naming <paramref name="what"/>; null for anything else (a cancellation).</summary>
    public static IOException? AsIOException(string what, Exception ex) => ex switch
    {
        AmazonServiceException s => new IOException($"S3 {what} failed: {s.ErrorCode ?? s.StatusCode.ToString()} {s.Message}", ex),
        AmazonClientException or HttpRequestException or TimeoutException or IOException => new IOException($"S3 {what} failed: {ex.Message}", ex),
        _ => null,
    };

    /// <summary>A 404 for the object; a bucket that is not there (NoSuchBucket, also a 404) is an error, not an empty store.</summary>
    public static bool IsMissingObject(AmazonS3Exception ex) => ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket";

    /// <summary>A conditional write lost to another writer (If-Match / If-None-Match).</summary>
    public static bool IsConflict(AmazonS3Exception ex) => ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict;
}
