using HomebrewSync.Adapters.Files;
using HomebrewSync.Aws;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Cli.Tests;

/// <summary>
/// Bottles are stored once, named after their own tag (what brew asks the mirror for), whatever target tags
/// resolve to them; a store an earlier version laid out with target-tag names is renamed with nothing
/// downloaded again. Local folder and S3 alike.
/// </summary>
[Collection(S3Collection.Name)]
public sealed class RealNamesTests(S3ServerFixture fixture) : IDisposable
{
    private const string Targets = "arm64_tahoe,arm64_sequoia,arm64_sonoma";
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-names-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private async Task<(Dictionary<string, string?> Env, IStore Store)> StoreAsync(CliHarness h, string kind)
    {
        var env = h.Environment();
        env["TARGET_PLATFORMS"] = Targets;
        env["TEMP_DIR"] = _temp;
        if (kind == "local")
        {
            return (env, new LocalFolderStore(h.Store, TimeProvider.System));
        }
        var bucket = await fixture.Server.CreateBucketAsync();
        fixture.Server.UseAsStore(env, $"s3://{bucket}");
        return (env, new S3Store(fixture.Server.CreateClient(), new S3StoreOptions(bucket, "", _temp)));
    }

    private static async Task<string[]> BottleKeysAsync(IStore store)
    {
        var keys = new List<string>();
        await foreach (var b in store.ListAsync(CancellationToken.None))
        {
            keys.Add(b.Key);
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }

    [Theory]
    [InlineData("local")]
    [InlineData("s3")]
    public async Task FallbackCatalog_StoresEachBottleOnceUnderItsRealName_AndHashFileVerifyStatsAndSlackAgree(string kind)
    {
        var oldie = new FormulaBuilder("oldie").WithVersion("0.9").WithBottle("arm64_monterey", 3000).WithBottle("monterey", 3000).Build();
        var certs = new FormulaBuilder("ca-certificates").WithBottle("all", 2000).Build();
        var jq = new FormulaBuilder("jq").WithVersion("1.7").WithBottles(["arm64_tahoe", "arm64_sequoia", "arm64_sonoma"], 1000).Build();
        var python = new FormulaBuilder("python@3.13").WithVersion("3.13.5", revision: 1).WithRebuild(2).WithBottle("arm64_sequoia", 4000).Build();
        await using var h = await CliHarness.StartAsync([oldie, certs, jq, python]);
        await using var slack = await FakeSlackServer.StartAsync();
        var (env, store) = await StoreAsync(h, kind);
        env["SLACK_WEBHOOK_URL"] = slack.WebhookUrl.AbsoluteUri;

        var sync = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");
        var verify = await CliHarness.RunAsync(env, "verify");
        var stats = await CliHarness.RunAsync(env, "stats", "--json");

        Assert.True(sync.ExitCode == 0, sync.Error);
        string[] expected =
        [
            "2025-07-21/ca-certificates-1.0.0.all.bottle.tar.gz",
            "2025-07-21/jq-1.7.arm64_sequoia.bottle.tar.gz",
            "2025-07-21/jq-1.7.arm64_sonoma.bottle.tar.gz",
            "2025-07-21/jq-1.7.arm64_tahoe.bottle.tar.gz",
            "2025-07-21/oldie-0.9.arm64_monterey.bottle.tar.gz",
            "2025-07-21/python@3.13-3.13.5_1.arm64_sequoia.bottle.2.tar.gz",
        ];
        Assert.Equal(expected, await BottleKeysAsync(store));
        Assert.All(new[] { oldie, certs, jq, python }.SelectMany(f => f.Bottles.Values).Where(b => b.Length != 3000 || b == oldie.Bottles["arm64_monterey"]),
            b => Assert.Equal(1, h.Server.BlobGets(b.Sha256)));
        Assert.Equal(0, h.Server.BlobGets(oldie.Bottles["monterey"].Sha256));
        var hashFile = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(["ca-certificates-1.0.0-all", "jq-1.7-arm64_sequoia", "jq-1.7-arm64_sonoma", "jq-1.7-arm64_tahoe", "oldie-0.9-arm64_monterey", "python@3.13-3.13.5_1-arm64_sequoia"],
            hashFile.Ordered.Select(e => e.Key));
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("OK: 6 bottles match the hash file.", verify.Out, StringComparison.Ordinal);
        using (var doc = JsonDocument.Parse(stats.Out))
        {
            var tahoe = doc.RootElement.GetProperty("by_target").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "arm64_tahoe");
            Assert.Equal(4, tahoe.GetProperty("count").GetInt32());
            Assert.Equal([("all", 1), ("arm64_monterey", 1), ("arm64_sequoia", 1)], tahoe.GetProperty("via").EnumerateObject().Select(v => (v.Name, v.Value.GetInt32())));
            var sonoma = doc.RootElement.GetProperty("by_target").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "arm64_sonoma");
            Assert.Equal(3, sonoma.GetProperty("count").GetInt32());
        }
        var complete = slack.Messages[^1].RootElement.GetProperty("blocks");
        Assert.Equal("*New Bottles:* 6", complete[1].GetProperty("fields")[2].GetProperty("text").GetString());
        Assert.Contains("oldie@0.9 (arm64_sequoia, arm64_sonoma, arm64_tahoe)", complete.GetRawText(), StringComparison.Ordinal);
        var plain = await CliHarness.RunAsync(env, "stats");
        Assert.Contains("arm64_tahoe          4 bottles, 1 all, 1 via arm64_monterey, 1 via arm64_sequoia", plain.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local", false)]
    [InlineData("s3", false)]
    [InlineData("s3", true)] // Only S3 keeps the metadata --rebuild-hash reads.
    public async Task StoreWrittenWithTargetTagNames_IsRenamedInPlace_WithNothingDownloadedAgain(string kind, bool hashFileLost)
    {
        var oldie = new FormulaBuilder("oldie").WithVersion("0.9").WithBottle("arm64_monterey", 3000).Build();
        var certs = new FormulaBuilder("ca-certificates").WithBottle("all", 2000).Build();
        var jq = new FormulaBuilder("jq").WithVersion("1.7").WithBottle("arm64_sonoma", 1000).Build();
        await using var h = await CliHarness.StartAsync([oldie, certs, jq]);
        var (env, store) = await StoreAsync(h, kind);
        env["TARGET_PLATFORMS"] = "arm64_sequoia,arm64_sonoma";
        // What the earlier version wrote: one copy per target tag, named after the target.
        var old = new HashFile();
        foreach (var (f, tag) in new[] { (oldie, "arm64_monterey"), (certs, "all"), (jq, "arm64_sonoma") })
        {
            foreach (var target in new[] { "arm64_sequoia", "arm64_sonoma" })
            {
                var key = $"2025-07-14/{f.FileName(target)}";
                var blob = f.Bottles[tag];
                await using (var staged = await store.StageAsync(key, blob.Length, CancellationToken.None))
                {
                    await staged.Content.WriteAsync(blob.ToArray());
                    await staged.CommitAsync(new BottleMetadata(f.Name, f.Version, target, new DateOnly(2025, 7, 14), blob.Sha256, "1.0.0", "u"), replace: true, CancellationToken.None);
                }
                old.Set(f.Key(target), new HashEntry(blob.Sha256, new DateOnly(2025, 7, 14), blob.Length, f.Name, f.Version, target, h.Server.BlobUrl(f, tag), key));
            }
        }
        if (!hashFileLost)
        {
            await store.WriteHashFileAsync(old, null, CancellationToken.None);
        }

        // Without a hash file, --rebuild-hash reads the earlier layout back from the objects' metadata, then migrates it.
        var sync = hashFileLost
            ? await CliHarness.RunAsync(env, "sync", "--rebuild-hash", "--date", "2025-07-21")
            : await CliHarness.RunAsync(env, "sync", "--date", "2025-07-21");
        var verify = await CliHarness.RunAsync(env, "verify");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Equal(0, h.Server.TotalBlobGets);
        Assert.Equal(
            ["2025-07-14/ca-certificates-1.0.0.all.bottle.tar.gz", "2025-07-14/jq-1.7.arm64_sonoma.bottle.tar.gz", "2025-07-14/oldie-0.9.arm64_monterey.bottle.tar.gz"],
            await BottleKeysAsync(store));
        var hashFile = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(["ca-certificates-1.0.0-all", "jq-1.7-arm64_sonoma", "oldie-0.9-arm64_monterey"], hashFile.Ordered.Select(e => e.Key));
        Assert.All(hashFile.Bottles.Values, e => Assert.Equal(new DateOnly(2025, 7, 14), e.DownloadDate));
        Assert.Equal(oldie.Bottles["arm64_monterey"].Sha256, await store.ComputeSha256Async("2025-07-14/oldie-0.9.arm64_monterey.bottle.tar.gz", CancellationToken.None));
        Assert.Contains("Renamed to brew's names: 5 entries of the earlier layout retired, 5 objects removed", sync.Error, StringComparison.Ordinal);
        Assert.Equal(0, verify.ExitCode);
    }
}
