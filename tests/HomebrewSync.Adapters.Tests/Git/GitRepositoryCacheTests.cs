using HomebrewSync.Adapters.Git;
using HomebrewSync.Core.BrewGit;
using HomebrewSync.TestSupport;

namespace HomebrewSync.Adapters.Tests.Git;

/// <summary>The cache's reads of the repository: a file that is not there is null, git failing is never taken for that.</summary>
public sealed class GitRepositoryCacheTests : IAsyncLifetime
{
    private GitRepo _upstream = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        _upstream = await GitRepo.CreateAsync();
        await _upstream.CommitAsync("Homebrew 4.6.0", new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = "4.0.6\n" }, tag: "4.6.0");
        _cache = Path.Combine(_upstream.Root, "cache", "brew-git-cache");
    }

    public Task DisposeAsync()
    {
        _upstream.Dispose();
        return Task.CompletedTask;
    }

    private GitRepositoryCache Cache() => new(GitRepositoryCache.Locate(Environment.GetEnvironmentVariable("PATH"))!, _cache, TimeSpan.FromMinutes(1), 100L << 20);

    [Fact]
    public async Task Refresh_IsTheCacheAsItLeftIt_WhateverAnotherRunsRefreshDoesToItAfterwards()
    {
        var first = await Cache().RefreshAsync(_upstream.Url, CancellationToken.None);
        await _upstream.CommitAsync("Homebrew 4.7.0", new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = "4.0.7\n" }, tag: "4.7.0");

        // Another sync on this host, sharing the cache, fetches meanwhile.
        var second = await Cache().RefreshAsync(_upstream.Url, CancellationToken.None);

        Assert.Contains("refs/tags/4.7.0", await File.ReadAllTextAsync(Path.Combine(_cache, "info", "refs")));
        Assert.DoesNotContain("refs/tags/4.7.0", System.Text.Encoding.UTF8.GetString(first.RefFiles["info/refs"]));
        Assert.Contains("refs/tags/4.7.0", System.Text.Encoding.UTF8.GetString(second.RefFiles["info/refs"]));
        Assert.NotEqual(first.Commit, second.Commit);
        var cache = Cache();
        Assert.Equal("4.0.6\n", await cache.ShowAsync(first.Commit, "Library/Homebrew/vendor/portable-ruby-version", CancellationToken.None));
        // The pack list the first refresh wrote names only packs it listed (and so uploads).
        foreach (var line in System.Text.Encoding.UTF8.GetString(first.RefFiles["objects/info/packs"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Contains("objects/pack/" + line["P ".Length..], first.PackFiles);
        }
    }

    [Fact]
    public async Task ShowAndList_AFileThatIsThere_AreItsText_OneThatIsNot_IsNull_AndGitFailing_IsAnError()
    {
        var cache = Cache();
        var state = await cache.RefreshAsync(_upstream.Url, CancellationToken.None);

        Assert.Equal("4.0.6\n", await cache.ShowAsync(state.DefaultBranch, "Library/Homebrew/vendor/portable-ruby-version", CancellationToken.None));
        Assert.Null(await cache.ShowAsync(state.DefaultBranch, "Library/Homebrew/vendor/portable-ruby-arm64_big_sur", CancellationToken.None));
        Assert.Empty(await cache.ListAsync(state.DefaultBranch, "Library/Homebrew/nothing-here/", CancellationToken.None));
        // A revision git cannot read (as a corrupt object or git's time limit would be): an error, not "not there".
        await Assert.ThrowsAsync<GitCommandException>(() => cache.ShowAsync("refs/heads/no-such-branch", "Library/Homebrew/vendor/portable-ruby-version", CancellationToken.None));
        await Assert.ThrowsAsync<GitCommandException>(() => cache.ListAsync("refs/heads/no-such-branch", "Library/Homebrew/vendor/", CancellationToken.None));
    }

    [Fact]
    public async Task Show_AFileLargerThanWhatIsRead_IsAnError_NotItsFirstPart()
    {
        // A remote's vendor file of 5 MiB: read as its first 4 MiB it would be a wrong answer taken for the whole.
        await _upstream.CommitAsync("A large file", new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = new string('4', 5 << 20) + "\n" });
        var cache = Cache();
        var state = await cache.RefreshAsync(_upstream.Url, CancellationToken.None);

        var error = await Assert.ThrowsAsync<GitCommandException>(() => cache.ShowAsync(state.DefaultBranch, "Library/Homebrew/vendor/portable-ruby-version", CancellationToken.None));
        Assert.Contains("more than", error.Message, StringComparison.Ordinal);
    }
}
