using HomebrewSync.Adapters.Http;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Http;

public sealed class RegistryClientTests
{
    private static readonly SyncSettings Settings = new() { RetryDelay = TimeSpan.FromMilliseconds(10), DownloadTimeout = TimeSpan.FromSeconds(10), RegistryHosts = ["127.0.0.1"] };

    [Fact]
    public async Task SendAsync_FollowsRedirectToBlobHostWithoutForwardingTheToken()
    {
        var f = new FormulaBuilder("node").WithBottle("monterey", 1234).Build();
        await using var server = await FakeHomebrewServer.StartAsync([f]);
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, Settings, TimeProvider.System);

        using var response = await client.SendAsync(HttpMethod.Get, new Uri(server.BlobUrl(f, "monterey")), null, CancellationToken.None);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(f.Bottles["monterey"].ToArray(), body);
        Assert.Equal(0, server.AuthorizationLeaks);
        Assert.Equal(0, server.UnauthorizedRequests);
    }

    [Fact]
    public async Task SendAsync_WrongToken_IsAFinalUnauthorizedFailure()
    {
        var f = new FormulaBuilder("node").WithBottle("monterey").Build();
        await using var server = await FakeHomebrewServer.StartAsync([f]);
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, Settings with { RegistryToken = new RegistryToken("nope") }, TimeProvider.System);

        var ex = await Assert.ThrowsAsync<BottleDownloadException>(() => client.SendAsync(HttpMethod.Get, new Uri(server.BlobUrl(f, "monterey")), null, CancellationToken.None));

        Assert.Equal(FailureKind.Unauthorized, ex.Kind);
        Assert.DoesNotContain("nope", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A plan of every bottle of <paramref name="formulae"/> on the server, as planning leaves it: no size yet.</summary>
    private static SyncPlan PlanOf(FakeHomebrewServer server, string[] platforms, IEnumerable<FakeFormula> formulae) => new()
    {
        SyncDate = "2025-07-21",
        CreatedAt = DateTimeOffset.UnixEpoch,
        ApiUrl = server.ApiUrl.AbsoluteUri,
        Platforms = platforms,
        Bottles = formulae.SelectMany(f => f.Bottles.Select(kv => new PlannedBottle
        {
            Key = f.Key(kv.Key), FormulaName = f.Name, FormulaVersion = f.Version, Platform = kv.Key, Serves = [kv.Key], Rebuild = f.Rebuild,
            Sha256 = kv.Value.Sha256, Url = server.BlobUrl(f, kv.Key), ObjectKey = "2025-07-21/" + f.FileName(kv.Key),
        })).ToArray(),
    };

    [Fact]
    public async Task SizeAsync_UsesTheOciIndex_AndFallsBackToHeadWithoutIt()
    {
        var a = new FormulaBuilder("python@3.12").WithVersion("3.12.1", 1).WithRebuild(2).WithBottle("monterey", 3333).WithBottle("arm64_sonoma", 4444).Build();
        await using var server = await FakeHomebrewServer.StartAsync([a]);
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, Settings, TimeProvider.System);
        var sizer = new BottleSizer(client, ResiliencePipelines.Create(Settings, TimeProvider.System), 4, (Settings.MaxBottleBytes, "MAX_BOTTLE_SIZE_GB allows"));
        var plan = PlanOf(server, ["monterey", "arm64_sonoma"], [a]);

        var viaIndex = await sizer.SizeAsync(plan, new List<string>(), null, CancellationToken.None);
        Assert.Equal(1, server.IndexRequests);
        Assert.Equal(0, server.HeadRequests);
        server.ServeIndexes = false;
        var viaHead = await sizer.SizeAsync(plan, new List<string>(), null, CancellationToken.None);

        foreach (var sized in new[] { viaIndex, viaHead })
        {
            Assert.Equal(3333, sized.Bottles.Single(b => b.Platform == "monterey").Size);
            Assert.Equal(4444, sized.Bottles.Single(b => b.Platform == "arm64_sonoma").Size);
        }
        Assert.Equal(2, server.HeadRequests);
    }

    [Fact]
    public async Task SizeAsync_KeepsForTheRunOnlyIndexesWithinServesBounds_EachAndAltogether()
    {
        // A registry answering every index near MAX_IMAGE_INDEX_MB: a first sync of thousands of versions kept them all
        // in memory until the run's end. Each padded here (a valid index with a long annotation) to 60 KiB, one to 100 KiB.
        var formulae = Enumerable.Range(0, 1_100).Select(i => new FormulaBuilder($"tool{i:0000}").WithBottle("monterey", 1_000 + i).Build()).ToArray();
        await using var server = await FakeHomebrewServer.StartAsync(formulae);
        server.RewriteIndex = (image, document) =>
        {
            var index = System.Text.Json.Nodes.JsonNode.Parse(document)!.AsObject();
            var size = image.EndsWith("tool0000", StringComparison.Ordinal) ? 100 * 1024 : 60 * 1024;
            index["annotations"] = new System.Text.Json.Nodes.JsonObject { ["padding"] = new string('p', size) };
            return System.Text.Encoding.UTF8.GetBytes(index.ToJsonString());
        };
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, Settings, TimeProvider.System);
        var sizer = new BottleSizer(client, ResiliencePipelines.Create(Settings, TimeProvider.System), 8, (Settings.MaxBottleBytes, "MAX_BOTTLE_SIZE_GB allows"));
        var plan = PlanOf(server, ["monterey"], formulae);
        var kept = new System.Collections.Concurrent.ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal);

        var sized = await sizer.SizeAsync(plan, new List<string>(), kept, CancellationToken.None);

        // Every size learnt from its index all the same.
        Assert.All(sized.Bottles, b => Assert.Equal(b.FormulaName == "tool0000" ? 1_000 : 1_000 + int.Parse(b.FormulaName[4..], System.Globalization.CultureInfo.InvariantCulture), b.Size));
        Assert.Equal(0, server.HeadRequests);
        Assert.DoesNotContain(kept.Keys, k => k.Contains("/tool0000|", StringComparison.Ordinal));
        Assert.InRange(kept.Values.Sum(v => (long)v.Length), 60L << 20, HomebrewSync.Core.Serving.ImageIndexCache.MaxTotalBytes);
        Assert.InRange(kept.Count, 1_000, 1_098);
    }

    [Theory]
    [InlineData("https://ghcr.io/v2/homebrew/core/a/blobs/sha256:00", true)]
    [InlineData("https://GHCR.io/v2/x", true)]
    [InlineData("http://ghcr.io/v2/x", false)]
    [InlineData("https://evil.example/v2/x", false)]
    [InlineData("https://ghcr.io.evil.example/v2/x", false)]
    [InlineData("http://127.0.0.1:8080/v2/x", true)]
    [InlineData("http://127.0.0.2/v2/x", true)]
    [InlineData("http://10.0.0.1/v2/x", false)]
    [InlineData("http://[::1]:81/v2/x", true)]
    [InlineData("http://localhost/v2/x", false)]
    public void MaySendToken_OnlyRegistryHosts_AndPlainHttpOnlyToLoopback(string url, bool expected)
    {
        using var http = new HttpClient();
        var client = new RegistryClient(http, new SyncSettings { RegistryHosts = ["ghcr.io", "127.0.0.1", "127.0.0.2", "10.0.0.1", "::1"] }, TimeProvider.System);

        Assert.Equal(expected, client.MaySendToken(new Uri(url)));
    }
}
