using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Tests.HashFiles;

public sealed class HashFileRebuilderTests
{
    private static async Task PutAsync(InMemoryStore store, string key, string name, string platform, DateOnly date, char sha, bool withMetadata = true)
    {
        await using var staged = await store.StageAsync(key, null, CancellationToken.None);
        await staged.Content.WriteAsync(new byte[] { 1, 2, 3, 4 });
        await staged.CommitAsync(new BottleMetadata(name, "1.0", platform, date, new string(sha, 64), "1.0.0", "u"), replace: true, CancellationToken.None);
        if (!withMetadata)
        {
            store.Metadata.TryRemove(key, out _);
        }
    }

    [Fact]
    public async Task RebuildAsync_KeepsTheNewestCopySkipsObjectsWithoutMetadataAndBacksUpTheOldFile()
    {
        var store = new InMemoryStore();
        store.SetHashFileBytes("not json"u8.ToArray());
        await PutAsync(store, "2025-07-14/a-1.0.monterey.bottle.tar.gz", "a", "monterey", new DateOnly(2025, 7, 14), 'a');
        await PutAsync(store, "2025-07-21/a-1.0.monterey.bottle.tar.gz", "a", "monterey", new DateOnly(2025, 7, 21), 'a');
        await PutAsync(store, "2025-07-21/b-1.0.monterey.bottle.tar.gz", "b", "monterey", new DateOnly(2025, 7, 21), 'b');
        await PutAsync(store, "2025-07-21/c-1.0.monterey.bottle.tar.gz", "c", "monterey", new DateOnly(2025, 7, 21), 'c', withMetadata: false);

        var report = await HashFileRebuilder.RebuildAsync(store, store, new FakeTimeProvider(new DateTimeOffset(2025, 7, 22, 1, 2, 3, TimeSpan.Zero)), 2, CancellationToken.None);

        Assert.Equal(2, report.Entries);
        Assert.Equal(1, report.ObjectsWithoutMetadata);
        Assert.Equal("not json"u8.ToArray(), store.Objects["bottles_hash.json.backup-20250722T010203Z"]);
        var hashFile = (await store.ReadHashFileAsync(CancellationToken.None))!.HashFile;
        Assert.True(hashFile.TryGet("a-1.0-monterey", out var a));
        Assert.Equal("2025-07-21/a-1.0.monterey.bottle.tar.gz", a.S3Key);
        Assert.Equal(4, a.FileSize);
        Assert.Equal($"https://ghcr.io/v2/homebrew/core/a/blobs/sha256:{new string('a', 64)}", a.Url);
    }
}
