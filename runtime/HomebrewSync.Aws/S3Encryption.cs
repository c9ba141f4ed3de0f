using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.Aws;

/// <summary>
/// The server-side encryption every write asks for: SSE-S3, or SSE-KMS with the configured key and an S3 Bucket Key (S3 then
/// asks KMS for a data key per bucket now and then, not for every write and read: KMS's request quota is shared by the
/// account, and S3 answers its throttling as 503s).
/// </summary>
internal sealed class S3Encryption(S3StoreOptions options)
{
    public void Apply(PutObjectRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
        r.BucketKeyEnabled = IsKms ? true : null;
    }

    public void Apply(CopyObjectRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
        r.BucketKeyEnabled = IsKms ? true : null;
    }

    public void Apply(InitiateMultipartUploadRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
        r.BucketKeyEnabled = IsKms ? true : null;
    }

    private bool IsKms => options.ServerSideEncryption == S3StoreOptions.Kms;

    private ServerSideEncryptionMethod Method => IsKms ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256;

    private string? KmsKey => options.ServerSideEncryption == S3StoreOptions.Kms && !string.IsNullOrEmpty(options.KmsKeyId) ? options.KmsKeyId : null;
}
