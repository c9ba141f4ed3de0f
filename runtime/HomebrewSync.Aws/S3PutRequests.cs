using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.Aws;

/// <summary>The PUT of a small object held in memory (a lease, a probe): with its SHA-256, so S3 refuses other bytes, and the store's encryption.</summary>
internal static class S3PutRequests
{
    public static PutObjectRequest Bytes(string bucket, string key, byte[] content, S3Encryption encryption, string contentType = "application/json")
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(content, writable: false),
            ContentType = contentType,
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256,
            ChecksumSHA256 = Convert.ToBase64String(SHA256.HashData(content)),
        };
        encryption.Apply(request);
        return request;
    }
}
