using System.Security.Cryptography;
using HomebrewSync.Adapters.Files;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Tests.Files;

/// <summary>
/// A folder store's staged bottles written straight to disk (O_DIRECT, which this machine's temporary folder, on ext4, takes): the bytes
/// that reach the key are exactly those written, whatever their length against the block, however many bottles are staged at
/// once, and whatever an attempt left before it was reset or discarded. Blocks are pooled and shared between bottles in turn,
/// so a block handed to two bottles at once would mix their bytes: these tests stage many at once, round after round.
/// </summary>
public sealed class DirectWriteStreamTests : IDisposable
{
    private const int Block = DirectWriteStream.BlockSize;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hbs-direct-" + Guid.NewGuid().ToString("N"));
    private static readonly BottleMetadata Meta = new("curl", "1", "monterey", new DateOnly(2025, 7, 21), new string('a', 64), "1.0.0", "u");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    [Fact]
    public async Task StagedBottles_ManyAtOnce_OfEveryLengthAroundTheBlock_EachHoldsExactlyItsOwnBytes()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        await store.PrepareAsync(CancellationToken.None);
        long[] lengths = [0, 1, 4095, 4096, Block - 1, Block, Block + 1, 2 * Block, 3 * Block + 12_345, 5 * Block - 7];
        for (var round = 0; round < 3; round++)
        {
            var bodies = lengths.Select((l, i) => Body(l, seed: round * 100 + i)).ToArray();

            await Parallel.ForEachAsync(bodies.Select((b, i) => (b, i)), new ParallelOptions { MaxDegreeOfParallelism = bodies.Length }, async (x, ct) =>
            {
                await using var staged = await store.StageAsync($"2025-07-21/r{round}-{x.i}.tar.gz", x.b.Length, ct);
                // Past the page cache from a block up; a smaller bottle is written the usual way.
                Assert.IsType(x.b.Length < Block ? typeof(WriteBehindStream) : typeof(DirectWriteStream), staged.Content);
                await WriteInChunksAsync(staged.Content, x.b, seed: x.i, ct);
                Assert.True(await staged.CommitAsync(Meta, replace: false, ct));
            });

            for (var i = 0; i < bodies.Length; i++)
            {
                var stored = await File.ReadAllBytesAsync(Path.Combine(_root, "2025-07-21", $"r{round}-{i}.tar.gz"));
                Assert.True(bodies[i].AsSpan().SequenceEqual(stored), $"round {round}, {bodies[i].Length} bytes: {stored.Length} stored, not the bytes written");
            }
        }
    }

    [Fact]
    public async Task StagedBottle_ResetAfterBlocksWereWritten_HoldsOnlyTheNextAttempt()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        await store.PrepareAsync(CancellationToken.None);
        // The first attempt ends on a block's end, so that block's write has just begun when the attempt is reset; the second
        // is shorter, so that a write of the first landing after the reset would show in the length as well as the bytes.
        var first = Body(3 * Block, seed: 1);
        var second = Body(Block + 3, seed: 2);
        for (var round = 0; round < 20; round++)
        {
            await using (var staged = await store.StageAsync("2025-07-21/a.tar.gz", null, CancellationToken.None))
            {
                await staged.Content.WriteAsync(first, CancellationToken.None);
                await staged.ResetAsync(CancellationToken.None);
                await WriteInChunksAsync(staged.Content, second, seed: round, CancellationToken.None);
                Assert.True(await staged.CommitAsync(Meta, replace: true, CancellationToken.None));
            }

            var stored = await File.ReadAllBytesAsync(Path.Combine(_root, "2025-07-21", "a.tar.gz"));
            Assert.Equal(second.Length, stored.Length);
            Assert.Equal(SHA256.HashData(second), SHA256.HashData(stored));
        }
    }

    [Fact]
    public async Task StagedBottles_DiscardedWhileTheirBlocksWereBeingWritten_LeaveTheNextBottlesIntact()
    {
        var store = new LocalFolderStore(_root, TimeProvider.System);
        await store.PrepareAsync(CancellationToken.None);

        // Abandoned with a block on its way to disk, as an attempt that fails mid-body is: its blocks go back to the pool.
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (i, ct) =>
        {
            await using var staged = await store.StageAsync($"2025-07-21/gone-{i}.tar.gz", null, ct);
            await staged.Content.WriteAsync(Body(3 * Block + 5, seed: 50 + i), ct);
        });
        var bodies = Enumerable.Range(0, 8).Select(i => Body(2 * Block + 999 * i, seed: 70 + i)).ToArray();
        await Parallel.ForEachAsync(bodies.Select((b, i) => (b, i)), async (x, ct) =>
        {
            await using var staged = await store.StageAsync($"2025-07-21/kept-{x.i}.tar.gz", null, ct);
            await WriteInChunksAsync(staged.Content, x.b, seed: x.i, ct);
            Assert.True(await staged.CommitAsync(Meta, replace: false, ct));
        });

        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "2025-07-21"), "gone-*"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".staging")));
        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.Equal(SHA256.HashData(bodies[i]), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_root, "2025-07-21", $"kept-{i}.tar.gz"))));
        }
    }

    private static byte[] Body(long length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>In chunks of uneven lengths (as a socket hands them over), each awaited before the next, as the transfer writes.</summary>
    private static async Task WriteInChunksAsync(Stream content, byte[] body, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        for (var at = 0; at < body.Length;)
        {
            var count = Math.Min(body.Length - at, random.Next(1, 300_000));
            await content.WriteAsync(body.AsMemory(at, count), cancellationToken);
            at += count;
        }
    }
}
