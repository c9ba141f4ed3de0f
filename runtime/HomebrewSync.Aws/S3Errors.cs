using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace HomebrewSync.Aws;

/// <summary>How the S3 store reads S3's errors.</summary>
internal static class S3Errors
{
    /// <summary>S3 errors while storing a bottle fail that bottle (as a storage failure), not the run.</summary>
    public static async Task Wrap(string what, Func<Task> call)
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

    /// <summary>A 404 for the object; a bucket that is not there (NoSuchBucket, also a 404) is an error, not an empty store.</summary>
    public static bool IsMissingObject(AmazonS3Exception ex) => ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode != "NoSuchBucket";

    /// <summary>A conditional write lost to another writer (If-Match / If-None-Match).</summary>
    public static bool IsConflict(AmazonS3Exception ex) => ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict;
}
