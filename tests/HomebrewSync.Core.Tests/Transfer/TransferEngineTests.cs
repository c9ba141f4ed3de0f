using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Registry;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

/// <summary>The engine on the in-memory store and registry; the clock never moves, so no test waits.</summary>
public sealed class TransferEngineTests
{
    private const string Tag = "arm64_sonoma";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStore _store = new();

    /// <summary>A plan's entry for <paramref name="f"/>'s bottle of <paramref name="tag"/>, as the planner writes it on 2025-07-21.</summary>
    internal static PlannedBottle Planned(FakeFormula f, string tag = Tag)
    {
        var blob = f.Bottles[tag];
        return new PlannedBottle
        {
            Key = f.Key(tag), FormulaName = f.Name, FormulaVersion = f.Version, Platform = tag, Serves = [tag], Sha256 = blob.Sha256,
            Url = $"https://ghcr.io/v2/homebrew/core/{f.Image}/blobs/sha256:{blob.Sha256}", Size = blob.Length, ObjectKey = $"2025-07-21/{f.FileName(tag)}",
        };
    }

    private static SyncPlan Plan(params PlannedBottle[] bottles) => new()
    {
        SyncDate = "2025-07-21", CreatedAt = new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero), ApiUrl = "https://formulae.brew.sh/api/formula.json",
        Platforms = [Tag], Bottles = bottles,
    };

    private async Task<TransferResult> RunAsync(IBottleRegistry registry, SyncPlan plan, SyncSettings? settings = null, DateTimeOffset? deadline = null, LearntSizes? learnt = null,
        IBottleStore? store = null)
    {
        var engine = new TransferEngine(store ?? _store, registry, settings ?? new SyncSettings(), _time);
        // The hash file as the run found it (a run after another one starts from the first one's).
        var checkpointer = new HashFileCheckpointer(_store, await _store.ReadHashFileAsync(CancellationToken.None), 100, _time, NullSyncObserver.Instance);
        var progress = new ProgressTracker(_time, plan.Bottles.Count, plan.TotalBytes);
        return await engine.RunAsync(plan, checkpointer, progress, NullSyncObserver.Instance, deadline, CancellationToken.None, learnt);
    }

    [Fact]
    public async Task RunAsync_BottlesOfThePlan_AreStoredWithTheirBytesAndInTheHashFile()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var wget = new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 5000).Build();

        var result = await RunAsync(new FakeRegistry([jq, wget]), Plan(Planned(jq), Planned(wget)));

        Assert.Equal(2, result.Stored.Count);
        Assert.Empty(result.Failed);
        Assert.Empty(result.NotStarted);
        Assert.Equal(8000, result.BytesTransferred);
        Assert.Equal(8000, result.BytesStored);
        Assert.Equal(jq.Bottles[Tag].ToArray(), _store.Objects["2025-07-21/jq-1.7.1.arm64_sonoma.bottle.tar.gz"]);
        var hashFile = (await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(3000, hashFile.Bottles["jq-1.7.1-arm64_sonoma"].FileSize);
        Assert.Equal(wget.Bottles[Tag].Sha256, hashFile.Bottles["wget-1.25.0-arm64_sonoma"].Sha256);
    }

    [Fact]
    public async Task RunAsync_OneBlobUnderTwoKeys_IsFetchedOnceAndCopied()
    {
        var blob = BlobContent.Create(4096, 7);
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, blob).WithBottle("arm64_ventura", blob).Build();
        var registry = new FakeRegistry([jq]);

        var result = await RunAsync(registry, Plan(Planned(jq), Planned(jq, "arm64_ventura")));

        Assert.Equal(2, result.Stored.Count);
        Assert.Equal(1, registry.Opens(blob.Sha256));
        Assert.Equal(4096, result.BytesTransferred);
        Assert.Equal(blob.ToArray(), _store.Objects["2025-07-21/jq-1.7.1.arm64_ventura.bottle.tar.gz"]);
    }

    [Fact]
    public async Task RunAsync_BytesDoNotMatchTheSha256_FailsThatBottleOnly_AndStoresNothingForIt()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var wget = new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 5000).Build();
        var wrong = Planned(jq) with { Sha256 = new string('0', 64) };

        var result = await RunAsync(new FakeRegistry([jq, wget]), Plan(wrong, Planned(wget)));

        var failure = Assert.Single(result.Failed);
        Assert.Equal(FailureKind.ShaMismatch, failure.Kind);
        Assert.StartsWith("SHA mismatch: expected 0000", failure.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong.ObjectKey, _store.Objects.Keys);
        Assert.Equal("wget-1.25.0-arm64_sonoma", Assert.Single(result.Stored).Key);
        Assert.False((await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile.TryGet(wrong.Key, out _));
    }

    [Fact]
    public async Task RunAsync_BlobTheRegistryDoesNotHave_FailsWithNotFound()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();

        var result = await RunAsync(new FakeRegistry([]), Plan(Planned(jq)));

        Assert.Equal(FailureKind.NotFound, Assert.Single(result.Failed).Kind);
        Assert.Empty(result.Stored);
        Assert.Empty(_store.Objects);
    }

    [Fact]
    public async Task RunAsync_BodyLargerThanPlanned_FailsTooLarge_AndStoresNothing()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();

        var result = await RunAsync(new FakeRegistry([jq]), Plan(Planned(jq) with { Size = 2999 }));

        var failure = Assert.Single(result.Failed);
        Assert.Equal(FailureKind.TooLarge, failure.Kind);
        Assert.Contains("its announced size (2,999 bytes)", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(_store.Objects);
    }

    [Fact]
    public async Task RunAsync_ObjectAlreadyVerifiedInTheStore_IsNotDownloadedAgain()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var registry = new FakeRegistry([jq]);
        await RunAsync(registry, Plan(Planned(jq)));

        var again = await RunAsync(registry, Plan(Planned(jq)));

        Assert.Equal(1, registry.Opens(jq.Bottles[Tag].Sha256));
        Assert.Single(again.Stored);
        Assert.Equal(0, again.BytesTransferred);
        Assert.Equal(3000, again.BytesStored);
    }

    [Fact]
    public async Task RunAsync_VerifiedObjectGoneBeforeItsSizeIsRead_IsDownloadedAgain_NotRecordedAtSizeZero()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var registry = new FakeRegistry([jq]);
        await RunAsync(registry, Plan(Planned(jq)));

        var again = await RunAsync(registry, Plan(Planned(jq)), store: new GoneAfterItsCheck(_store));

        Assert.Equal(2, registry.Opens(jq.Bottles[Tag].Sha256));
        Assert.Single(again.Stored);
        Assert.Equal(3000, (await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Bottles[jq.Key(Tag)].FileSize);
        Assert.Equal(jq.Bottles[Tag].ToArray(), _store.Objects[Planned(jq).ObjectKey]);
    }

    [Fact]
    public async Task RunAsync_ALibrarysOwnTimeout_FailsThatBottleOnly()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var wget = new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 5000).Build();

        var result = await RunAsync(new FakeRegistry([jq, wget]), Plan(Planned(jq), Planned(wget)), store: new SdkTimesOut(_store, Planned(jq).ObjectKey));

        var failure = Assert.Single(result.Failed);
        Assert.Equal((jq.Key(Tag), FailureKind.Timeout), (failure.Bottle.Key, failure.Kind));
        Assert.StartsWith("timed out: The request was canceled due to the configured HttpClient.Timeout", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(wget.Key(Tag), Assert.Single(result.Stored).Key);
    }

    /// <summary>A store whose client gives up on one key the way the AWS SDK's HttpClient does: a TaskCanceledException no caller asked for.</summary>
    private sealed class SdkTimesOut(InMemoryStore inner, string key) : DelegatingBottleStore(inner)
    {
        public override Task<IStagedBottle> StageAsync(string stagedKey, long? expectedSize, CancellationToken cancellationToken) => stagedKey == key
            ? throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException())
            : base.StageAsync(stagedKey, expectedSize, cancellationToken);
    }

    [Fact]
    public async Task RunAsync_FailsForItsOwnReason_AfterTheLeaseRanOut_ReportsThatReason_NotTheLease()
    {
        // wget (the larger, so the first) is stored and waits for the next checkpoint; then jq's staging breaks.
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var wget = new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 5000).Build();
        var leases = new StoreLeases(_store, new StoreCoordinator(_store, _time, TimeSpan.FromMinutes(2), "memory://store"), null);
        var store = new BreaksAfterASleep(_store, _time, Planned(jq).ObjectKey);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => leases.UnderLeaseAsync(LeaseMode.Shared, "sync", NullSyncObserver.Instance,
            _ => RunAsync(new FakeRegistry([jq, wget]), Plan(Planned(jq), Planned(wget)), new SyncSettings { MaxConcurrentDownloads = 1 }, store: store), CancellationToken.None));

        Assert.Equal("the store broke", ex.Message);
        // The lease had run out: the last checkpoint wrote nothing (and was not what got reported).
        Assert.Null(await _store.ReadHashFileAsync(CancellationToken.None));
    }

    /// <summary>A store that fails in a way no bottle's failure covers, on a machine that slept past the lease just before.</summary>
    private sealed class BreaksAfterASleep(InMemoryStore inner, FakeTimeProvider time, string key) : DelegatingBottleStore(inner)
    {
        public override Task<IStagedBottle> StageAsync(string stagedKey, long? expectedSize, CancellationToken cancellationToken)
        {
            if (stagedKey != key)
            {
                return base.StageAsync(stagedKey, expectedSize, cancellationToken);
            }
            time.AdjustTime(time.GetUtcNow() + TimeSpan.FromHours(1));
            throw new InvalidOperationException("the store broke");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task RunAsync_CommitRefusedWithNothingAtTheKey_IsMadeAgainAPauseLater_AndTheBottleStored(int refusals)
    {
        // What S3 answers (409) when another write or a delete of the key races a write made only where nothing is.
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var store = new RefusesCommits(_store, refusals);

        var result = await AdvancingWhileAsync(RunAsync(new FakeRegistry([jq]), Plan(Planned(jq)), store: store));

        Assert.Empty(result.Failed);
        Assert.Single(result.Stored);
        Assert.Equal(refusals + 1, store.Commits);
        Assert.Equal(jq.Bottles[Tag].ToArray(), _store.Objects[Planned(jq).ObjectKey]);
        Assert.Equal(jq.Bottles[Tag].Sha256, (await _store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Bottles[jq.Key(Tag)].Sha256);
    }

    [Fact]
    public async Task RunAsync_CommitRefusedEveryTimeWithNothingAtTheKey_FailsThatBottleAsStorage_NotAsKept()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var wget = new FormulaBuilder("wget").WithVersion("1.25.0").WithBottle(Tag, 5000).Build();
        var store = new RefusesCommits(_store, int.MaxValue, Planned(jq).ObjectKey);

        var result = await AdvancingWhileAsync(RunAsync(new FakeRegistry([jq, wget]), Plan(Planned(jq), Planned(wget)), store: store));

        var failure = Assert.Single(result.Failed);
        Assert.Equal((jq.Key(Tag), FailureKind.Storage), (failure.Bottle.Key, failure.Kind));
        Assert.Contains($"refused {Planned(jq).ObjectKey} {TransferEngine.CommitAttempts} times with nothing there", failure.Reason, StringComparison.Ordinal);
        Assert.Equal(TransferEngine.CommitAttempts, store.Commits);
        Assert.False(_store.Objects.ContainsKey(Planned(jq).ObjectKey));
        Assert.Equal(wget.Key(Tag), Assert.Single(result.Stored).Key);
    }

    /// <summary>Moves the fake clock on a pause at a time until <paramref name="run"/> ends: each wait the run sets passes, whenever it is set.</summary>
    private async Task<T> AdvancingWhileAsync<T>(Task<T> run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!run.IsCompleted)
        {
            _time.Advance(TransferEngine.CommitRetryPause);
            await Task.Delay(5, limit.Token);
        }
        return await run;
    }

    /// <summary>A store that refuses the first <c>times</c> commits (of <c>key</c>, or of any key) with nothing written: a racing write's answer.</summary>
    private sealed class RefusesCommits(InMemoryStore inner, int times, string? key = null) : DelegatingBottleStore(inner)
    {
        private int _commits;

        public int Commits => Volatile.Read(ref _commits);

        public override async Task<IStagedBottle> StageAsync(string stagedKey, long? expectedSize, CancellationToken cancellationToken)
        {
            var staged = await base.StageAsync(stagedKey, expectedSize, cancellationToken);
            return key is null || stagedKey == key ? new Refusing(staged, this) : staged;
        }

        private sealed class Refusing(IStagedBottle inner, RefusesCommits owner) : IStagedBottle
        {
            public Stream Content => inner.Content;

            public Task ResetAsync(CancellationToken cancellationToken) => inner.ResetAsync(cancellationToken);

            public Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref owner._commits) <= owner.Times ? Task.FromResult(false) : inner.CommitAsync(metadata, replace, cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private int Times => times;
    }

    /// <summary>A store whose object is removed (by hand, say) right after the check that it holds the right bytes.</summary>
    private sealed class GoneAfterItsCheck(InMemoryStore inner) : DelegatingBottleStore(inner)
    {
        public override async Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken)
        {
            var held = await base.HoldsVerifiedAsync(key, sha256, cancellationToken);
            await inner.DeleteAsync(key, cancellationToken);
            return held;
        }
    }

    [Fact]
    public async Task RunAsync_ABodyThatBringsLessThanTheLeastInAWindow_FailsThatBottleThen_NotAtTheAttemptsTimeout()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 100_000).Build();
        var stalling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first read brings one byte short of the least; the next never comes.
        var registry = new Trickling(new FakeRegistry([jq]), TransferEngine.StallBytes - 1, async (read, ct) =>
        {
            if (read > 0)
            {
                stalling.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
        });
        var run = RunAsync(registry, Plan(Planned(jq)), new SyncSettings { RetryAttempts = 0 });

        await stalling.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _time.Advance(TransferEngine.StallWindow);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));

        var failure = Assert.Single(result.Failed);
        Assert.Equal(FailureKind.Network, failure.Kind);
        Assert.StartsWith($"connection stalled after {TransferEngine.StallBytes - 1:N0} bytes: less than 16 KiB in 60 s", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(_store.Objects);
    }

    [Fact]
    public async Task RunAsync_ABodySlowButBringingTheLeastInEachWindow_IsStored()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 6 * TransferEngine.StallBytes).Build();
        // Each read brings the least, just before its window ends (the end of the body too): seven windows in all, past no stall.
        var registry = new Trickling(new FakeRegistry([jq]), TransferEngine.StallBytes, (_, _) =>
        {
            _time.Advance(TransferEngine.StallWindow - TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        });

        var result = await RunAsync(registry, Plan(Planned(jq)), new SyncSettings { RetryAttempts = 0, DownloadTimeout = TimeSpan.FromHours(1) }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(result.Failed);
        Assert.Equal(jq.Bottles[Tag].ToArray(), _store.Objects["2025-07-21/jq-1.7.1.arm64_sonoma.bottle.tar.gz"]);
    }

    /// <summary>A registry whose bodies bring at most <paramref name="chunk"/> bytes a read, each read after <paramref name="beforeRead"/> (given its number).</summary>
    private sealed class Trickling(FakeRegistry inner, int chunk, Func<int, CancellationToken, Task> beforeRead) : IBottleRegistry
    {
        public async Task<BlobDownload> OpenBlobAsync(Uri blobUrl, CancellationToken cancellationToken)
        {
            var blob = await inner.OpenBlobAsync(blobUrl, cancellationToken);
            return new BlobDownload(new Body(blob.Body, chunk, beforeRead), blob.Length);
        }

        public Task<byte[]> GetImageIndexAsync(Uri imageBase, string reference, CancellationToken cancellationToken) => inner.GetImageIndexAsync(imageBase, reference, cancellationToken);

        public Task<IReadOnlyList<string>> GetTagsAsync(Uri imageBase, CancellationToken cancellationToken) => inner.GetTagsAsync(imageBase, cancellationToken);

        public Task<long?> GetBlobSizeAsync(Uri blobUrl, CancellationToken cancellationToken) => inner.GetBlobSizeAsync(blobUrl, cancellationToken);

        private sealed class Body(Stream inner, int chunk, Func<int, CancellationToken, Task> beforeRead) : ReadOnlyStream(inner)
        {
            private int _reads;

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                await beforeRead(_reads++, cancellationToken);
                return await Inner.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
            }
        }
    }

    [Fact]
    public async Task RunAsync_ForcedPlan_DownloadsWhatTheStoreHolds()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var registry = new FakeRegistry([jq]);
        await RunAsync(registry, Plan(Planned(jq)));

        var forced = await RunAsync(registry, Plan(Planned(jq)) with { Force = true });

        Assert.Equal(2, registry.Opens(jq.Bottles[Tag].Sha256));
        Assert.Equal(3000, forced.BytesTransferred);
    }

    [Fact]
    public async Task RunAsync_CopyFromHoldsTheBytes_RenamesInTheStoreInsteadOfDownloading()
    {
        var jq = new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle(Tag, 3000).Build();
        var registry = new FakeRegistry([jq]);
        await RunAsync(registry, Plan(Planned(jq)));
        var renamed = Planned(jq) with { ObjectKey = "2025-07-28/jq-1.7.1.arm64_sonoma.bottle.tar.gz", CopyFrom = Planned(jq).ObjectKey };

        var result = await RunAsync(registry, Plan(renamed));

        Assert.Single(result.Stored);
        Assert.Equal(1, registry.Opens(jq.Bottles[Tag].Sha256));
        Assert.Equal(jq.Bottles[Tag].ToArray(), _store.Objects[renamed.ObjectKey]);
    }

    [Fact]
    public async Task RunAsync_DeadlineTooCloseForAnotherBottle_StartsOnlyTheFirst_AndLeavesTheRestNotStarted()
    {
        var formulae = Enumerable.Range(0, 3).Select(i => new FormulaBuilder($"tool{i}").WithVersion("1.0").WithBottle(Tag, 1000 + i).Build()).ToArray();
        var settings = new SyncSettings { MaxConcurrentDownloads = 1 };

        var result = await RunAsync(new FakeRegistry(formulae), Plan([.. formulae.Select(f => Planned(f))]), settings, _time.GetUtcNow() + TimeSpan.FromMinutes(1));

        Assert.Single(result.Stored);
        Assert.Equal(2, result.NotStarted.Count);
        Assert.Empty(result.Failed);
    }

    [Fact]
    public async Task RunAsync_SizesInThePlan_StartsTheLargestFirst_ThenThoseOfUnknownSizeInThePlansOrder()
    {
        var (small, unknownA, large, unknownB, middle) = (Tool("small", 3000), Tool("unknown-a", 100), Tool("large", 9000), Tool("unknown-b", 200), Tool("middle", 5000));
        var registry = new FakeRegistry([small, unknownA, large, unknownB, middle]);
        var opened = new List<string>();
        registry.OnOpen = opened.Add;

        var result = await RunAsync(registry, Plan(Planned(small), Planned(unknownA) with { Size = null }, Planned(large), Planned(unknownB) with { Size = null }, Planned(middle)),
            new SyncSettings { MaxConcurrentDownloads = 1 });

        Assert.Equal(5, result.Stored.Count);
        Assert.Equal([large, middle, small, unknownA, unknownB], opened.Select(sha => Of(sha, small, unknownA, large, unknownB, middle)));
    }

    [Fact]
    public async Task RunAsync_SizeLearntWhileTransferring_StartsThatBlobBeforeThoseStillOfUnknownSize_AndEachOnce()
    {
        var tools = Enumerable.Range(0, 4).Select(i => Tool($"tool{i}", 1000 + i)).ToArray();
        var registry = new FakeRegistry(tools);
        var learnt = new LearntSizes();
        var opened = new List<string>();
        registry.OnOpen = sha =>
        {
            opened.Add(sha);
            if (opened.Count == 1)
            {
                // Sizing, beside the transfer, learns the last one's size while the first downloads.
                learnt.Learn(tools[3].Bottles[Tag].Sha256, 1003);
            }
        };

        var result = await RunAsync(registry, Plan([.. tools.Select(t => Planned(t) with { Size = null })]), new SyncSettings { MaxConcurrentDownloads = 1 }, learnt: learnt);

        Assert.Equal(4, result.Stored.Count);
        Assert.Equal([tools[0], tools[3], tools[1], tools[2]], opened.Select(sha => Of(sha, tools)));
    }

    [Fact]
    public async Task RunAsync_BottlesStillBeingMovedIntoPlace_HoldNoDownloadSlot_AndDownloadsStayWithinTheCap()
    {
        // Four slots (and one bottle beside them): the four largest are downloaded first, then held as they are moved into
        // place (a slow disk).
        var tools = Enumerable.Range(0, 7).Select(i => Tool($"tool{i}", 7000 - i)).ToArray();
        var registry = new FakeRegistry(tools);
        var store = new SlowToCommit(_store, [.. tools.Take(4).Select(t => Planned(t).ObjectKey)], others: 3);

        var running = RunAsync(registry, Plan([.. tools.Select(t => Planned(t))]), new SyncSettings { MaxConcurrentDownloads = 4 }, store: store);

        // The other three are downloaded and stored while the first four still wait on the disk.
        await Task.WhenAll(store.OthersCommitted.Task, store.AllHeld.Task).WaitAsync(TimeSpan.FromSeconds(30));
        store.Release.SetResult();
        var result = await running;
        Assert.Equal(7, result.Stored.Count);
    }

    [Fact]
    public async Task RunAsync_DownloadsInFlight_NeverExceedTheCap_ThoughMoreBottlesAreInHand()
    {
        // Four slots and one bottle beside them: five workers, of which only four may download.
        var tools = Enumerable.Range(0, 7).Select(i => Tool($"tool{i}", 7000 - i)).ToArray();
        var registry = new FakeRegistry(tools) { HoldOpens = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var four = registry.WhenOpenAtOnce(4);

        var running = RunAsync(registry, Plan([.. tools.Select(t => Planned(t))]), new SyncSettings { MaxConcurrentDownloads = 4 });

        await four.WaitAsync(TimeSpan.FromSeconds(30));
        // The fifth worker, were it let through, would open a fifth blob now: give it the chance before the four go on.
        await Task.Delay(200);
        registry.HoldOpens.SetResult();
        var result = await running;
        Assert.Equal(7, result.Stored.Count);
        Assert.Equal(4, registry.MostOpenAtOnce);
    }

    [Fact]
    public async Task RunAsync_RaisesThePoolsMinimumToTheBottlesInHand_SoBlockingFileWorkDoesNotHoldUpTheDownloads()
    {
        var jq = Tool("jq", 3000);

        await RunAsync(new FakeRegistry([jq]), Plan(Planned(jq)), new SyncSettings { MaxConcurrentDownloads = 64 });

        // 64 downloads and 16 beside them (no other test asks for as many).
        ThreadPool.GetMinThreads(out var workers, out _);
        Assert.True(workers >= 80, $"the pool's minimum is {workers}");
    }

    /// <summary>A store whose moves into place of the given keys wait for <see cref="Release"/>; the rest are counted as they complete.</summary>
    private sealed class SlowToCommit(InMemoryStore inner, string[] held, int others) : DelegatingBottleStore(inner)
    {
        private readonly string[] _held = held;
        private readonly int _others = others;
        private int _waiting;
        private int _committed;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource OthersCommitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource AllHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken) =>
            new Staged(this, key, await base.StageAsync(key, expectedSize, cancellationToken));

        private sealed class Staged(SlowToCommit owner, string key, IStagedBottle staged) : IStagedBottle
        {
            public Stream Content => staged.Content;

            public Task ResetAsync(CancellationToken cancellationToken) => staged.ResetAsync(cancellationToken);

            public async Task<bool> CommitAsync(BottleMetadata metadata, bool replace, CancellationToken cancellationToken)
            {
                if (owner._held.Contains(key))
                {
                    if (Interlocked.Increment(ref owner._waiting) == owner._held.Length)
                    {
                        owner.AllHeld.SetResult();
                    }
                    await owner.Release.Task.WaitAsync(cancellationToken);
                }
                var committed = await staged.CommitAsync(metadata, replace, cancellationToken);
                if (!owner._held.Contains(key) && Interlocked.Increment(ref owner._committed) == owner._others)
                {
                    owner.OthersCommitted.SetResult();
                }
                return committed;
            }

            public ValueTask DisposeAsync() => staged.DisposeAsync();
        }
    }

    private static FakeFormula Tool(string name, long size) => new FormulaBuilder(name).WithVersion("1.0").WithBottle(Tag, size).Build();

    private static FakeFormula Of(string sha256, params FakeFormula[] formulae) => formulae.Single(f => f.Bottles[Tag].Sha256 == sha256);

    [Theory]
    [InlineData("https://formulae.brew.sh/api/formula.json", "https://formulae.brew.sh/api/formula/jq.json")]
    [InlineData("https://mirror.example/api/formula.json?token=x", "https://mirror.example/api/formula/jq.json")]
    [InlineData("https://mirror.example/catalog", "https://mirror.example/catalog")]
    public void FormulaApiUrl_CatalogUrl_NamesTheFormulaFileBesideIt(string catalog, string expected)
    {
        Assert.Equal(expected, TransferEngine.FormulaApiUrl(new Uri(catalog), "jq"));
    }
}
