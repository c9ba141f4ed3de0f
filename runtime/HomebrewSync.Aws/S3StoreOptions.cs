namespace HomebrewSync.Aws;

/// <summary>Where and how bottles are written to S3.</summary>
/// <param name="Prefix">Folder inside the bucket ("" for the root), without leading or trailing '/'.</param>
/// <param name="TempDir">Local folder where a download is staged and verified before it is uploaded.</param>
/// <param name="ServerSideEncryption"><c>AES256</c> (SSE-S3) or <c>aws:kms</c>.</param>
/// <param name="MultipartThreshold">Bottles from this size up are uploaded in parts of <paramref name="PartSize"/>.</param>
/// <param name="CopyLimit">The largest object one CopyObject copies (S3's limit: 5 GiB); a larger one is copied in parts of <paramref name="CopyPartSize"/>.</param>
public sealed record S3StoreOptions(
    string Bucket,
    string Prefix,
    string TempDir,
    string ServerSideEncryption = S3StoreOptions.Aes256,
    string? KmsKeyId = null,
    long MultipartThreshold = 8 * 1024 * 1024,
    long PartSize = 8 * 1024 * 1024,
    long CopyLimit = 5L * 1024 * 1024 * 1024,
    long CopyPartSize = 512L * 1024 * 1024)
{
    public const string Aes256 = "AES256";
    public const string Kms = "aws:kms";

    /// <summary>S3's rules for bucket names: 3 to 63 lower-case letters, digits, '.' and '-'.</summary>
    public static bool IsValidBucketName(string name) => Contracts.Deployment.BucketNames.IsValid(name);

    /// <summary>Parses <c>s3://bucket[/prefix]</c>; null when <paramref name="location"/> is not an s3:// URL.</summary>
    public static (string Bucket, string Prefix)? ParseLocation(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = location["s3://".Length..].Trim('/');
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (rest, "") : (rest[..slash], rest[(slash + 1)..].Trim('/'));
    }
}
