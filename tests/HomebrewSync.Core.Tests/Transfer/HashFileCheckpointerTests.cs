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
}
