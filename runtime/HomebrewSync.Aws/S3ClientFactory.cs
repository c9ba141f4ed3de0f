using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace HomebrewSync.Aws;

/// <summary>The one S3 client of a process: credentials and region from the SDK's default chain, an endpoint override with path-style addressing.</summary>
public static class S3ClientFactory
{
    /// <summary>
    /// The fewest retries an S3 call gets, whatever RETRY_ATTEMPTS says of downloads: S3 asks callers to slow down (503
    /// SlowDown) as a matter of course, and a lease renewal or a hash-file write must not fail at the first such answer.
    /// </summary>
    public const int MinRetries = 3;

    public static AmazonS3Client Create(Uri? endpoint, string? region, int retryAttempts)
    {
        var config = new AmazonS3Config
        {
            // The SDK's own retries (standard mode: backoff, jitter, throttling), not a second layer.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = Math.Max(retryAttempts, MinRetries),
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.AbsoluteUri;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else if (!string.IsNullOrEmpty(region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        return new AmazonS3Client(config);
    }
}
