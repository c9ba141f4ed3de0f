using HomebrewSync.Core.Notifications;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>A sync does not wait for sizing: bottles download while the image indexes are still being asked for.</summary>
public sealed class OverlapTests
{
    private static readonly string[] Tags = ["arm64_sonoma"];

    [Fact]
    public async Task Sync_StartsDownloadingBeforeSizingEnds_ThenReportsThePlanAndStartedWithTheSizes()
    {
        var formulae = Enumerable.Range(0, 5).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("arm64_sonoma", 1_000 * (i + 1)).Build()).ToArray();
        var registry = new FakeRegistry(formulae) { HoldIndexes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        registry.OnOpen = _ => opened.TrySetResult();
        var store = new InMemoryStore();
        var slack = new RecordingNotifier();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var context = new SyncContext(new SyncPorts(store, store, store, store, FakeRegistry.Catalog(formulae), registry, slack),
            new SyncSettings { TargetPlatforms = Tags, MaxConcurrentDownloads = 2 }, new NotificationSettings(), time);
        var log = new StringWriter();
        PlannedRun? planned = null;
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Manual"));

        var run = new SyncRun(context).SyncAsync(request, new RunDisplay(new LogLineObserver(log), log), p => planned = p, CancellationToken.None);

        // A bottle is being fetched while not one size is known: no plan report, no "started" yet.
        await opened.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Null(planned);
        Assert.Empty(slack.Headers);
        registry.HoldIndexes.SetResult();
        var outcome = await run;

        Assert.Equal(5, outcome.Stored.Count);
        Assert.NotNull(planned);
        Assert.Equal(15_000, planned.Plan.TotalBytes);
        Assert.Equal(15_000, outcome.Plan.TotalBytes);
        Assert.All(outcome.Stored, b => Assert.NotNull(b.Size));
        Assert.Equal(["🚀 Homebrew Bottles Sync Started", "✅ Homebrew Bottles Sync Complete"], slack.Headers);
    }

    [Fact]
    public async Task Sync_WithADownloadLimit_SizesEverythingFirst_AndRefusesBeforeTheFirstByte()
    {
        var formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"big{i}").WithVersion("1.0").WithBottle("arm64_sonoma", 600_000).Build()).ToArray();
        var registry = new FakeRegistry(formulae);
        var store = new InMemoryStore();
        var slack = new RecordingNotifier();
        var context = new SyncContext(new SyncPorts(store, store, store, store, FakeRegistry.Catalog(formulae), registry, slack),
            new SyncSettings { TargetPlatforms = Tags, MaxDownloadBytes = 1_000_000 }, new NotificationSettings(), new FakeTimeProvider());
        var log = new StringWriter();
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Manual"));

        var ex = await Assert.ThrowsAsync<PlanInputException>(() => new SyncRun(context).SyncAsync(request, new RunDisplay(new LogLineObserver(log), log), null, CancellationToken.None));

        Assert.Contains("nothing was downloaded", ex.Message, StringComparison.Ordinal);
        Assert.All(formulae, f => Assert.Equal(0, registry.Opens(f.Bottles["arm64_sonoma"].Sha256)));
        // Refused is failed, as the deployed route reports it: no "started", one "failed" saying why.
        Assert.Equal(["❌ Homebrew Bottles Sync Failed"], slack.Headers);
        var fields = Assert.IsType<FieldsBlock>(slack.Messages[0].Blocks[1]).Fields;
        Assert.Contains("*Error Type:* Invalid Request", fields);
    }
}
