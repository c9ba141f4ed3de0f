using Amazon.S3;
using Amazon.S3.Model;

namespace HomebrewSync.Cli.Tests;

/// <summary>The store's safety rules on S3 (moto's server): leases, hostile hash-file entries.</summary>
[Collection(S3Collection.Name)]
public sealed class S3StoreSafetyTests(S3ServerFixture fixture) : IDisposable
{
    private readonly AmazonS3Client _client = fixture.Server.CreateClient();
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-cli-s3-safety-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _client.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private async Task<Dictionary<string, string?>> EnvAsync(CliHarness h)
    {
        var env = h.Environment();
        fixture.Server.UseAsStore(env, $"s3://{await fixture.Server.CreateBucketAsync()}/mirror");
        env["TEMP_DIR"] = _temp;
        env["TARGET_PLATFORMS"] = "monterey";
        return env;
    }

    private async Task<Dictionary<string, string>> ObjectsAsync(string store)
    {
        var bucket = new Uri(store).Host;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var o in (await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? [])
        {
            result[o.Key] = o.ETag;
        }
        return result;
    }

    [Fact]
    public async Task PruneBesideSync_InSeveralInterleavings_LosesNothingTheHashFileLists_AndLeavesNoLease()
    {
        var v1 = Enumerable.Range(0, 20).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("monterey", 2_000 + i).Build()).ToArray();
        var v2 = Enumerable.Range(0, 20).Select(i => new FormulaBuilder($"tool{i}").WithVersion("2.0").WithBottle("monterey", 3_000 + i).Build()).ToArray();
        foreach (var offset in new[] { 0, 300, -300 })
        {
            await using var h = await CliHarness.StartAsync(v1);
            var env = await EnvAsync(h);
            Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01")).ExitCode);
            h.Server.SetFormulae(v2);

            var (s, p) = await ConcurrentRuns.PruneBesideSyncAsync(env, offset, "2025-07-02");

            Assert.True(s.ExitCode == 0, $"offset {offset}: sync exit {s.ExitCode}\n{s.Error}");
            Assert.True(p.ExitCode is 0 or 5, $"offset {offset}: prune exit {p.ExitCode}\n{p.Error}");
            var verify = await CliHarness.RunAsync(env, "verify", "--deep", "--json");
            Assert.True(verify.ExitCode == 0, $"offset {offset}: {verify.Out}");
            using var doc = JsonDocument.Parse(verify.Out);
            Assert.True(doc.RootElement.GetProperty("entries_checked").GetInt32() >= v2.Length);
            Assert.DoesNotContain((await ObjectsAsync(env["HOMEBREW_SYNC_STORE"]!)).Keys, k => k.StartsWith("mirror/leases/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Sync_AStrayObjectAtABottlesKey_WithItsSha256InTheMetadataOnly_IsNotTakenForTheBottle()
    {
        // Metadata is anyone's to write: an object at today's key that claims the catalog's sha256 there, without S3's own
        // checksum of those bytes, is not "a killed run's verified commit". The blob is fetched and verified, but nothing is
        // written over an object the hash file does not list there: the bottle fails as kept, and is never recorded.
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 3000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        var env = await EnvAsync(h);
        var bucket = new Uri(env["HOMEBREW_SYNC_STORE"]!).Host;
        var key = "mirror/2025-07-01/curl-8.0.monterey.bottle.tar.gz";
        var stray = new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "not the bottle" };
        stray.Metadata["sha256"] = curl.Bottles["monterey"].Sha256;
        await _client.PutObjectAsync(stray);

        var sync = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01");

        Assert.True(sync.ExitCode == 3, sync.Error);
        Assert.Equal(1, h.Server.BlobGets(curl.Bottles["monterey"].Sha256));
        Assert.Contains("2025-07-01/curl-8.0.monterey.bottle.tar.gz holds other bytes than these", sync.Out + sync.Error, StringComparison.Ordinal);
        using (var stored = await _client.GetObjectAsync(bucket, key))
        using (var reader = new StreamReader(stored.ResponseStream))
        {
            Assert.Equal("not the bottle", await reader.ReadToEndAsync());
        }
        // Not recorded as the bottle: with nothing stored, no hash file was written at all.
        var hashFiles = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "mirror/bottles_hash.json" });
        Assert.Empty(hashFiles.S3Objects ?? []);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Sync_ThroughATempDirOtherUsersMayWriteIn_IsRefused_BeforeAnythingIsStaged()
    {
        // Bottles are verified there and then uploaded from there: in a folder open to all, someone could change one between.
        var curl = new FormulaBuilder("curl").WithVersion("8.0").WithBottle("monterey", 2_000).Build();
        await using var h = await CliHarness.StartAsync([curl]);
        var env = await EnvAsync(h);
        Directory.CreateDirectory(_temp);
        File.SetUnixFileMode(_temp, (UnixFileMode)0x1FF);

        var sync = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01");

        Assert.True(sync.ExitCode == 1, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains($"TEMP_DIR {_temp} may be written by other users (mode 777)", sync.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp));
        Assert.DoesNotContain((await ObjectsAsync(env["HOMEBREW_SYNC_STORE"]!)).Keys, k => k.EndsWith(".tar.gz", StringComparison.Ordinal) || k.EndsWith("bottles_hash.json", StringComparison.Ordinal));

        // Made by this user, and private, it is used.
        Directory.Delete(_temp);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01")).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_temp));
    }

    [Fact]
    public async Task KilledSync_HoldsTheBucketUntilItsLeaseExpires_ThenPruneRuns()
    {
        // The last is the smallest, so it starts last (the largest known start first) and stalls once the others are stored.
        var formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"tool{i}").WithBottle("monterey", 2_002 - i).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var env = await EnvAsync(h);
        env["STORE_LEASE_SECONDS"] = "10";
        env["DOWNLOAD_TIMEOUT_SECONDS"] = "120";
        var pid = await KilledRun.KillWhileStalledAsync(h.Server, formulae[^1].Bottles["monterey"].Sha256, env, "sync", "--concurrency", "1", "--batch-size", "1", "--date", "2025-07-21");
        var killedAt = DateTimeOffset.UtcNow;
        var before = await ObjectsAsync(env["HOMEBREW_SYNC_STORE"]!);

        var refused = await CliHarness.RunAsync(env, "prune");

        Assert.Equal(5, refused.ExitCode);
        Assert.Contains($"(pid {pid})", refused.Error, StringComparison.Ordinal);
        Assert.Equal(before, await ObjectsAsync(env["HOMEBREW_SYNC_STORE"]!));
        var run = await KilledRun.PruneOnceTheStoreIsFreeAsync(env, killedAt);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "verify")).ExitCode);
    }

    [Theory]
    [InlineData("bottles_hash.json")]
    [InlineData("manifests/tool0/1.0.json")]
    [InlineData("2025-07-01/tool1-1.0.monterey.bottle.tar.gz")]
    public async Task HashFileEntryNamingAnythingButItsOwnBottle_IsRefused_AndNoObjectIsDeleted(string s3Key)
    {
        var formulae = Enumerable.Range(0, 2).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("monterey", 2_000 + i).Build()).ToArray();
        await using var h = await CliHarness.StartAsync(formulae);
        var env = await EnvAsync(h);
        Assert.Equal(0, (await CliHarness.RunAsync(env, "sync", "--date", "2025-07-01")).ExitCode);
        h.Server.SetFormulae(formulae.Select(f => new FormulaBuilder(f.Name).WithVersion("2.0").WithBottle("monterey", 2_500).Build()));
        var store = env["HOMEBREW_SYNC_STORE"]!;
        var bucket = new Uri(store).Host;
        var hashFile = System.Text.Json.Nodes.JsonNode.Parse(await GetAsync(bucket, "mirror/bottles_hash.json"))!;
        hashFile["bottles"]!["tool0-1.0-monterey"]!["s3_key"] = s3Key;
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "mirror/bottles_hash.json", ContentBody = hashFile.ToJsonString() });
        var before = await ObjectsAsync(store);

        var prune = await CliHarness.RunAsync(env, "prune", "--keep-days", "0");

        Assert.Equal(1, prune.ExitCode);
        Assert.Contains("entry 'tool0-1.0-monterey': s3_key", prune.Error, StringComparison.Ordinal);
        Assert.Equal(before, await ObjectsAsync(store));
    }

    private async Task<byte[]> GetAsync(string bucket, string key)
    {
        using var response = await _client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Theory]
    [InlineData("If-None-Match")]
    [InlineData("If-Match")]
    public async Task EndpointThatIgnoresConditionalWrites_IsRefusedBeforeAnythingIsStored_AndSaysWhy(string ignored)
    {
        var formulae = new[] { new FormulaBuilder("tool").WithBottle("monterey", 2_000).Build() };
        await using var h = await CliHarness.StartAsync(formulae);
        var env = await EnvAsync(h);
        // An S3-compatible endpoint that drops the header on the floor (moto behind a proxy that leaves it out).
        await using var proxy = await ForwardingProxy.StartAsync(fixture.Server.Endpoint, ignored);
        env["AWS_ENDPOINT_URL_S3"] = proxy.Url.AbsoluteUri;
        var store = env["HOMEBREW_SYNC_STORE"]!;

        var sync = await CliHarness.RunAsync(env, "sync");
        var prune = await CliHarness.RunAsync(env, "prune");

        Assert.True(proxy.Stripped > 0, "the proxy saw no conditional write");
        foreach (var run in new[] { sync, prune })
        {
            Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}: {run.Error}");
            Assert.Contains($"error: The bucket {store} cannot be used safely: its endpoint ignores {ignored}", run.Error, StringComparison.Ordinal);
        }
        // Nothing was stored, no lease is left, and the probe removed its object.
        Assert.Empty(await ObjectsAsync(store));
    }

    [Fact]
    public async Task EndpointThatHonoursConditionalWrites_PassesTheProbe_AndLeavesNoProbeBehind()
    {
        var formulae = new[] { new FormulaBuilder("tool").WithBottle("monterey", 2_000).Build() };
        await using var h = await CliHarness.StartAsync(formulae);
        var env = await EnvAsync(h);

        var sync = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.DoesNotContain(await ObjectsAsync(env["HOMEBREW_SYNC_STORE"]!), o => o.Key.Contains("probe", StringComparison.Ordinal));
    }
}
