using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>A sync keeps a version's image index as soon as one of its bottles is stored, not after the last bottle of the run.</summary>
public sealed class IndexesAsBottlesLandTests
{
    private static readonly string[] Tags = ["arm64_sonoma"];

    [Fact]
    public async Task Sync_KeepsTheFirstStoredBottlesImageIndex_WhileTheNextBottleIsStillDownloading()
    {
        var formulae = new[] { "first", "second" }.Select(n => new FormulaBuilder(n).WithVersion("1.0").WithBottle("arm64_sonoma", 2_000).Build()).ToArray();
        var registry = new FakeRegistry(formulae);
        var store = new InMemoryStore();
        var opened = new List<string>();
        var keptBeforeTheSecondDownload = false;
        registry.OnOpen = sha =>
        {
            opened.Add(sha);
            if (opened.Count == 2)
            {
                // The second download waits here, at most 30 s, for the first bottle's image index to appear in the store.
                var first = formulae.Single(f => f.Bottles["arm64_sonoma"].Sha256 == opened[0]);
                keptBeforeTheSecondDownload = SpinWait.SpinUntil(() => store.Documents.ContainsKey($"manifests/{first.Image}/{first.IndexReference}.json"), TimeSpan.FromSeconds(30));
            }
        };
        // One download at a time, every size known first (a download limit): the order is fixed, so the test is too.
        var context = new SyncContext(new SyncPorts(store, store, store, store, FakeRegistry.Catalog(formulae), registry, new RecordingNotifier()),
            new SyncSettings { TargetPlatforms = Tags, MaxConcurrentDownloads = 1, MaxDownloadBytes = 1_000_000 }, new NotificationSettings(),
            new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero)));
        var log = new StringWriter();
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Manual"));

        var outcome = await new SyncRun(context).SyncAsync(request, new RunDisplay(new LogLineObserver(log), log), null, CancellationToken.None);

        Assert.Equal(2, outcome.Stored.Count);
        Assert.True(keptBeforeTheSecondDownload, "the first bottle's image index was not written before the second bottle's download began");
        Assert.All(formulae, f => Assert.True(store.Documents.ContainsKey($"manifests/{f.Image}/{f.IndexReference}.json"), f.Name));
        Assert.Contains("Image indexes kept for brew: 2 written", log.ToString(), StringComparison.Ordinal);
    }
}
