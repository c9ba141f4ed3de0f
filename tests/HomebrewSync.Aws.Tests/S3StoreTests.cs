using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Aws.Tests;

[Collection(S3Collection.Name)]
public sealed class S3StoreTests(S3ServerFixture fixture) : IDisposable
{
    private readonly AmazonS3Client _client = fixture.Server.CreateClient();
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-s3-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _client.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private async Task<(S3Store Store, string Bucket)> NewStoreAsync(string prefix = "", string sse = S3StoreOptions.Aes256, long threshold = 8 * 1024 * 1024,
        long copyLimit = 5L * 1024 * 1024 * 1024)
    {
        var bucket = await fixture.Server.CreateBucketAsync();
        return (new S3Store(_client, new S3StoreOptions(bucket, prefix, _temp, sse, sse == S3StoreOptions.Kms ? "alias/bottles" : null, threshold, 5 * 1024 * 1024,
            copyLimit, 6 * 1024 * 1024)), bucket);
    }

    private static BottleMetadata Meta(byte[] bytes, string platform = "arm64_sonoma") =>
        new("curl", "8.2.1", platform, new DateOnly(2025, 7, 21), Convert.ToHexStringLower(SHA256.HashData(bytes)), "1.0.0", "https://formulae.brew.sh/api/formula/curl.json");

    private static async Task CommitAsync(IBottleStore store, string key, byte[] bytes, BottleMetadata meta)
    {
        await using var staged = await store.StageAsync(key, bytes.Length, CancellationToken.None);
        await staged.Content.WriteAsync(bytes);
        await staged.CommitAsync(meta, replace: true, CancellationToken.None);
    }

    [Fact]
    public async Task Commit_StoresObjectWithReferenceMetadataContentTypeAndEncryption()
    {
        var (store, bucket) = await NewStoreAsync(prefix: "mirror");
        var bytes = BlobContent.Create(100_000, 1).ToArray();

        await CommitAsync(store, "2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz", bytes, Meta(bytes));

        var head = await _client.GetObjectMetadataAsync(bucket, "mirror/2025-07-21/curl-8.2.1.arm64_sonoma.bottle.tar.gz");
        Assert.Equal(100_000, head.ContentLength);
        Assert.Equal("application/gzip", head.Headers.ContentType);
        Assert.Equal(ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Equal("curl", head.Metadata["formula-name"]);
        Assert.Equal("8.2.1", head.Metadata["formula-version"]);
        Assert.Equal("arm64_sonoma", head.Metadata["platform"]);
        Assert.Equal("2025-07-21", head.Metadata["download-date"]);
        Assert.Equal(Meta(bytes).Sha256, head.Metadata["sha256"]);
        Assert.Equal("1.0.0", head.Metadata["sync-version"]);
        Assert.Equal("https://formulae.brew.sh/api/formula/curl.json", head.Metadata["homebrew-api-url"]);
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public async Task Commit_SendsTheCatalogSha256AsTheObjectsChecksum_AndS3KeepsIt()
    {
        var (store, bucket) = await NewStoreAsync();
        var blob = BlobContent.Create(50_000, 2);

        await CommitAsync(store, "2025-07-21/x.bottle.tar.gz", blob.ToArray(), Meta(blob.ToArray()));

        // S3 verifies the body against x-amz-checksum-sha256 and keeps it: it is the catalog's sha256, in base64.
        var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "2025-07-21/x.bottle.tar.gz", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(blob.Sha256)), head.ChecksumSHA256);
    }

    [Fact]
    public async Task Commit_LargeBottle_GoesUpInPartsEachWithItsSha256()
    {
        var (store, bucket) = await NewStoreAsync(threshold: 5 * 1024 * 1024);
        var blob = BlobContent.Create(17 * 1024 * 1024 + 123, 4);
        var bytes = blob.ToArray();

        await CommitAsync(store, "2025-07-21/big.bottle.tar.gz", bytes, Meta(bytes));

        // Four parts of at most 5 MiB, each sent with its SHA-256: S3 keeps the composite, the SHA-256 of the parts' SHA-256s.
        var parts = Enumerable.Range(0, 4).Select(i => SHA256.HashData(bytes.AsSpan(i * 5 * 1024 * 1024, Math.Min(5 * 1024 * 1024, bytes.Length - (i * 5 * 1024 * 1024))))).ToArray();
        var composite = Convert.ToBase64String(SHA256.HashData(parts.SelectMany(p => p).ToArray()));
        var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "2025-07-21/big.bottle.tar.gz", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(composite, head.ChecksumSHA256.Split('-')[0]);
        Assert.Equal(bytes.Length, head.ContentLength);
        Assert.Equal(blob.Sha256, head.Metadata["sha256"]);
        Assert.Equal(blob.Sha256, await store.ComputeSha256Async("2025-07-21/big.bottle.tar.gz", CancellationToken.None));
        // Its checksum is of its parts, so whether it holds a bottle is answered by its bytes.
        Assert.True(await store.HoldsVerifiedAsync("2025-07-21/big.bottle.tar.gz", blob.Sha256, CancellationToken.None));
        Assert.False(await store.HoldsVerifiedAsync("2025-07-21/big.bottle.tar.gz", new string('0', 64), CancellationToken.None));
    }

    [Fact]
    public async Task HoldsVerified_IsAnsweredByS3sChecksumOrTheBytes_NeverByTheMetadata()
    {
        var (store, bucket) = await NewStoreAsync(prefix: "m");
        var bytes = BlobContent.Create(10_000, 9).ToArray();
        var sha = Meta(bytes).Sha256;
        await CommitAsync(store, "2025-07-21/ours.bottle.tar.gz", bytes, Meta(bytes));
        // Written by hand without a checksum: the right bytes, and other bytes claiming the same sha256 in their metadata.
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "m/2025-07-21/plain.bottle.tar.gz", InputStream = new MemoryStream(bytes) });
        var forged = new PutObjectRequest { BucketName = bucket, Key = "m/2025-07-21/forged.bottle.tar.gz", ContentBody = "not the bottle" };
        forged.Metadata["sha256"] = sha;
        await _client.PutObjectAsync(forged);

        Assert.True(await store.HoldsVerifiedAsync("2025-07-21/ours.bottle.tar.gz", sha, CancellationToken.None));
        Assert.False(await store.HoldsVerifiedAsync("2025-07-21/ours.bottle.tar.gz", new string('0', 64), CancellationToken.None));
        Assert.True(await store.HoldsVerifiedAsync("2025-07-21/plain.bottle.tar.gz", sha, CancellationToken.None));
        Assert.False(await store.HoldsVerifiedAsync("2025-07-21/forged.bottle.tar.gz", sha, CancellationToken.None));
        Assert.False(await store.HoldsVerifiedAsync("2025-07-21/missing.bottle.tar.gz", sha, CancellationToken.None));
        // Answered by S3's checksum alone when it is the catalog's, nothing read: moto (unlike S3) keeps a checksum it was
        // given without checking the bytes against it, so only the checksum can vouch for these.
        var other = BlobContent.Create(10_000, 10).ToArray();
        await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = "m/2025-07-21/checked.bottle.tar.gz", InputStream = new MemoryStream(other),
            ChecksumAlgorithm = ChecksumAlgorithm.SHA256, ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(sha)),
        });
        Assert.True(await store.HoldsVerifiedAsync("2025-07-21/checked.bottle.tar.gz", sha, CancellationToken.None));
    }

    [Fact]
    public async Task Copy_MakesASecondObjectWithItsOwnMetadata()
    {
        var (store, bucket) = await NewStoreAsync();
        var bytes = BlobContent.Create(10_000, 5).ToArray();
        await CommitAsync(store, "2025-07-21/a.arm64_sonoma.bottle.tar.gz", bytes, Meta(bytes));

        await store.CopyAsync("2025-07-21/a.arm64_sonoma.bottle.tar.gz", "2025-07-21/a.monterey.bottle.tar.gz", Meta(bytes, "monterey"), CancellationToken.None);

        var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "2025-07-21/a.monterey.bottle.tar.gz", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal("monterey", head.Metadata["platform"]);
        Assert.True(await store.HoldsVerifiedAsync("2025-07-21/a.monterey.bottle.tar.gz", Meta(bytes).Sha256, CancellationToken.None));
        // The copy carries the SHA-256 checksum of its bytes, as an upload does: the catalog's sha256, in base64.
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(Meta(bytes).Sha256)), head.ChecksumSHA256);
    }

    [Theory]
    [InlineData(S3StoreOptions.Aes256)]
    [InlineData(S3StoreOptions.Kms)]
    public async Task Copy_OfAnObjectPastOneCopysLimit_IsCopiedInParts_WithItsOwnMetadataAndEncryption(string sse)
    {
        // S3's CopyObject refuses a source past 5 GiB (bottles up to MAX_BOTTLE_SIZE_GB can be): here the limit is 6 MiB, and
        // the 16 MiB bottle (uploaded in four parts of 5 MiB at most) is copied in three of 6 MiB at most.
        var (store, bucket) = await NewStoreAsync(prefix: "m", sse: sse, copyLimit: 6 * 1024 * 1024);
        var bytes = BlobContent.Create(16 * 1024 * 1024, 9).ToArray();
        await CommitAsync(store, "2025-07-21/a.arm64_sonoma.bottle.tar.gz", bytes, Meta(bytes));

        await store.CopyAsync("2025-07-21/a.arm64_sonoma.bottle.tar.gz", "2025-07-28/a.monterey.bottle.tar.gz", Meta(bytes, "monterey"), CancellationToken.None);

        // A multipart object's ETag ends in its count of parts.
        Assert.EndsWith("-4\"", (await _client.GetObjectMetadataAsync(bucket, "m/2025-07-21/a.arm64_sonoma.bottle.tar.gz")).ETag, StringComparison.Ordinal);
        Assert.EndsWith("-3\"", (await _client.GetObjectMetadataAsync(bucket, "m/2025-07-28/a.monterey.bottle.tar.gz")).ETag, StringComparison.Ordinal);
        var head = await _client.GetObjectMetadataAsync(bucket, "m/2025-07-28/a.monterey.bottle.tar.gz");
        Assert.Equal("monterey", head.Metadata["platform"]);
        Assert.Equal("application/gzip", head.Headers.ContentType);
        Assert.Equal(sse == S3StoreOptions.Kms ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Equal(Meta(bytes).Sha256, await store.ComputeSha256Async("2025-07-28/a.monterey.bottle.tar.gz", CancellationToken.None));
        Assert.Empty((await _client.ListMultipartUploadsAsync(bucket)).MultipartUploads ?? []);
    }

    [Fact]
    public async Task Commit_WithKms_AsksForAnS3BucketKey_SoKmsIsNotCalledForEveryWriteAndRead()
    {
        // (moto keeps the setting of a single PUT and a copy, not of a multipart upload's: a small bottle here.)
        var (store, bucket) = await NewStoreAsync(prefix: "m", sse: S3StoreOptions.Kms);
        var bytes = BlobContent.Create(100_000, 3).ToArray();
        await CommitAsync(store, "2025-07-21/a.arm64_sonoma.bottle.tar.gz", bytes, Meta(bytes));
        await store.CopyAsync("2025-07-21/a.arm64_sonoma.bottle.tar.gz", "2025-07-28/a.monterey.bottle.tar.gz", Meta(bytes, "monterey"), CancellationToken.None);

        foreach (var key in new[] { "m/2025-07-21/a.arm64_sonoma.bottle.tar.gz", "m/2025-07-28/a.monterey.bottle.tar.gz" })
        {
            var head = await _client.GetObjectMetadataAsync(bucket, key);
            Assert.Equal(ServerSideEncryptionMethod.AWSKMS, head.ServerSideEncryptionMethod);
            Assert.True(head.BucketKeyEnabled, key);
        }
    }

    [Fact]
    public async Task Copy_OfASourceGoneMeanwhile_FailsThatCopy_AndLeavesNoObject()
    {
        var (store, bucket) = await NewStoreAsync(prefix: "m", copyLimit: 6 * 1024 * 1024);

        await Assert.ThrowsAsync<IOException>(() => store.CopyAsync("2025-07-21/a.arm64_sonoma.bottle.tar.gz", "2025-07-28/a.monterey.bottle.tar.gz", Meta([1]), CancellationToken.None));

        Assert.Null(await store.GetAsync("2025-07-28/a.monterey.bottle.tar.gz", CancellationToken.None));
        Assert.Empty((await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [Fact]
    public async Task Copy_OfAnObjectStoredWithoutASha256Checksum_NamesTheAlgorithm_SoTheCopyHasOne()
    {
        var (store, bucket) = await NewStoreAsync(prefix: "mirror");
        var bytes = BlobContent.Create(10_000, 6).ToArray();
        // An earlier layout's object, written without naming SHA-256 (by hand, or by a version that did not).
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "mirror/2025-07-21/a.monterey.bottle.tar.gz", InputStream = new MemoryStream(bytes) });
        var source = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "mirror/2025-07-21/a.monterey.bottle.tar.gz", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Null(source.ChecksumSHA256);

        await store.CopyAsync("2025-07-21/a.monterey.bottle.tar.gz", "2025-07-21/a-1.0.monterey.bottle.tar.gz", Meta(bytes, "monterey"), CancellationToken.None);

        var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = "mirror/2025-07-21/a-1.0.monterey.bottle.tar.gz", ChecksumMode = ChecksumMode.ENABLED });
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(bytes)), head.ChecksumSHA256);
    }

    [Fact]
    public async Task WriteManifest_IsConditional_FirstWriteAndStaleVersionConflict()
    {
        var (store, _) = await NewStoreAsync(prefix: "p");
        var first = await store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None);
        var m = new HashFile();
        m.Set("k-1-monterey", new HashEntry(new string('a', 64), new DateOnly(2025, 7, 21), 5, "k", "1", "monterey", "u", "2025-07-21/k-1.monterey.bottle.tar.gz"));
        var second = await store.WriteHashFileAsync(m, first, CancellationToken.None);

        await Assert.ThrowsAsync<HashFileConflictException>(() => store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None));
        await Assert.ThrowsAsync<HashFileConflictException>(() => store.WriteHashFileAsync(new HashFile(), first, CancellationToken.None));

        var read = await store.ReadHashFileAsync(CancellationToken.None);
        Assert.Equal(second, read!.Version);
        Assert.Equal(1, read.HashFile.Count);
    }

    [Fact]
    public async Task List_GivesBottleObjectsRelativeToThePrefixOnly()
    {
        var (store, bucket) = await NewStoreAsync(prefix: "team/mirror");
        var bytes = new byte[] { 1, 2, 3 };
        await CommitAsync(store, "2025-07-21/a-1.monterey.bottle.tar.gz", bytes, Meta(bytes));
        await store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None);
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "team/mirror/plans/x.json", ContentBody = "{}" });
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "elsewhere/2025-07-21/b.tar.gz", ContentBody = "x" });

        var listed = new List<StoredBottle>();
        await foreach (var o in store.ListAsync(CancellationToken.None))
        {
            listed.Add(o);
        }

        Assert.Equal(["2025-07-21/a-1.monterey.bottle.tar.gz"], listed.Select(o => o.Key));
    }

    [Fact]
    public async Task Prepare_MissingBucket_ThrowsStoreAccessException()
    {
        var store = new S3Store(_client, new S3StoreOptions("no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], "", _temp));

        await Assert.ThrowsAsync<StoreAccessException>(() => store.PrepareAsync(CancellationToken.None));
    }

    [Fact]
    public async Task DeleteLeaseAsync_RemovesTheLeaseOnlyAtTheVersionGiven_IfMatch()
    {
        var (store, bucket) = await NewStoreAsync("mirror");

        Assert.Equal(LeaseDeletes.Expected, await LeaseDeletes.WalkAsync(store.Leases, "leases/exclusive.json"));
        var left = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "mirror/leases/" });
        Assert.Empty(left.S3Objects ?? []);
    }

    [Fact]
    public async Task DeleteLeaseAsync_OnAServerThatIgnoresIfMatchOnADelete_StillLeavesALeaseTakenOverAlone()
    {
        var bucket = await fixture.Server.CreateBucketAsync();
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint);
        // Conditional writes honoured (moto), but a DELETE's If-Match ignored: the object is deleted whatever it holds.
        proxy.Intercept = async context =>
        {
            if (context.Request.Method != "DELETE" || !context.Request.Headers.ContainsKey("If-Match"))
            {
                return false;
            }
            await _client.DeleteObjectAsync(bucket, context.Request.Path.Value!.TrimStart('/')[(bucket.Length + 1)..]);
            context.Response.StatusCode = 204;
            return true;
        };
        using var client = fixture.Server.CreateClient(proxy.Url);
        var store = new S3Store(client, new S3StoreOptions(bucket, "mirror", _temp));

        Assert.Equal(LeaseDeletes.Expected, await LeaseDeletes.WalkAsync(store.Leases, "leases/exclusive.json"));
    }

    [Fact]
    public async Task ObjectLargerThanALeaseCanBe_IsRefusedNamingIt_WhileAnOrdinaryOneReads()
    {
        var (store, bucket) = await NewStoreAsync("mirror");
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "mirror/leases/exclusive.json", InputStream = new MemoryStream(new byte[100_000]) });
        await store.PutDocumentAsync("plans/2025-07-21/p.json", new byte[100_000], "application/json", CancellationToken.None);

        var refused = await Assert.ThrowsAsync<StoreAccessException>(() => store.Leases.ReadLeaseAsync("leases/exclusive.json", CancellationToken.None));
        var document = await store.GetDocumentAsync("plans/2025-07-21/p.json", CancellationToken.None);

        Assert.Equal($"s3://{bucket}/mirror/leases/exclusive.json is 100,000 bytes, more than any lease can be (65,536); it is not the store's: move it away", refused.Message);
        Assert.Equal(100_000, document?.Content.Length);
    }
}
