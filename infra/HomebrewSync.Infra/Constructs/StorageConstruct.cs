using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;
using HomebrewSync.Contracts.Deployment;

namespace HomebrewSync.Infra.Constructs;

public sealed class StorageProps
{
    public required DeploymentConfig Config { get; init; }
    public required DeploymentNames Names { get; init; }
    /// <summary>Retained on stack deletion (prod); emptied and deleted with the stack otherwise.</summary>
    public required bool RetainData { get; init; }
}

/// <summary>
/// The bottle bucket: versioned, encrypted (SSE-S3 or the configured KMS key), private, TLS only. No lifecycle
/// rule expires a current bottle (the hash file would still list it, and the planner skip it): <c>prune</c>
/// removes what no target needs. Lifecycle only moves objects to Glacier Instant Retrieval (still served
/// at once), expires noncurrent versions and saved plans, and cleans up unfinished uploads.
/// </summary>
public sealed class StorageConstruct : Construct
{
    public StorageConstruct(Construct scope, string id, StorageProps props)
        : base(scope, id)
    {
        var c = props.Config;
        var key = string.IsNullOrEmpty(c.KmsKeyId) ? null : Key.FromKeyArn(this, "BucketKey", c.KmsKeyId.StartsWith("arn:", StringComparison.Ordinal)
            ? c.KmsKeyId
            : Stack.Of(this).FormatArn(new ArnComponents { Service = "kms", Region = c.AwsRegion, Account = c.AwsAccount, Resource = "key", ResourceName = c.KmsKeyId, ArnFormat = ArnFormat.SLASH_RESOURCE_NAME }));
        Bucket = new Bucket(this, "Bottles", new BucketProps
        {
            BucketName = props.Names.Bucket,
            Versioned = c.EnableS3Versioning,
            Encryption = key is null ? BucketEncryption.S3_MANAGED : BucketEncryption.KMS,
            EncryptionKey = key,
            // With a KMS key, S3 asks KMS for a data key per bucket now and then, not for every write and every brew download.
            BucketKeyEnabled = key is null ? null : true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            RemovalPolicy = props.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            AutoDeleteObjects = !props.RetainData,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "archive-and-noncurrent",
                    Enabled = true,
                    NoncurrentVersionExpiration = Duration.Days(c.S3NoncurrentVersionExpirationDays),
                    Transitions = [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(c.S3ArchiveTransitionDays) }],
                    AbortIncompleteMultipartUploadAfter = Duration.Days(2),
                },
                new LifecycleRule { Id = "plans", Enabled = true, Prefix = "plans/", Expiration = Duration.Days(c.PlanRetentionDays) },
            ],
        });
    }

    public Bucket Bucket { get; }
}
