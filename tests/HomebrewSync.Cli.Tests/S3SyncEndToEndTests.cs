using System.Diagnostics;
using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.Cli.Tests;

[Collection(S3Collection.Name)]
public sealed class S3SyncEndToEndTests(S3ServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Tags = ["arm64_sonoma", "arm64_ventura", "monterey"];
    private readonly AmazonS3Client _client = fixture.Server.CreateClient();
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-cli-s3-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _client.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    /// <summary>What a user sets: the fake catalog, the S3 endpoint and credentials, a bucket as the store.</summary>
    private Dictionary<string, string?> Env(CliHarness h, string store)
    {
        var env = h.Environment();
        fixture.Server.UseAsStore(env, store);
        env["TEMP_DIR"] = _temp;
        return env;
    }

    private async Task<byte[]> GetBytesAsync(string bucket, string key)
    {
        using var response = await _client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task<string[]> KeysAsync(string bucket) =>
        ((await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Sync_IntoS3_LaysOutTheReferenceBucketAndReRunTransfersNothing()
    {
        var curl = new FormulaBuilder("curl").WithVersion("8.2.1").WithBottles(Tags, 20_000).Build();
        var python = new FormulaBuilder("python@3.11").WithVersion("3.11.4").WithBottles(Tags, 30_000).Build();
        await using var h = await CliHarness.StartAsync([curl, python]);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}");

        var first = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");
        Assert.True(first.ExitCode == 0, first.Error);
        var served = h.Server.BytesServed;
        var second = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-28", "--json");

        Assert.Equal(0, second.ExitCode);
        Assert.Equal(served, h.Server.BytesServed);
        using (var doc = JsonDocument.Parse(second.Out))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("bytes_transferred").GetInt64());
            Assert.Equal(6, doc.RootElement.GetProperty("skipped").GetInt32());
        }
        // The bottles, the hash file, each version's image index (what brew calls the manifest) under manifests/<image>/, the run's status.
        var expected = Tags.SelectMany(t => new[] { $"2025-07-21/curl-8.2.1.{t}.bottle.tar.gz", $"2025-07-21/python@3.11-3.11.4.{t}.bottle.tar.gz" })
            .Append("bottles_hash.json").Append("manifests/curl/8.2.1.json").Append("manifests/python/3.11/3.11.4.json").Append("status/last-run.json").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, await KeysAsync(bucket));
        Assert.Equal(ImageIndexWriter.ToBytes(python), await GetBytesAsync(bucket, "manifests/python/3.11/3.11.4.json"));
        var head = await _client.GetObjectMetadataAsync(bucket, "2025-07-21/python@3.11-3.11.4.monterey.bottle.tar.gz");
        Assert.Equal("python@3.11", head.Metadata["formula-name"]);
        Assert.Equal("monterey", head.Metadata["platform"]);
        Assert.Equal(python.Bottles["monterey"].Sha256, head.Metadata["sha256"]);
        Assert.Equal($"{h.Server.ApiUrl.GetLeftPart(UriPartial.Authority)}/api/formula/python@3.11.json", head.Metadata["homebrew-api-url"]);
        Assert.Equal(ServerSideEncryptionMethod.AES256, head.ServerSideEncryptionMethod);
        Assert.Equal("application/gzip", head.Headers.ContentType);
        using var hash = JsonDocument.Parse(await GetBytesAsync(bucket, "bottles_hash.json"));
        Assert.Equal(6, hash.RootElement.GetProperty("total_bottles").GetInt32());
        Assert.Equal("2025-07-21/curl-8.2.1.monterey.bottle.tar.gz",
            hash.RootElement.GetProperty("bottles").GetProperty("curl-8.2.1-monterey").GetProperty("s3_key").GetString());
        Assert.Equal(0, (await CliHarness.RunAsync(env, "verify", "--deep")).ExitCode);
    }

    [Fact]
    public async Task Sync_CorruptBlob_IsRejectedAndNothingIsLeftAtItsKey()
    {
        var good = new FormulaBuilder("good").WithBottle("monterey").Build();
        var bad = new FormulaBuilder("bad").WithBottle("monterey").Build();
        await using var h = await CliHarness.StartAsync([good, bad]);
        h.Server.InjectFault(bad.Bottles["monterey"].Sha256, FaultKind.WrongBytes, 5);
        var bucket = await fixture.Server.CreateBucketAsync();

        var run = await CliHarness.RunAsync(Env(h, $"s3://{bucket}/mirror"), "sync", "--platform", "monterey", "--date", "2025-07-21", "--json");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("ShaMismatch", run.Out, StringComparison.Ordinal);
        // No index is kept for a version none of whose bottles made it into the mirror.
        Assert.Equal(["mirror/2025-07-21/good-1.0.0.monterey.bottle.tar.gz", "mirror/bottles_hash.json", "mirror/manifests/good/1.0.0.json", "mirror/status/last-run.json"], await KeysAsync(bucket));
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public async Task Sync_TwoRunsAtOnce_OneWriteIsRefusedAndRetried_AndTheHashFileHoldsTheUnionOfBoth()
    {
        var formulae = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"f{i:00}").WithBottle("monterey", 2000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}");
        // Each run fetches one bottle at a time; the first GETs wait for each other, so both runs have read the
        // (absent) hash file before either writes it: S3's conditional PUT must refuse one of them.
        h.Server.HoldBlobsUntil(2);

        var runs = await ConcurrentRuns.RunBothAsync(env, formulae);

        ConcurrentRuns.AssertConflictRefusedAndNothingLost(runs, formulae, await GetBytesAsync(bucket, "bottles_hash.json"));
        var keys = await KeysAsync(bucket);
        Assert.All(formulae, f => Assert.Contains($"2025-07-21/{f.Name}-{f.Version}.monterey.bottle.tar.gz", keys));
    }

    [Fact]
    public async Task Sync_CorruptHashFile_IsLeftUntouched_AndRebuildHashRestoresItFromMetadata()
    {
        var formulae = Enumerable.Range(0, 4).Select(i => new FormulaBuilder($"r{i}").WithBottles(["arm64_sonoma", "monterey"], 3000).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}");
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--platform", "arm64_sonoma,monterey", "--date", "2025-07-21")).ExitCode);
        using var original = JsonDocument.Parse(await GetBytesAsync(bucket, "bottles_hash.json"));
        var corrupt = Encoding.UTF8.GetBytes("{\"bottles\": {\"r0-1.0.0-monterey\": ");
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "bottles_hash.json", InputStream = new MemoryStream(corrupt) });

        var refused = await CliHarness.RunAsync(env, "sync", "--platform", "arm64_sonoma,monterey");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("corrupt", refused.Error, StringComparison.Ordinal);
        Assert.Equal(corrupt, await GetBytesAsync(bucket, "bottles_hash.json"));

        var served = h.Server.BytesServed;
        var rebuilt = await CliHarness.RunAsync(env, "sync", "--platform", "arm64_sonoma,monterey", "--rebuild-hash", "--json");

        Assert.True(rebuilt.ExitCode == 0, rebuilt.Error);
        Assert.Contains("Hash file rebuilt from object metadata: 8 bottles", rebuilt.Error, StringComparison.Ordinal);
        Assert.Equal(served, h.Server.BytesServed);
        var backup = (await KeysAsync(bucket)).Single(k => k.StartsWith("bottles_hash.json.backup-", StringComparison.Ordinal));
        Assert.Equal(corrupt, await GetBytesAsync(bucket, backup));
        using var restored = JsonDocument.Parse(await GetBytesAsync(bucket, "bottles_hash.json"));
        foreach (var entry in original.RootElement.GetProperty("bottles").EnumerateObject())
        {
            var r = restored.RootElement.GetProperty("bottles").GetProperty(entry.Name);
            foreach (var field in new[] { "sha256", "download_date", "formula_name", "formula_version", "platform", "s3_key" })
            {
                Assert.Equal(entry.Value.GetProperty(field).GetString(), r.GetProperty(field).GetString());
            }
            Assert.Equal(entry.Value.GetProperty("file_size").GetInt64(), r.GetProperty("file_size").GetInt64());
        }
    }

    [Theory]
    [InlineData("mirror")]
    [InlineData("")]
    public async Task Prune_RemovesOnlyWhatIsUnderTheStoresPrefix_AndNeverTouchesTheRestOfTheBucket(string prefix)
    {
        var old = new FormulaBuilder("wget").WithVersion("1.0").WithBottle("monterey", 3000).Build();
        var kept = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2000).Build();
        await using var h = await CliHarness.StartAsync([old, kept]);
        var bucket = await fixture.Server.CreateBucketAsync();
        var own = prefix.Length == 0 ? "" : prefix + "/";
        var env = Env(h, $"s3://{bucket}/{prefix}".TrimEnd('/'));
        env["TARGET_PLATFORMS"] = "monterey";
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01")).ExitCode);
        h.Server.SetFormulae([new FormulaBuilder("wget").WithVersion("1.1").WithBottle("monterey", 3100).Build(), kept]);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-08-20")).ExitCode);
        // Other data in the same bucket, shaped like what prune removes (a superseded bottle, unlisted objects, unused
        // image indexes): another mirror, keys that share the prefix's first letters, and for a store under a prefix the bucket's root.
        string[] elsewhere =
        [
            "other/2025-07-01/wget-1.0.monterey.bottle.tar.gz", "other/bottles_hash.json", "other/manifests/wget/1.0.json",
            "mirror-old/2025-07-01/wget-1.0.monterey.bottle.tar.gz", "mirror-old/manifests/wget/1.0.json", "mirrorx/2025-07-01/stray-1.0.monterey.bottle.tar.gz",
        ];
        var foreign = elsewhere.Concat(own.Length == 0 ? [] : ["2025-07-01/stray-1.0.monterey.bottle.tar.gz", "manifests/wget/1.0.json"])
            .ToDictionary(k => k, k => Encoding.UTF8.GetBytes("not the mirror's: " + k), StringComparer.Ordinal);
        foreach (var (key, bytes) in foreign)
        {
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(bytes) });
        }
        // One unlisted object of the store's own, which prune does remove: the others survive for where they are, not what they are.
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = own + "2025-07-01/unlisted-1.0.monterey.bottle.tar.gz", InputStream = new MemoryStream([1, 2, 3]) });
        // "Today" for prune: two days after the newest object moto stamped, so every object is past the unlisted grace.
        var newest = (await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects.Max(o => o.LastModified!.Value);
        var time = new DatedClock(new DateTimeOffset(newest.ToUniversalTime(), TimeSpan.Zero).AddDays(2));

        var run = await CliHarness.RunAsync(env, time, "prune", "--keep-days", "0", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using (var doc = JsonDocument.Parse(run.Out))
        {
            string[] Keys(string list) => doc.RootElement.GetProperty(list).EnumerateArray().Select(i => i.GetProperty("object_key").GetString()!).ToArray();
            Assert.Equal(["2025-07-01/wget-1.0.monterey.bottle.tar.gz"], Keys("superseded"));
            Assert.Equal(["2025-07-01/unlisted-1.0.monterey.bottle.tar.gz"], Keys("unlisted"));
            Assert.Equal(["manifests/wget/1.0.json"], Keys("manifests"));
        }
        string[] left =
        [
            "2025-07-01/curl-8.0.monterey.bottle.tar.gz", "2025-08-20/wget-1.1.monterey.bottle.tar.gz", "bottles_hash.json",
            "manifests/curl/8.0.json", "manifests/wget/1.1.json", "status/last-run.json", "status/prune-pending.json",
        ];
        Assert.Equal(foreign.Keys.Concat(left.Select(k => own + k)).Order(StringComparer.Ordinal), await KeysAsync(bucket));
        foreach (var (key, bytes) in foreign)
        {
            Assert.Equal(bytes, await GetBytesAsync(bucket, key));
        }
        Assert.Equal(0, (await CliHarness.RunAsync(env, "verify")).ExitCode);
    }

    [Fact]
    public async Task Verify_FindsADeletedObject()
    {
        var formulae = new[] { "keep", "lose" }.Select(n => new FormulaBuilder(n).WithBottle("monterey").Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}/p");
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21")).ExitCode);
        await _client.DeleteObjectAsync(bucket, "p/2025-07-21/lose-1.0.0.monterey.bottle.tar.gz");

        var run = await CliHarness.RunAsync(env, "verify", "--json");

        Assert.Equal(3, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        var problem = Assert.Single(doc.RootElement.GetProperty("problems").EnumerateArray());
        Assert.Equal("Missing", problem.GetProperty("kind").GetString());
        Assert.Equal("lose-1.0.0-monterey", problem.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Sync_ObjectsAtTheKeysThatNoEntryListsThere_AreNotWrittenOver_InOneUploadOrInParts()
    {
        // 9 MiB: uploaded in parts (from 8 MiB up); 2,000 bytes: in one PutObject. Both conditional on no object being there.
        var large = new FormulaBuilder("llvm").WithBottle("monterey", 9L << 20).Build();
        var small = new FormulaBuilder("jq").WithBottle("monterey", 2_000).Build();
        await using var h = await CliHarness.StartAsync([large, small]);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}");
        var theirs = Encoding.UTF8.GetBytes("another command's bottle, stored meanwhile");
        string[] keys = ["2025-07-21/llvm-1.0.0.monterey.bottle.tar.gz", "2025-07-21/jq-1.0.0.monterey.bottle.tar.gz"];
        foreach (var key in keys)
        {
            await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(theirs) });
        }

        var run = await CliHarness.RunAsync(env, "sync", "--platform", "monterey", "--date", "2025-07-21");

        Assert.True(run.ExitCode == 3, $"exit {run.ExitCode}: {run.Error}");
        foreach (var key in keys)
        {
            Assert.Contains($"{key} holds other bytes than these", run.Out + run.Error, StringComparison.Ordinal);
            Assert.Equal(theirs, await GetBytesAsync(bucket, key));
        }
        Assert.Empty((await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket })).MultipartUploads ?? []);
    }

    [Fact]
    public async Task Sync_MultipartBottle_UsesFlatMemory()
    {
        // The same run with a 24 MB and a 96 MB bottle, in a child process: peak memory must not follow the bottle size.
        var small = await PeakRssOfSyncAsync(24L << 20, 11);
        var large = await PeakRssOfSyncAsync(96L << 20, 12);

        output.WriteLine($"peak RSS: {small >> 20} MB with a 24 MB bottle, {large >> 20} MB with a 96 MB bottle");
        Assert.True(large - small < 24L << 20, $"peak RSS {small >> 20} MB with a 24 MB bottle, {large >> 20} MB with a 96 MB bottle");
    }

    private async Task<long> PeakRssOfSyncAsync(long size, ulong seed)
    {
        var f = new FormulaBuilder($"big{seed}").WithBottle("monterey", BlobContent.Create(size, seed)).Build();
        await using var h = await CliHarness.StartAsync([f]);
        var bucket = await fixture.Server.CreateBucketAsync();
        var start = CliProcess.StartInfo(Env(h, $"s3://{bucket}"), ["sync", "--platform", "monterey", "--date", "2025-07-21"]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, ReadPeakRss(process.Id));
            await Task.Delay(20);
        }
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await stderr + await stdout);
        var head = await _client.GetObjectMetadataAsync(bucket, $"2025-07-21/{f.FileName("monterey")}");
        Assert.Equal(size, head.ContentLength);
        Assert.True(peak > 0);
        return peak;
    }

    private static long ReadPeakRss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Sync_PasswordInApiUrl_IsNotStoredInObjectMetadata_NorPrinted()
    {
        var curl = new FormulaBuilder("curl").WithVersion("8.2.1").WithBottle("monterey", 10_000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        var bucket = await fixture.Server.CreateBucketAsync();
        var env = Env(h, $"s3://{bucket}");
        env["TARGET_PLATFORMS"] = "monterey";
        env["MIRROR_API"] = "false";
        env["HOMEBREW_API_URL"] = $"http://mirror-user:s3cretpw@127.0.0.1:{h.Server.RegistryPort}/api/formula.json";

        var run = await CliProcess.RunAsync(env, "sync", "--date", "2025-07-21", "--no-progress");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Out}\n{run.Error}");
        Assert.DoesNotContain("s3cretpw", run.Out + run.Error, StringComparison.Ordinal);
        var head = await _client.GetObjectMetadataAsync(bucket, "2025-07-21/" + curl.FileName("monterey"));
        var apiUrl = head.Metadata["homebrew-api-url"];
        Assert.Equal($"http://***@127.0.0.1:{h.Server.RegistryPort}/api/formula/curl.json", apiUrl);
        Assert.DoesNotContain("s3cretpw", string.Join(" ", head.Metadata.Keys.Select(k => head.Metadata[k])), StringComparison.Ordinal);
    }
}
