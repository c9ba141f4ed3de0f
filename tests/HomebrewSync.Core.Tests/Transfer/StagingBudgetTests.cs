using HomebrewSync.Core.Notifications;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

public sealed class StagingBudgetTests
{
    private static readonly string[] Tags = ["arm64_sonoma"];

    [Fact]
    public async Task ReserveAsync_WhatDoesNotFit_WaitsForSpace_FirstComeFirstServed()
    {
        var budget = new StagingBudget(1000, EnvVars.WorkerStagingLimitMb);
        var first = await budget.ReserveAsync("a", 600, CancellationToken.None);

        var second = budget.ReserveAsync("b", 600, CancellationToken.None);
        var third = budget.ReserveAsync("c", 100, CancellationToken.None);

        // c would fit, but b came first: nothing jumps the queue, so a large bottle is never starved.
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        first.Dispose();
        using var b = await second.WaitAsync(TimeSpan.FromSeconds(10));
        using var c = await third.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ReserveAsync_LargerThanTheWholeBudget_FailsAtOnceNamingTheSetting()
    {
        var budget = new StagingBudget(1000, EnvVars.WorkerStagingLimitMb);

        var ex = await Assert.ThrowsAsync<BottleDownloadException>(() => budget.ReserveAsync("texlive-2025-arm64_sonoma", 5000, CancellationToken.None));

        Assert.Equal(FailureKind.TooLarge, ex.Kind);
        Assert.Contains("texlive-2025-arm64_sonoma needs 4.9 KB of staging space, more than this host has (WORKER_STAGING_LIMIT_MB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReserveAsync_CancelledWhileWaiting_LeavesTheQueue_AndTheNextGetsIn()
    {
        var budget = new StagingBudget(1000, EnvVars.WorkerStagingLimitMb);
        var held = await budget.ReserveAsync("a", 900, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = budget.ReserveAsync("b", 900, cancel.Token);
        var next = budget.ReserveAsync("c", 100, CancellationToken.None);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        using var c = await next.WaitAsync(TimeSpan.FromSeconds(10));
        held.Dispose();
    }

    [Fact]
    public async Task ReserveAsync_SizeUnknown_TakesTheWholeBudget()
    {
        var budget = new StagingBudget(1000, EnvVars.WorkerStagingLimitMb);
        var unknown = await budget.ReserveAsync("a", null, CancellationToken.None);

        var small = budget.ReserveAsync("b", 1, CancellationToken.None);

        Assert.False(small.IsCompleted);
        unknown.Dispose();
        using var b = await small.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// A run whose bottles together are far larger than the staging space: at no moment do the bottles being staged add
    /// up to more than it, one bottle larger than all of it fails with the reason, and every other bottle is stored.
    /// </summary>
    [Fact]
    public async Task Sync_WithAStagingLimit_NeverStagesMoreThanIt_AndFailsOnlyTheBottleThatCannotFit()
    {
        var formulae = Enumerable.Range(0, 12).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle("arm64_sonoma", 3_000 + i).Build())
            .Append(new FormulaBuilder("texlive").WithVersion("2025").WithBottle("arm64_sonoma", 9_000).Build()).ToArray();
        var store = new InMemoryStore();
        var staging = new CountingStagingStore(store);
        var settings = new SyncSettings { TargetPlatforms = Tags, MaxConcurrentDownloads = 8, StagingLimitBytes = 7_000, MaxDownloadBytes = 1_000_000 };
        var run = new SyncRun(new SyncContext(new SyncPorts(staging, store, store, store, FakeRegistry.Catalog(formulae), new FakeRegistry(formulae), new RecordingNotifier()),
            settings, new NotificationSettings(), new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero))));
        var log = new StringWriter();
        var request = new PlanRequest(Tags, null, false, false, new DateOnly(2025, 7, 21), SyncSettings.DefaultApiUrl, new RunLabels("Manual"));

        var outcome = await run.SyncAsync(request, new RunDisplay(new LogLineObserver(log), log), null, CancellationToken.None);

        Assert.Equal(12, outcome.Stored.Count);
        var failed = Assert.Single(outcome.Failed);
        Assert.Equal(("texlive-2025-arm64_sonoma", FailureKind.TooLarge), (failed.Bottle.Key, failed.Kind));
        Assert.InRange(staging.MostAtOnce, 3_000, 7_000);
        Assert.True(staging.Overlapped, "no two bottles were ever staged at once: the test shows nothing");
    }

    [Fact]
    public void Route_ABottleLargerThanTheWorkersStagingSpace_GoesToEcs()
    {
        var store = new InMemoryStore();
        var orchestrator = new SyncOrchestrator(new SyncContext(new SyncPorts(store, store, store, store, FakeRegistry.Catalog([]), new FakeRegistry([]), new RecordingNotifier()),
            new SyncSettings { TargetPlatforms = Tags, StagingLimitBytes = 10_000 }, new NotificationSettings { EcsClusterName = "sync", SizeThresholdGb = 5 }, new FakeTimeProvider()));
        static SyncPlan Plan(params PlannedBottle[] bottles) => new() { SyncDate = "2025-07-21", CreatedAt = DateTimeOffset.UnixEpoch, ApiUrl = "https://x", Platforms = Tags, Bottles = bottles };
        PlannedBottle Bottle(long size) => new() { Key = $"k{size}", FormulaName = "k", FormulaVersion = "1", Platform = "arm64_sonoma", Sha256 = new string('a', 64), Url = "https://ghcr.io/x", ObjectKey = "2025-07-21/k-1.arm64_sonoma.bottle.tar.gz", Size = size };

        Assert.Equal("lambda", orchestrator.Route(Plan(Bottle(9_000), Bottle(9_000))).ToLowerInvariant());
        Assert.Equal("ecs", orchestrator.Route(Plan(Bottle(10_001))).ToLowerInvariant());
    }

    /// <summary>The bottle port, counting the bytes of the bottles being staged at each moment.</summary>
    private sealed class CountingStagingStore(InMemoryStore inner) : DelegatingBottleStore(inner)
    {
        private long _now;
        private long _most;
        private int _open;

        public long MostAtOnce => Interlocked.Read(ref _most);
        public bool Overlapped { get; private set; }

        public override async Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
        {
            var size = expectedSize ?? throw new InvalidOperationException("a sized plan stages with its size");
            var now = Interlocked.Add(ref _now, size);
            if (Interlocked.Increment(ref _open) > 1)
            {
                Overlapped = true;
            }
            long most;
            while (now > (most = Interlocked.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most)
            {
            }
            // Gives the others time to start: without a budget, all eight would be staging here at once.
            await Task.Delay(20, cancellationToken);
            return new Counted(await base.StageAsync(key, expectedSize, cancellationToken), () =>
            {
                Interlocked.Add(ref _now, -size);
                Interlocked.Decrement(ref _open);
            });
        }

        private sealed class Counted(IStagedBottle inner, Action onDispose) : IStagedBottle
        {
            public Stream Content => inner.Content;
            public Task ResetAsync(CancellationToken cancellationToken) => inner.ResetAsync(cancellationToken);
            public Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken) => inner.CommitAsync(metadata, replace, cancellationToken);

            public async ValueTask DisposeAsync()
            {
                await inner.DisposeAsync();
                onDispose();
            }
        }
    }
}
