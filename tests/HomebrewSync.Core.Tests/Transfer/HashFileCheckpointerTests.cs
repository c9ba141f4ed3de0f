using HomebrewSync.Contracts;
using HomebrewSync.Core.Storage;
using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Pipeline;
using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

public sealed class HashFileCheckpointerTests
{
    /// <summary>A stored bottle as the transfer records it: added, then the hash file written if a batch is due.</summary>
    private static async Task AddAsync(HashFileCheckpointer checkpointer, string key, HashEntry entry, CancellationToken cancellationToken)
    {
        checkpointer.Add(key, entry);
        await checkpointer.WriteIfDueAsync(cancellationToken);
    }

    private static HashEntry Entry(string key) => new(new string('a', 64), new DateOnly(2025, 7, 21), 10, key, "1", "monterey", "u", $"2025-07-21/{key}-1.monterey.bottle.tar.gz");

    [Fact]
    public async Task AddAsync_WritesEveryBatchSizeEntries_AndFlushWritesTheRest()
    {
        var store = new InMemoryStore();
        var checkpointer = new HashFileCheckpointer(store, null, batchSize: 3, new FakeTimeProvider(), NullSyncObserver.Instance);

        for (var i = 0; i < 7; i++)
        {
            await AddAsync(checkpointer, $"k{i}-1-monterey", Entry($"k{i}"), CancellationToken.None);
        }
        Assert.Equal(2, store.HashFileWrites);
        Assert.Equal(6, (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Count);

        await checkpointer.FlushAsync(CancellationToken.None);

        Assert.Equal(3, store.HashFileWrites);
        Assert.Equal(7, (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Count);
    }

    [Fact]
    public async Task AddAsync_WhileABatchIsBeingWritten_DoesNotWaitForThatWrite_AndTheWriterWritesItNext()
    {
        var store = new InMemoryStore();
        var held = new HeldWrites(store);
        var checkpointer = new HashFileCheckpointer(held, null, batchSize: 1, new FakeTimeProvider(), NullSyncObserver.Instance);
        var first = AddAsync(checkpointer, "k0-1-monterey", Entry("k0"), CancellationToken.None);
        Assert.False(first.IsCompleted);

        // Stored while the batch before it is being written: recorded, not queued behind that write.
        var second = AddAsync(checkpointer, "k1-1-monterey", Entry("k1"), CancellationToken.None);

        Assert.True(second.IsCompletedSuccessfully);
        held.Release.SetResult();
        await first;
        // The first bottle's write, then the next batch (the second bottle's), written by the same caller: none is left waiting for a later bottle.
        Assert.Equal(["k0-1-monterey", "k1-1-monterey"], (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Bottles.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, store.HashFileWrites);
    }

    /// <summary>A hash-file store whose writes wait for <see cref="Release"/> (a slow store).</summary>
    private sealed class HeldWrites(InMemoryStore inner) : IHashFileStore
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string HashFileLocation => inner.HashFileLocation;
        public Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken) => inner.ReadHashFileAsync(cancellationToken);
        public Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken) => inner.BackupHashFileAsync(stamp, cancellationToken);

        public async Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            return await inner.WriteHashFileAsync(hashFile, expectedVersion, cancellationToken);
        }
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterGotThereFirst_KeepsBothWritersEntries()
    {
        var store = new InMemoryStore();
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var ours = new HashFileCheckpointer(store, null, batchSize: 100, time, NullSyncObserver.Instance);
        await AddAsync(ours, "ours-1-monterey", Entry("ours"), CancellationToken.None);
        store.BeforeHashFileWrite = () =>
        {
            var theirs = new HashFile();
            theirs.Set("theirs-1-monterey", Entry("theirs"));
            store.WriteHashFileAsync(theirs, null, CancellationToken.None).GetAwaiter().GetResult();
        };

        // The conflict is retried after a jittered backoff, waited out on the fake clock.
        await time.RunAsync(ours.FlushAsync(CancellationToken.None));

        var final = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(["ours-1-monterey", "theirs-1-monterey"], final.Bottles.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, store.HashFileWrites);
        Assert.Equal(1, ours.Conflicts);
        Assert.InRange(Assert.Single(time.Waits), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(30));
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterRemovedAnEntryThisRunWroteEarlier_DoesNotLayItBack()
    {
        var store = new InMemoryStore();
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var ours = new HashFileCheckpointer(store, null, batchSize: 100, time, NullSyncObserver.Instance);
        await AddAsync(ours, "early-1-monterey", Entry("early"), CancellationToken.None);
        await ours.FlushAsync(CancellationToken.None);
        // A prune judges "early" superseded: it writes the hash file without it, then deletes its object.
        var read = (await store.ReadHashFileAsync(CancellationToken.None))!;
        var pruned = read.HashFile.Clone();
        pruned.Remove("early-1-monterey");
        await store.WriteHashFileAsync(pruned, read.Version, CancellationToken.None);

        await AddAsync(ours, "late-1-monterey", Entry("late"), CancellationToken.None);
        await time.RunAsync(ours.FlushAsync(CancellationToken.None));

        var final = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(1, ours.Conflicts);
        Assert.Equal(["late-1-monterey"], final.Bottles.Keys);
    }

    [Fact]
    public async Task FlushAsync_UnderALeaseThatRanOut_WritesNothing_NotEvenWhatWasStored()
    {
        var store = new InMemoryStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var leases = new StoreLeases(store, new StoreCoordinator(store, time, TimeSpan.FromMinutes(2), "memory://store"), null);
        var checkpointer = new HashFileCheckpointer(store, null, batchSize: 100, time, NullSyncObserver.Instance);

        var lost = await Assert.ThrowsAsync<StoreLeaseLostException>(() => leases.UnderLeaseAsync(LeaseMode.Shared, "sync", NullSyncObserver.Instance, async ct =>
        {
            await AddAsync(checkpointer, "stored-1-monterey", Entry("stored"), ct);
            // The machine slept past the lease's end (the wall clock moved on, the lease's beat did not), and a prune may
            // have run meanwhile: the run's last checkpoint (the transfer's finally, which ignores the run's token) must not go out.
            time.AdjustTime(time.GetUtcNow() + TimeSpan.FromHours(1));
            await checkpointer.FlushAsync(CancellationToken.None);
            return 0;
        }, CancellationToken.None));

        Assert.Null(await store.ReadHashFileAsync(CancellationToken.None));
        Assert.Equal(0, store.HashFileWrites);
        Assert.StartsWith("Stopped before writing the hash file: the lease leases/shared-", lost.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_OfAKeyNotListed_IsNotAppliedLater_WhenAnotherWriterListsIt()
    {
        var store = new InMemoryStore();
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var ours = new HashFileCheckpointer(store, null, batchSize: 100, time, NullSyncObserver.Instance);
        ours.Remove(["retired-1-monterey"]);
        await AddAsync(ours, "first-1-monterey", Entry("first"), CancellationToken.None);
        await ours.FlushAsync(CancellationToken.None);
        // Another run lists that key afterwards: its entry now.
        var read = (await store.ReadHashFileAsync(CancellationToken.None))!;
        var theirs = read.HashFile.Clone();
        theirs.Set("retired-1-monterey", Entry("retired"));
        await store.WriteHashFileAsync(theirs, read.Version, CancellationToken.None);

        await AddAsync(ours, "second-1-monterey", Entry("second"), CancellationToken.None);
        // Its write meets theirs (a conflict, waited out on the fake clock), and is laid over it; the next sees their entry.
        await time.RunAsync(ours.FlushAsync(CancellationToken.None));
        await AddAsync(ours, "third-1-monterey", Entry("third"), CancellationToken.None);
        await ours.FlushAsync(CancellationToken.None);

        var final = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.True(final.TryGet("retired-1-monterey", out _));
        Assert.Equal(4, final.Count);
    }

    /// <summary>foo 1.0's bottle for monterey as stored on <paramref name="day"/> of July 2025 with <paramref name="rebuild"/>, of bytes <paramref name="fill"/>.</summary>
    private static HashEntry Foo(int day, int rebuild, char fill)
    {
        var date = new DateOnly(2025, 7, day);
        return new(new string(fill, 64), date, 10, "foo", "1.0", "monterey", "u", $"{date:yyyy-MM-dd}/foo-1.0.monterey.bottle{(rebuild > 0 ? $".{rebuild}" : "")}.tar.gz");
    }

    /// <summary>
    /// This run stores <paramref name="ours"/> for foo-1.0-monterey, listed as <paramref name="seen"/> when it read the file (or not at
    /// all); another writer lists <paramref name="theirs"/> for it first: the file as the merged write leaves it, and what was said.
    /// </summary>
    private static async Task<(HashEntry Listed, IReadOnlyList<string> Said)> MergeAsync(HashEntry? seen, HashEntry ours, HashEntry theirs)
    {
        var store = new InMemoryStore();
        if (seen is not null)
        {
            var first = new HashFile();
            first.Set("foo-1.0-monterey", seen);
            await store.WriteHashFileAsync(first, null, CancellationToken.None);
        }
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 22, 3, 0, 0, TimeSpan.Zero));
        var said = new SaidObserver();
        var checkpointer = new HashFileCheckpointer(store, await store.ReadHashFileAsync(CancellationToken.None), batchSize: 100, time, said);
        checkpointer.Add("foo-1.0-monterey", ours);
        store.BeforeHashFileWrite = () =>
        {
            var read = store.ReadHashFileAsync(CancellationToken.None).GetAwaiter().GetResult();
            var other = read?.HashFile.Clone() ?? new HashFile();
            other.Set("foo-1.0-monterey", theirs);
            store.WriteHashFileAsync(other, read?.Version, CancellationToken.None).GetAwaiter().GetResult();
        };

        await time.RunAsync(checkpointer.FlushAsync(CancellationToken.None));

        Assert.Equal(1, checkpointer.Conflicts);
        var final = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(final.Bottles["foo-1.0-monterey"], checkpointer.HashFile.Bottles["foo-1.0-monterey"]);
        return (final.Bottles["foo-1.0-monterey"], said.Messages);
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterListedAHigherRebuildOfTheSameDayMeanwhile_KeepsTheirs_AndSaysSo()
    {
        // A sync read the catalog before upstream's rebuild; a pull-through read it after, and listed rebuild 1 first.
        var (listed, said) = await MergeAsync(seen: null, ours: Foo(22, 0, 'a'), theirs: Foo(22, 1, 'b'));

        Assert.Equal(Foo(22, 1, 'b'), listed);
        Assert.Equal(
            "warning: foo-1.0-monterey: this run's bottle (2025-07-22/foo-1.0.monterey.bottle.tar.gz, sha256 aaaaaaaaaaaa) is not listed: another writer "
            + "listed a newer one meanwhile (2025-07-22/foo-1.0.monterey.bottle.1.tar.gz, sha256 bbbbbbbbbbbb), which stays",
            Assert.Single(said));
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterListedALaterDatesBottleMeanwhile_KeepsTheirs_EvenOfALowerRebuild()
    {
        // A saved plan of the 21st, run after a pull-through of the 22nd (upstream took the rebuild back).
        var (listed, said) = await MergeAsync(seen: Foo(20, 0, 'c'), ours: Foo(21, 1, 'a'), theirs: Foo(22, 0, 'b'));

        Assert.Equal(Foo(22, 0, 'b'), listed);
        Assert.Single(said);
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterListedAnOlderBottleMeanwhile_ListsThisRunsNewerOne()
    {
        var (sameDay, said) = await MergeAsync(seen: null, ours: Foo(22, 2, 'a'), theirs: Foo(22, 1, 'b'));
        var (laterDay, _) = await MergeAsync(seen: Foo(20, 0, 'c'), ours: Foo(22, 0, 'a'), theirs: Foo(21, 3, 'b'));

        Assert.Equal(Foo(22, 2, 'a'), sameDay);
        Assert.Equal(Foo(22, 0, 'a'), laterDay);
        Assert.Empty(said);
    }

    [Fact]
    public async Task FlushAsync_OverANewerEntryTheRunReadItself_ReplacesItAsPlanned()
    {
        // A run pinned to an earlier date (--date) replaces what it read: only another writer's newer entry is passed over.
        var store = new InMemoryStore();
        var first = new HashFile();
        first.Set("foo-1.0-monterey", Foo(22, 1, 'b'));
        await store.WriteHashFileAsync(first, null, CancellationToken.None);
        var said = new SaidObserver();
        var checkpointer = new HashFileCheckpointer(store, await store.ReadHashFileAsync(CancellationToken.None), batchSize: 100, new FakeTimeProvider(), said);

        checkpointer.Add("foo-1.0-monterey", Foo(20, 0, 'a'));
        await checkpointer.FlushAsync(CancellationToken.None);

        Assert.Equal(Foo(20, 0, 'a'), (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Bottles["foo-1.0-monterey"]);
        Assert.Empty(said.Messages);
    }

    [Fact]
    public async Task Remove_OfAKeyAnotherWriterListedOtherBytesForMeanwhile_LeavesTheirEntry()
    {
        var store = new InMemoryStore();
        var first = new HashFile();
        first.Set("old-1-monterey", Entry("old"));
        first.Set("kept-1-monterey", Entry("kept"));
        await store.WriteHashFileAsync(first, null, CancellationToken.None);
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var ours = new HashFileCheckpointer(store, await store.ReadHashFileAsync(CancellationToken.None), batchSize: 100, time, NullSyncObserver.Instance);
        ours.Remove(["old-1-monterey", "kept-1-monterey"]);
        var relisted = Entry("old") with { Sha256 = new string('b', 64), S3Key = "2025-07-21/old-1.monterey.bottle.1.tar.gz" };
        store.BeforeHashFileWrite = () =>
        {
            var read = store.ReadHashFileAsync(CancellationToken.None).GetAwaiter().GetResult()!;
            var theirs = read.HashFile.Clone();
            theirs.Set("old-1-monterey", relisted);
            store.WriteHashFileAsync(theirs, read.Version, CancellationToken.None).GetAwaiter().GetResult();
        };

        await time.RunAsync(ours.FlushAsync(CancellationToken.None));

        var final = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.Equal(1, ours.Conflicts);
        Assert.Equal(relisted, Assert.Single(final.Bottles).Value);
    }

    /// <summary>Keeps what the run says to the operator (<see cref="ISyncObserver.Info"/>).</summary>
    private sealed class SaidObserver : ISyncObserver
    {
        public List<string> Messages { get; } = [];
        public void BottleStored(PlannedBottle bottle, long bytes, bool alreadyPresent) { }
        public void BottleFailed(BottleFailure failure) { }
        public void Retrying(RetryNotice notice) { }
        public void Checkpointed(int entries, string location) { }
        public void HashFileConflict(string location, int attempt) { }
        public void Info(string message) => Messages.Add(message);
    }
}
