using HomebrewSync.Adapters.Git;
using HomebrewSync.Core.BrewGit;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Tests.Git;

public sealed class GitRepositoryCacheTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("git-cache-").FullName;

    public void Dispose() => Directory.Delete(_directory, true);

    [Fact]
    public async Task ReadAsync_APackLargerThanADocumentCanBe_IsRefusedByItsLength_AsAGitFailure()
    {
        // What a hostile or broken remote can leave after a fetch: a pack past one array's size (sparse: no disk is used).
        Directory.CreateDirectory(Path.Combine(_directory, "objects", "pack"));
        var pack = Path.Combine("objects", "pack", "pack-" + new string('a', 40) + ".pack");
        await using (var file = File.Create(Path.Combine(_directory, pack)))
        {
            file.SetLength(StoredDocument.MaxBytes + 1);
        }
        var cache = new GitRepositoryCache("git", _directory, TimeSpan.FromSeconds(10), long.MaxValue);

        var ex = await Assert.ThrowsAsync<GitCommandException>(() => cache.ReadAsync(pack, CancellationToken.None));

        Assert.Contains($"{StoredDocument.MaxBytes + 1:N0} bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_AFileOfTheCache_IsItsBytes()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "HEAD"), "ref: refs/heads/main\n");
        var cache = new GitRepositoryCache("git", _directory, TimeSpan.FromSeconds(10), long.MaxValue);

        Assert.Equal("ref: refs/heads/main\n"u8.ToArray(), await cache.ReadAsync("HEAD", CancellationToken.None));
    }
}
