using HomebrewSync.Adapters.Files;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Files;

public sealed class LocalFolderStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hbs-store-" + Guid.NewGuid().ToString("N"));
    private static readonly DateTimeOffset Start = new(2025, 7, 21, 3, 0, 0, TimeSpan.Zero);
    private static readonly BottleMetadata Meta = new("curl", "1", "monterey", new DateOnly(2025, 7, 21), new string('a', 64), "1.0.0", "u");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    [Fact]
    public void TryCreateLeaseAsync_ManyAtOnce_ExactlyOneGetsIt()
    {
        // Two prunes (or rebuilds) starting together must not both hold the exclusive lease: a check for the file, then a
        // rename over it, let both in when they interleaved.
        for (var round = 0; round < 100; round++)
        {
            var store = new LocalFolderStore(Path.Combine(_root, $"round-{round}"), TimeProvider.System);
            const string key = "leases/exclusive.json";
            // Threads of their own, released together: as two processes would be.
            using var start = new ManualResetEventSlim();
            var results = new string?[8];
            var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
            {
                start.Wait();
                results[i] = store.Leases.TryCreateLeaseAsync(key, [(byte)i], CancellationToken.None).GetAwaiter().GetResult();
            })).ToArray();
            foreach (var t in threads)
            {
                t.Start();
            }
            start.Set();
            foreach (var t in threads)
            {
                t.Join();
            }

            var won = results.Count(v => v is not null);

            Assert.True(won == 1, $"round {round}: {won} creators got the lease");
        }
    }

    [Fact]
    public async Task DeleteLeaseAsync_RemovesTheLeaseOnlyAtTheVersionGiven()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);

        Assert.Equal(LeaseDeletes.Expected, await LeaseDeletes.WalkAsync(store.Leases, "leases/exclusive.json"));
    }

    [Theory]
    [InlineData("../outside.tar.gz")]
    [InlineData("2025-07-21/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    public async Task StageAsync_KeyOutsideTheStore_IsRefused(string key)
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);

        await Assert.ThrowsAsync<ArgumentException>(() => store.StageAsync(key, null, CancellationToken.None));
    }

    [Fact]
    public async Task StagedBottle_IsInvisibleUntilCommitted_AndGoneIfDisposedWithoutCommit()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        await store.PrepareAsync(CancellationToken.None);
        await using (var staged = await store.StageAsync("2025-07-21/a.tar.gz", 3, CancellationToken.None))
        {
            await staged.Content.WriteAsync(new byte[] { 1, 2, 3 });
            Assert.Null(await store.GetAsync("2025-07-21/a.tar.gz", CancellationToken.None));
        }
        Assert.Null(await store.GetAsync("2025-07-21/a.tar.gz", CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".staging")));

        await using (var staged = await store.StageAsync("2025-07-21/a.tar.gz", 3, CancellationToken.None))
        {
            await staged.Content.WriteAsync(new byte[] { 9, 9 });
            await staged.ResetAsync(CancellationToken.None);
            await staged.Content.WriteAsync(new byte[] { 1, 2, 3 });
            await staged.CommitAsync(Meta, replace: true, CancellationToken.None);
        }
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(_root, "2025-07-21", "a.tar.gz")));
    }

    [Fact]
    public async Task WriteManifestAsync_StaleVersion_ThrowsConflictAndKeepsTheNewerFile()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        var first = await store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None);
        var m = new HashFile();
        m.Set("k-1-monterey", new HashEntry(new string('a', 64), new DateOnly(2025, 7, 21), 1, "k", "1", "monterey", "u", "2025-07-21/k-1.monterey.bottle.tar.gz"));
        var second = await store.WriteHashFileAsync(m, first, CancellationToken.None);

        await Assert.ThrowsAsync<HashFileConflictException>(() => store.WriteHashFileAsync(new HashFile(), first, CancellationToken.None));
        await Assert.ThrowsAsync<HashFileConflictException>(() => store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None));

        var read = await store.ReadHashFileAsync(CancellationToken.None);
        Assert.Equal(second, read!.Version);
        Assert.True(read.HashFile.TryGet("k-1-monterey", out _));
    }

    /// <summary>Holds the store's hash-file lock as another writer would (an exclusive open of the lock file).</summary>
    private FileStream HoldLock()
    {
        Directory.CreateDirectory(_root);
        return new FileStream(Path.Combine(_root, ".bottles_hash.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
    }

    [Fact]
    public async Task WriteManifestAsync_LockHeldByAnotherWriter_RetriesOnTheInjectedClock_AndWritesOnceItIsReleased()
    {
        var time = new SteppingTimeProvider(Start);
        var store = new LocalFolderStore(_root, time);
        var holder = HoldLock();

        var write = store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None);
        // Refused, it waits on the injected clock: nothing happens until the clock moves, however long that takes.
        await time.WaitsSetAsync(1);
        Assert.False(write.IsCompleted);
        time.AdvanceToNextTimer();
        await time.WaitsSetAsync(2);
        Assert.False(write.IsCompleted);
        Assert.False(File.Exists(Path.Combine(_root, "bottles_hash.json")));
        await holder.DisposeAsync();
        var version = await time.RunAsync(write);

        Assert.Equal(version, (await store.ReadHashFileAsync(CancellationToken.None))!.Version);
        // Two refusals, two short waits, then the write: the clock moved by those waits and nothing else.
        Assert.Equal(2, time.Waits.Count);
        Assert.All(time.Waits, w => Assert.InRange(w, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(100)));
        Assert.Equal(Start + time.Waits[0] + time.Waits[1], time.GetUtcNow());
    }

    [Fact]
    public async Task WriteManifestAsync_LockNeverReleased_GivesUpOnTheInjectedClock_NamingTheLock()
    {
        var time = new SteppingTimeProvider(Start);
        var store = new LocalFolderStore(_root, time);
        await using var holder = HoldLock();

        var ex = await Assert.ThrowsAsync<IOException>(() => time.RunAsync(store.WriteHashFileAsync(new HashFile(), null, CancellationToken.None)));

        Assert.StartsWith($"The hash-file lock {Path.Combine(_root, ".bottles_hash.lock")} was still held by another process after 201 attempts over about 5 s", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(ex.InnerException);
        Assert.Equal(200, time.Waits.Count);
        Assert.Equal(Start + time.Waits.Aggregate(TimeSpan.Zero, (a, b) => a + b), time.GetUtcNow());
        Assert.False(File.Exists(Path.Combine(_root, "bottles_hash.json")));
    }

    [Fact]
    public async Task PrepareAsync_StoreUnderAFile_ThrowsStoreAccessException()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "plain-file");
        await File.WriteAllTextAsync(file, "x");

        await Assert.ThrowsAsync<StoreAccessException>(() => new LocalFolderStore(Path.Combine(file, "mirror"), TimeProvider.System).PrepareAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CopyAsync_CopiesTheBytes_AndANamedPipeAsTheSourceIsRefusedWithoutWaitingOnIt()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        Directory.CreateDirectory(Path.Combine(_root, "2025-07-21"));
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(_root, "2025-07-21/curl-1.arm64_sonoma.bottle.tar.gz"), bytes);
        await HomebrewSync.TestSupport.NamedPipe.CreateAsync(Path.Combine(_root, "2025-07-21/jq-1.arm64_sonoma.bottle.tar.gz"));

        await store.CopyAsync("2025-07-21/curl-1.arm64_sonoma.bottle.tar.gz", "2025-07-21/curl-1.monterey.bottle.tar.gz", Meta, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<UnsafeStoreKeyException>(() =>
            store.CopyAsync("2025-07-21/jq-1.arm64_sonoma.bottle.tar.gz", "2025-07-21/jq-1.monterey.bottle.tar.gz", Meta, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_root, "2025-07-21/curl-1.monterey.bottle.tar.gz")));
        Assert.Contains("is not a regular file (a named pipe, a socket or a device)", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "2025-07-21/jq-1.monterey.bottle.tar.gz")));
    }
}
