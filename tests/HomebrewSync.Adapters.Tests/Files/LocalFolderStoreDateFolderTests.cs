using HomebrewSync.Adapters.Files;

namespace HomebrewSync.Adapters.Tests.Storage;

/// <summary>Only folders named exactly YYYY-MM-DD in ASCII digits are bottle folders (no trailing newline, no other scripts' digits).</summary>
public sealed class LocalFolderStoreDateFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hbs-datefolder-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, true);
        }
    }

    [Fact]
    public async Task ListAsync_FolderWithATrailingNewlineOrNonAsciiDigits_IsNotABottleFolder()
    {
        foreach (var folder in new[] { "2025-07-21", "2025-07-21\n", "\u0662\u0660\u0662\u0665-07-21" })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
            await File.WriteAllBytesAsync(Path.Combine(_root, folder, "curl-1.monterey.bottle.tar.gz"), [1, 2, 3]);
        }
        var store = new LocalFolderStore(_root, TimeProvider.System);

        var keys = new List<string>();
        await foreach (var b in store.ListAsync(CancellationToken.None))
        {
            keys.Add(b.Key);
        }

        Assert.Equal(["2025-07-21/curl-1.monterey.bottle.tar.gz"], keys);
    }
}
