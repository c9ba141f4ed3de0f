using HomebrewSync.Aws;
using HomebrewSync.Contracts;

namespace HomebrewSync.Hosting;

/// <summary>Where the mirror is and how to reach it: a folder, or an S3 bucket with its endpoint and encryption.</summary>
/// <param name="Location">A folder, or <c>s3://bucket[/prefix]</c>.</param>
public sealed record StoreSettings(string Location, Uri? S3Endpoint, string ServerSideEncryption, string? KmsKeyId, string? Region)
{
    public (string Bucket, string Prefix)? S3Location => S3StoreOptions.ParseLocation(Location);

    /// <summary>
    /// HOMEBREW_SYNC_STORE (or S3_BUCKET_NAME, its other name for <c>s3://BUCKET</c>: <see cref="EnvVars.Aliases"/>), else
    /// <paramref name="fallback"/>; null <paramref name="fallback"/> makes a missing store an error.
    /// </summary>
    public static StoreSettings Read(SettingsReader reader, string? fallback)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var location = reader.Raw(EnvVars.Store) ?? fallback;
        if (location is null)
        {
            reader.AddError($"{EnvVars.S3BucketName}: required (the bucket of the mirror), or {EnvVars.Store}");
            location = "";
        }
        var sse = reader.String(Settings.S3ServerSideEncryption)!;
        var kmsKey = reader.Raw(EnvVars.KmsKeyId);
        var settings = new StoreSettings(location, reader.AwsEndpoint(EnvVars.AwsEndpointUrlS3), sse, kmsKey, reader.Raw(EnvVars.AwsRegion));
        if (sse is not (S3StoreOptions.Aes256 or S3StoreOptions.Kms))
        {
            reader.AddError($"{EnvVars.S3ServerSideEncryption}: '{sse}' is not AES256 or aws:kms");
        }
        if (kmsKey is not null && sse != S3StoreOptions.Kms)
        {
            reader.AddError($"{EnvVars.KmsKeyId}: a KMS key needs {EnvVars.S3ServerSideEncryption}=aws:kms");
        }
        if (settings.S3Location is { } s3 && !S3StoreOptions.IsValidBucketName(s3.Bucket))
        {
            reader.AddError($"{reader.NameOf(EnvVars.Store)}: '{s3.Bucket}' is not an S3 bucket name");
        }
        return settings;
    }
}
