using System.Diagnostics;

namespace HomebrewSync.TestSupport.Servers;

/// <summary>A git repository made in the test with the git command line: a bare upstream (what brew's GitHub repository is) and a work tree that pushes to it.</summary>
public sealed class GitRepo : IDisposable
{
    private GitRepo(string root)
    {
        Root = root;
    }

    public string Root { get; }
    public string Bare => Path.Combine(Root, "upstream.git");
    public string Work => Path.Combine(Root, "work");
    public string Url => new Uri(Bare).AbsoluteUri;

    public static async Task<GitRepo> CreateAsync()
    {
        var repo = new GitRepo(Path.Combine(Path.GetTempPath(), "hbs-git-" + Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(repo.Root);
        await RunAsync(repo.Root, "init", "--bare", "--quiet", "--initial-branch=master", repo.Bare);
        await RunAsync(repo.Root, "init", "--quiet", "--initial-branch=master", repo.Work);
        await RunAsync(repo.Work, "remote", "add", "origin", repo.Bare);
        return repo;
    }

    /// <summary>Writes files (path relative to the work tree), commits them, tags the commit when asked, and pushes branch and tags.</summary>
    public async Task CommitAsync(string message, IReadOnlyDictionary<string, string> files, string? tag = null)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(Work, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content);
        }
        await RunAsync(Work, "add", "-A");
        await RunAsync(Work, "-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "--quiet", "-m", message);
        if (tag is not null)
        {
            await RunAsync(Work, "tag", tag);
        }
        await RunAsync(Work, "push", "--quiet", "--tags", "origin", "master");
    }

    /// <summary>The files that name portable Ruby in brew's repository (<c>Library/Homebrew/vendor/</c>), for a version and its sha256 per tag.</summary>
    public static Dictionary<string, string> PortableRubyFiles(string version, IReadOnlyDictionary<string, string> shaByTag)
    {
        var files = new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = version + "\n" };
        foreach (var (tag, sha) in shaByTag)
        {
            files[$"Library/Homebrew/vendor/portable-ruby-{tag.Replace('_', '-')}"] = $"ruby_TAG={tag}\nruby_SHA={sha}\n";
        }
        return files;
    }

    public static async Task<string> RunAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"git {string.Join(' ', args)}: exit {process.ExitCode}: {await error}");
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, true);
        }
    }
}
