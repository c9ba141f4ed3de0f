using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Tests.BrewGit;

/// <summary>Where brew's repository can be refreshed: the orchestrator sends a small plan to ECS (git) while one is configured, and the key grammar.</summary>
public sealed class BrewGitRouteTests
{
    private static readonly string[] Tags = ["arm64_sonoma"];

    private static SyncOrchestrator Orchestrator(string? brewGit, string? cluster)
    {
        var store = new InMemoryStore();
        return new SyncOrchestrator(new SyncContext(new SyncPorts(store, store, store, store, FakeRegistry.Catalog([]), new FakeRegistry([]), new RecordingNotifier()),
            new SyncSettings { TargetPlatforms = Tags, BrewGitRemote = brewGit }, new NotificationSettings { EcsClusterName = cluster, SizeThresholdGb = 5 }, new FakeTimeProvider()));
    }

    [Theory]
    [InlineData(null, "sync", "lambda")]
    [InlineData("https://github.com/Homebrew/brew", "sync", "ecs")]
    [InlineData("https://github.com/Homebrew/brew", null, "lambda")]
    public void Route_ASmallPlan_GoesToEcsOnlyWhileBrewsRepositoryIsMirroredAndThereIsACluster(string? brewGit, string? cluster, string route)
    {
        var plan = new SyncPlan { SyncDate = "2025-07-21", CreatedAt = DateTimeOffset.UnixEpoch, ApiUrl = "https://x", Platforms = Tags, Bottles = [] };

        Assert.Equal(route, Orchestrator(brewGit, cluster).Route(plan).ToLowerInvariant());
    }

    [Theory]
    [InlineData("brew.git/HEAD", true, false)]
    [InlineData("brew.git/info/refs", true, false)]
    [InlineData("brew.git/objects/info/packs", true, false)]
    [InlineData("brew.git/objects/pack/pack-0123456789abcdef0123456789abcdef01234567.pack", true, true)]
    [InlineData("brew.git/objects/pack/pack-0123456789abcdef0123456789abcdef01234567.idx", true, true)]
    [InlineData("brew.git/config", false, false)]
    [InlineData("brew.git/hooks/post-update", false, false)]
    [InlineData("brew.git/objects/01/23456789abcdef0123456789abcdef01234567", false, false)]
    [InlineData("brew.git/objects/pack/pack-0123.pack", false, false)]
    [InlineData("brew.git/objects/pack/../../bottles_hash.json", false, false)]
    public void KeyGrammar_NamesOnlyWhatTheDumbProtocolReads_AndOnlyPacksAreDeletable(string key, bool served, bool deletable)
    {
        Assert.Equal(served, StoreKeys.IsBrewGitKey(key));
        Assert.Equal(deletable, StoreKeys.IsBrewGitPackKey(key));
        if (!deletable)
        {
            Assert.Throws<UnsafeStoreKeyException>(() => StoreKeys.EnsureDeletable(key));
        }
    }
}
