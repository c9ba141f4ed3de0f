using HomebrewSync.Core.Transfer;

namespace HomebrewSync.Core.Tests.Transfer;

public sealed class HashFileCheckpointerTests
{
    private static HashEntry Entry(string key) => new(new string('a', 64), new DateOnly(2025, 7, 21), 10, key, "1", "monterey", "u", $"2025-07-21/{key}-1.monterey.bottle.tar.gz");

    [Fact]
    public async Task AddAsync_WritesEveryBatchSizeEntries_AndFlushWritesTheRest()
    {
        var store = new InMemoryStore();
        var checkpointer = new HashFileCheckpointer(store, null, batchSize: 3, new FakeTimeProvider(), NullSyncObserver.Instance);

        for (var i = 0; i < 7; i++)
        {
            await checkpointer.AddAsync($"k{i}-1-monterey", Entry($"k{i}"), CancellationToken.None);
        }
        Assert.Equal(2, store.HashFileWrites);
        Assert.Equal(6, (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Count);

        await checkpointer.FlushAsync(CancellationToken.None);

        Assert.Equal(3, store.HashFileWrites);
        Assert.Equal(7, (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile.Count);
    }

    [Fact]
    public async Task FlushAsync_AnotherWriterGotThereFirst_KeepsBothWritersEntries()
    {
        var store = new InMemoryStore();
        var time = new SteppingTimeProvider(new DateTimeOffset(2025, 7, 21, 3, 0, 0, TimeSpan.Zero));
        var ours = new HashFileCheckpointer(store, null, batchSize: 100, time, NullSyncObserver.Instance);
        await ours.AddAsync("ours-1-monterey", Entry("ours"), CancellationToken.None);
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
}
