using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.Aws;

/// <summary>The server-side encryption every write asks for: SSE-S3, or SSE-KMS with the configured key.</summary>
internal sealed class S3Encryption(S3StoreOptions options)
{
    public void Apply(PutObjectRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    public void Apply(CopyObjectRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    public void Apply(InitiateMultipartUploadRequest r)
    {
        r.ServerSideEncryptionMethod = Method;
        r.ServerSideEncryptionKeyManagementServiceKeyId = KmsKey;
    }

    private ServerSideEncryptionMethod Method =>
        options.ServerSideEncryption == S3StoreOptions.Kms ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256;

    private string? KmsKey => options.ServerSideEncryption == S3StoreOptions.Kms && !string.IsNullOrEmpty(options.KmsKeyId) ? options.KmsKeyId : null;
}
