using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Pruning;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Verification;

namespace HomebrewSync.Core.Tests.Pipeline;

/// <summary>prune over the store the syncs filled: the catalog moves on, prune removes exactly what it superseded.</summary>
public sealed class PruneTests
{
    private static readonly string[] Tags = ["arm64_sonoma", "monterey"];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 9, 1, 3, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStore _store = new() { Written = new DateTimeOffset(2025, 8, 1, 3, 0, 0, TimeSpan.Zero) };
    private readonly StringWriter _log = new();

    private static FakeFormula Tool(string name, string version) => new FormulaBuilder(name).WithVersion(version).WithBottles(Tags, 1_000).Build();

    private SyncContext Context(IEnumerable<FakeFormula> catalog, IBottleStore? bottles = null)
    {
        var formulae = catalog.ToArray();
        var ports = new SyncPorts(bottles ?? _store, _store, _store, _store, FakeRegistry.Catalog(formulae), new FakeRegistry(formulae), new RecordingNotifier());
        return new SyncContext(ports, new SyncSettings { TargetPlatforms = Tags, MaxConcurrentDownloads = 2 }, new NotificationSettings(), _time);
    }

    private async Task SyncAsync(IEnumerable<FakeFormula> catalog, DateOnly date)
    {
        var request = new PlanRequest(Tags, null, false, false, date, SyncSettings.DefaultApiUrl, new RunLabels("Manual"));
        var outcome = await new SyncRun(Context(catalog)).SyncAsync(request, new RunDisplay(new LogLineObserver(_log), _log), null, CancellationToken.None);
        Assert.False(outcome.HasFailures);
    }

    private Task<PruneResult> PruneAsync(IEnumerable<FakeFormula> catalog, int keepDays, bool dryRun = false, IBottleStore? bottles = null) =>
        new PruneRun(Context(catalog, bottles)).PruneAsync(keepDays, dryRun, new LogLineObserver(_log), CancellationToken.None);

    private async Task<HashFile> HashFileAsync() => (await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile;

    /// <summary>wget 1.0 and jq 1.6 on 2025-07-01; wget 1.1 replaces 1.0 on 2025-08-20, jq leaves the catalog, curl stays.</summary>
    private async Task<(FakeFormula[] Now, FakeFormula OldWget, FakeFormula Jq, FakeFormula Curl)> CatalogMovesOnAsync()
    {
        var oldWget = Tool("wget", "1.0");
        var jq = Tool("jq", "1.6");
        var curl = Tool("curl", "8.0");
        await SyncAsync([oldWget, jq, curl], new DateOnly(2025, 7, 1));
        var now = new[] { Tool("wget", "1.1"), curl };
        await SyncAsync(now, new DateOnly(2025, 8, 20));
        return (now, oldWget, jq, curl);
    }

    [Fact]
    public async Task Prune_RemovesExactlyTheSupersededBottlesPastKeepDays_HashFileFirst()
    {
        var (now, oldWget, jq, curl) = await CatalogMovesOnAsync();
        Assert.Equal(8, (await HashFileAsync()).Count);

        var result = await PruneAsync(now, keepDays: 30);

        var gone = Tags.SelectMany(t => new[] { oldWget.Key(t), jq.Key(t) }).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(gone, result.Superseded.Select(i => i.HashKey).Order(StringComparer.Ordinal));
        var hashFile = await HashFileAsync();
        Assert.Equal(Tags.SelectMany(t => new[] { now[0].Key(t), curl.Key(t) }).Order(StringComparer.Ordinal), hashFile.Bottles.Keys.Order(StringComparer.Ordinal));
        Assert.All(result.Superseded, i => Assert.False(_store.Objects.ContainsKey(i.ObjectKey)));
        Assert.All(hashFile.Bottles.Values, e => Assert.True(_store.Objects.ContainsKey(e.S3Key)));
        // The image indexes of the versions that went, and only those.
        Assert.Equal([BottleNaming.IndexKey("jq", "1.6"), BottleNaming.IndexKey("wget", "1.0")], result.ImageIndexes.Select(m => m.ObjectKey));
        Assert.Null(await _store.GetDocumentAsync(BottleNaming.IndexKey("wget", "1.0"), CancellationToken.None));
        Assert.NotNull(await _store.GetDocumentAsync(BottleNaming.IndexKey("wget", "1.1"), CancellationToken.None));
        Assert.True((await MirrorVerifier.VerifyAsync(_store, _store, deep: true, 2, CancellationToken.None)).Problems.Count == 0);
        // The hash-file write comes before the first deletion.
        var lines = _log.ToString().Split('\n');
        Assert.True(Array.FindIndex(lines, l => l.StartsWith("Hash file written:", StringComparison.Ordinal) && l.Contains("4 entries removed", StringComparison.Ordinal))
            < Array.FindIndex(lines, l => l.StartsWith("Removed ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task BottleAPublishedApiFileStillNames_IsKept_WithItsIndex()
    {
        var (now, oldWget, jq, curl) = await CatalogMovesOnAsync();
        // The arm64_sonoma API file was held back at the old catalog (a failed bottle, say): its clients still install wget 1.0.
        using var signer = new ApiSigner();
        await _store.PutDocumentAsync("api/internal/packages.arm64_sonoma.jws.json", signer.Sign(ApiSigner.PackagesPayload([oldWget, jq, curl], "arm64_sonoma")),
            "application/json", CancellationToken.None);

        var result = await PruneAsync(now, keepDays: 30);

        Assert.Equal(2, result.HeldByApi);
        Assert.Equal(["jq-1.6-monterey", "wget-1.0-monterey"], result.Superseded.Select(i => i.HashKey).Order(StringComparer.Ordinal));
        var hashFile = await HashFileAsync();
        Assert.True(hashFile.TryGet(oldWget.Key("arm64_sonoma"), out var held));
        Assert.True(_store.Objects.ContainsKey(held.S3Key));
        Assert.True(hashFile.TryGet(jq.Key("arm64_sonoma"), out _));
        Assert.DoesNotContain(BottleNaming.IndexKey("wget", "1.0"), result.ImageIndexes.Select(m => m.ObjectKey));
        Assert.NotNull(await _store.GetDocumentAsync(BottleNaming.IndexKey("wget", "1.0"), CancellationToken.None));
    }

    [Theory]
    [InlineData("{\"payload\": \"not json")]
    [InlineData("{\"payload\": null}")]
    [InlineData("{\"payload\": 5}")]
    public async Task ApiFileThatCannotBeRead_StopsThePrune_BeforeAnythingGoes(string content)
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        await _store.PutDocumentAsync("api/internal/packages.arm64_sonoma.jws.json", System.Text.Encoding.UTF8.GetBytes(content), "application/json", CancellationToken.None);
        var objects = _store.Objects.Keys.Order(StringComparer.Ordinal).ToArray();

        var refused = await Assert.ThrowsAsync<PruneRefusedException>(() => PruneAsync(now, keepDays: 0));

        Assert.Contains("api/internal/packages.arm64_sonoma.jws.json", refused.Message, StringComparison.Ordinal);
        Assert.Equal(objects, _store.Objects.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(8, (await HashFileAsync()).Count);
    }

    [Fact]
    public async Task Prune_KeepsSupersededBottlesWithinKeepDays()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        // 2025-07-01 is 62 days before 2025-09-01.
        var kept = await PruneAsync(now, keepDays: 62);
        var pruned = await PruneAsync(now, keepDays: 61);

        Assert.Equal(0, kept.Count);
        Assert.Equal(4, pruned.Superseded.Count);
    }

    [Fact]
    public async Task DryRun_ListsWhatWouldGoWithSizes_AndChangesNothing()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        var objects = _store.Objects.ToDictionary(kv => kv.Key, kv => kv.Value.Length);
        var writes = _store.HashFileWrites;

        var result = await PruneAsync(now, keepDays: 0, dryRun: true);

        Assert.True(result.DryRun);
        Assert.Equal(4, result.Superseded.Count);
        Assert.All(result.Superseded, i => Assert.Equal(objects[i.ObjectKey], i.Size));
        Assert.Equal(objects, _store.Objects.ToDictionary(kv => kv.Key, kv => kv.Value.Length));
        Assert.Equal(writes, _store.HashFileWrites);
        Assert.Equal(8, (await HashFileAsync()).Count);
    }

    [Fact]
    public async Task InterruptedAfterTheHashFileWrite_LeavesUnlistedObjectsVerifyAccepts_AndTheNextPruneRemovesThem()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();

        // The process dies at its first deletion: the hash file no longer lists what was to go.
        await Assert.ThrowsAsync<IOException>(() => PruneAsync(now, keepDays: 30, bottles: new DiesOnDelete(_store)));

        Assert.Equal(4, (await HashFileAsync()).Count);
        var report = await MirrorVerifier.VerifyAsync(_store, _store, deep: false, 2, CancellationToken.None);
        Assert.True(report.IsClean);
        Assert.Equal(4, report.Unlisted);
        Assert.All(report.Problems, p => Assert.Equal(VerifyProblemKind.Unrecorded, p.Kind));

        var next = await PruneAsync(now, keepDays: 30);

        Assert.Empty(next.Superseded);
        Assert.Equal(4, next.Unlisted.Count);
        var after = await MirrorVerifier.VerifyAsync(_store, _store, deep: false, 2, CancellationToken.None);
        Assert.Empty(after.Problems);
    }

    [Fact]
    public async Task UnlistedObjectsYoungerThanADay_AreLeftForTheSyncThatIsStoringThem()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        await _store.PutDocumentAsync("plans/2025-09-01/030000-x.json", [1], "application/json", CancellationToken.None);
        var staged = await _store.StageAsync("2025-09-01/new-1.0.monterey.bottle.tar.gz", 3, CancellationToken.None);
        await staged.Content.WriteAsync(new byte[3]);
        await staged.CommitAsync(new BottleMetadata("new", "1.0", "monterey", new DateOnly(2025, 9, 1), new string('a', 64), ProductInfo.SyncVersion, "u"), replace: true, CancellationToken.None);
        _store.Written = _time.GetUtcNow().AddHours(-2);

        var result = await PruneAsync(now, keepDays: 30);

        Assert.Empty(result.Unlisted);
        Assert.True(_store.Objects.ContainsKey("2025-09-01/new-1.0.monterey.bottle.tar.gz"));
        Assert.NotNull(await _store.GetDocumentAsync("plans/2025-09-01/030000-x.json", CancellationToken.None));
        Assert.NotNull(await _store.GetDocumentAsync(RunStatus.Key, CancellationToken.None));
    }

    [Fact]
    public async Task ConcurrentSyncWritingTheHashFile_IsReadAgain_AndItsEntriesAreKept()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        var late = Tool("late", "2.0");
        var once = true;
        _store.BeforeHashFileWrite = () =>
        {
            if (!once)
            {
                return;
            }
            once = false;
            // Another run checkpoints between prune's read and its write.
            var m = _store.ReadHashFileAsync(CancellationToken.None).Result!;
            var hashFile = m.HashFile.Clone();
            hashFile.Set(late.Key("monterey"), new HashEntry(new string('b', 64), new DateOnly(2025, 9, 1), 10, "late", "2.0", "monterey", "u", "2025-09-01/late-2.0.monterey.bottle.tar.gz"));
            _store.WriteHashFileAsync(hashFile, m.Version, CancellationToken.None).GetAwaiter().GetResult();
        };

        await PruneAsync([.. now, late], keepDays: 30);

        var hashFile = await HashFileAsync();
        Assert.True(hashFile.TryGet(late.Key("monterey"), out _));
        Assert.Equal(5, hashFile.Count);
        Assert.Contains("Hash file changed by another run", _log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyCatalogOrNoHashFile_PrunesNothing()
    {
        var (_, _, _, _) = await CatalogMovesOnAsync();
        var before = _store.Objects.Count;

        await Assert.ThrowsAsync<PruneRefusedException>(() => PruneAsync([], keepDays: 0));
        var empty = new InMemoryStore();
        var context = new SyncContext(new SyncPorts(empty, empty, empty, empty, FakeRegistry.Catalog([Tool("a", "1")]), new FakeRegistry([]), new RecordingNotifier()), new SyncSettings { TargetPlatforms = Tags }, new NotificationSettings(), _time);
        await Assert.ThrowsAsync<PruneRefusedException>(() => new PruneRun(context).PruneAsync(0, false, new LogLineObserver(_log), CancellationToken.None));

        Assert.Equal(before, _store.Objects.Count);
    }

    [Fact]
    public async Task MachineSleepsPastTheLeaseDuringDeletions_StopsBeforeTheNextOne_EvenBeforeTheLeasesBeatNotices()
    {
        var (now, _, _, _) = await CatalogMovesOnAsync();
        var before = _store.Objects.Count;
        var sleeps = new SleepsAfterFirstDelete(_store, _time);

        var lost = await Assert.ThrowsAsync<StoreLeaseLostException>(() => PruneAsync(now, keepDays: 30, bottles: sleeps));

        // One deletion went out before the lid closed; after waking on an expired lease (the monotonic clock, and the lease's
        // beat with it, stood still), not one more: a sync may hold the store by now.
        Assert.Equal(1, sleeps.Deleted);
        Assert.Equal(before - 1, _store.Objects.Count);
        Assert.StartsWith("Stopped before deleting ", lost.Message, StringComparison.Ordinal);
        Assert.Contains("not renewed in time", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaseEndedByAnotherCommandDuringDeletions_WhileThisMachinesClockSaysAllIsWell_StopsAtTheNextConfirmation()
    {
        // A paused virtual machine: its clock (and the lease's beat with it) stood still while a sync elsewhere found the
        // prune's lease expired and ended it. Asked only of the clock, the prune went on deleting until its next renewal.
        var v1 = Enumerable.Range(0, 20).Select(i => Tool($"tool{i:00}", "1.0")).ToArray();
        await SyncAsync(v1, new DateOnly(2025, 7, 1));
        var v2 = v1.Select(f => Tool(f.Name, "2.0")).ToArray();
        await SyncAsync(v2, new DateOnly(2025, 8, 20));
        var ends = new EndsTheLeaseAtTheThirdDelete(_store);

        var lost = await Assert.ThrowsAsync<StoreLeaseLostException>(() => PruneAsync(v2, keepDays: 30, bottles: ends));

        Assert.Contains("taken over or removed by another command", lost.Message, StringComparison.Ordinal);
        Assert.InRange(ends.Deleted, 3, LeaseConfirmations.Every);
    }

    [Fact]
    public async Task VerifyWhileAPruneRemovesEntriesAndTheirObjects_ReportsNothingMissing_ButAnEntryStillListedIs()
    {
        var (now, _, _, curl) = await CatalogMovesOnAsync();
        // curl's monterey bottle is lost for real (removed by hand): that one must still be reported.
        await _store.DeleteAsync($"2025-07-01/{curl.FileName("monterey")}", CancellationToken.None);
        // verify (which takes no lease) has read the hash file; a prune on another machine then removes the superseded
        // entries, then their objects, before verify looks at them.
        var pruned = false;
        var store = new BeforeFirstLook(_store, async () =>
        {
            if (!pruned)
            {
                pruned = true;
                await PruneAsync(now, keepDays: 30);
            }
        });

        var report = await MirrorVerifier.VerifyAsync(store, _store, deep: false, 1, CancellationToken.None);

        Assert.True(pruned);
        var missing = Assert.Single(report.Problems, p => p.Kind == VerifyProblemKind.Missing);
        Assert.Equal(curl.Key("monterey"), missing.Key);
    }

    /// <summary>A store that runs something (another machine's command) before its first object is looked at.</summary>
    private sealed class BeforeFirstLook(InMemoryStore inner, Func<Task> first) : DelegatingBottleStore(inner)
    {
        public override async Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken)
        {
            await first();
            return await base.GetAsync(key, cancellationToken);
        }
    }

    /// <summary>The store of a machine that goes to sleep, past its lease's end, right after its first deletion.</summary>
    private sealed class SleepsAfterFirstDelete(InMemoryStore inner, FakeTimeProvider time) : DelegatingBottleStore(inner)
    {
        public int Deleted { get; private set; }

        public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
        {
            await base.DeleteAsync(key, cancellationToken);
            if (++Deleted == 1)
            {
                time.AdjustTime(time.GetUtcNow() + TimeSpan.FromHours(1));
            }
        }
    }

    /// <summary>A store where, at the third deletion, another command ends the exclusive lease (as a sync that found it expired does).</summary>
    private sealed class EndsTheLeaseAtTheThirdDelete(InMemoryStore inner) : DelegatingBottleStore(inner)
    {
        public int Deleted { get; private set; }

        public override async Task DeleteAsync(string key, CancellationToken cancellationToken)
        {
            await base.DeleteAsync(key, cancellationToken);
            if (++Deleted == 3)
            {
                var lease = (await inner.ReadLeaseAsync(StoreCoordinator.ExclusiveKey, cancellationToken))!.Value;
                var ended = LeaseRecord.Parse(lease.Content)! with { ExpiresAt = DateTimeOffset.UnixEpoch };
                Assert.NotNull(await inner.TryReplaceLeaseAsync(StoreCoordinator.ExclusiveKey, ended.ToBytes(), lease.Version, cancellationToken));
            }
        }
    }

    /// <summary>The store of a process that is killed at its first deletion.</summary>
    private sealed class DiesOnDelete(InMemoryStore inner) : DelegatingBottleStore(inner)
    {
        public override Task DeleteAsync(string key, CancellationToken cancellationToken) => throw new IOException("killed");
    }
}
