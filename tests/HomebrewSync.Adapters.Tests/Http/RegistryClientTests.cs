using HomebrewSync.Adapters.Http;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Planning;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Transfer;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Registry;

public sealed class RegistryClientTests
{
    private static readonly SyncSettings Settings = new() { RetryDelay = TimeSpan.FromMilliseconds(10), DownloadTimeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task SendAsync_FollowsRedirectToBlobHostWithoutForwardingTheToken()
    {
        var f = new FormulaBuilder("node").WithBottle("monterey", 1234).Build();
        await using var server = await FakeHomebrewServer.StartAsync([f]);
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, new RegistryToken(FakeHomebrewServer.DefaultToken), TimeProvider.System);

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
        var client = new RegistryClient(http, new RegistryToken("nope"), TimeProvider.System);

        var ex = await Assert.ThrowsAsync<BottleDownloadException>(() => client.SendAsync(HttpMethod.Get, new Uri(server.BlobUrl(f, "monterey")), null, CancellationToken.None));

        Assert.Equal(FailureKind.Unauthorized, ex.Kind);
        Assert.DoesNotContain("nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SizeAsync_UsesTheOciIndex_AndFallsBackToHeadWithoutIt()
    {
        var a = new FormulaBuilder("python@3.12").WithVersion("3.12.1", 1).WithRebuild(2).WithBottle("monterey", 3333).WithBottle("arm64_sonoma", 4444).Build();
        await using var server = await FakeHomebrewServer.StartAsync([a]);
        using var http = HttpClientFactory.Create(Settings);
        var client = new RegistryClient(http, new RegistryToken(FakeHomebrewServer.DefaultToken), TimeProvider.System);
        var sizer = new BottleSizer(client, ResiliencePipelines.Create(Settings, TimeProvider.System), 4);
        var plan = new SyncPlan
        {
            SyncDate = "2025-07-21",
            CreatedAt = DateTimeOffset.UnixEpoch,
            ApiUrl = server.ApiUrl.AbsoluteUri,
            Platforms = ["monterey", "arm64_sonoma"],
            Bottles = a.Bottles.Select(kv => new PlannedBottle
            {
                Key = a.Key(kv.Key), FormulaName = a.Name, FormulaVersion = a.Version, Platform = kv.Key, Serves = [kv.Key], Rebuild = a.Rebuild,
                Sha256 = kv.Value.Sha256, Url = server.BlobUrl(a, kv.Key), ObjectKey = "2025-07-21/" + a.FileName(kv.Key),
            }).ToArray(),
        };

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
}
