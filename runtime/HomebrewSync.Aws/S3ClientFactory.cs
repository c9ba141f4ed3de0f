using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace HomebrewSync.Aws;

/// <summary>The one S3 client of a process: credentials and region from the SDK's default chain, an endpoint override with path-style addressing.</summary>
public static class S3ClientFactory
{
    public static AmazonS3Client Create(Uri? endpoint, string? region, int retryAttempts)
    {
        var config = new AmazonS3Config
        {
            // The SDK's own retries (standard mode: backoff, jitter, throttling), not a second layer.
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = retryAttempts,
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
