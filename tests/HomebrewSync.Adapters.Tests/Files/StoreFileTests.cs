using HomebrewSync.Adapters.Files;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Tests.Files;

/// <summary>The folder store's own open: what it does when the path's last part became a link after the store checked it.</summary>
public sealed class StoreFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hbs-storefile-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void OpenRead_ALinkWhereTheFileWas_IsRefused_NotFollowed()
    {
        // The race: the store checks a bottle's path for links, then someone swaps the file for a link to a secret, then the
        // store opens it. The open itself must refuse the link (O_NOFOLLOW), or serve would send the secret as the bottle.
        var secret = Path.Combine(_root, "token-file");
        File.WriteAllText(secret, "s3cr3t");
        var bottle = Path.Combine(_root, "curl-8.0.monterey.bottle.tar.gz");
        File.CreateSymbolicLink(bottle, secret);

        var refused = Assert.Throws<UnsafeStoreKeyException>(() => StoreFile.OpenRead(bottle, "2025-07-01/curl-8.0.monterey.bottle.tar.gz"));

        Assert.Contains("is a symbolic link; links in the store are never followed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRead_AFile_IsRead()
    {
        var bottle = Path.Combine(_root, "curl-8.0.monterey.bottle.tar.gz");
        await File.WriteAllTextAsync(bottle, "bytes");

        using var handle = StoreFile.OpenRead(bottle, "2025-07-01/curl-8.0.monterey.bottle.tar.gz");

        Assert.Equal(5, RandomAccess.GetLength(handle));
    }
}
