
namespace HomebrewSync.Cli.Tests;

/// <summary>
/// brew's own git repository mirrored by sync (<c>--brew-git</c>, a bare repository made here as the upstream, over file://) into the store
/// for git's dumb HTTP protocol, incremental, published only when the portable Ruby it names is mirrored, and cloned back from
/// <c>serve</c> with the git command line.
/// </summary>
public sealed class BrewGitTests : IAsyncLifetime
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "hbs-brewgit-" + Guid.NewGuid().ToString("N"));
    private CliHarness _h = null!;
    private GitRepo _upstream = null!;
    private FakeFormula _ruby = null!;

    public async Task InitializeAsync()
    {
        _h = await CliHarness.StartAsync([new FormulaBuilder("jq").WithVersion("1.7.1").WithBottle("arm64_sonoma", 900).Build()]);
        _ruby = PortableRubyTests.Ruby("4.0.6", 0);
        _h.Server.SetRegistryImages([_ruby]);
        _upstream = await GitRepo.CreateAsync();
        var files = GitRepo.PortableRubyFiles("4.0.6", _ruby.Bottles.ToDictionary(b => b.Key, b => b.Value.Sha256));
        files["README.md"] = "brew\n";
        await _upstream.CommitAsync("Homebrew 4.6.0", files, tag: "4.6.0");
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _upstream.Dispose();
        if (Directory.Exists(_temp))
        {
            Directory.Delete(_temp, true);
        }
    }

    private Dictionary<string, string?> Env()
    {
        var env = _h.Environment();
        env["TARGET_PLATFORMS"] = "arm64_sonoma";
        env["TEMP_DIR"] = _temp;
        env["BREW_GIT_REMOTE_URL"] = _upstream.Url;
        return env;
    }

    /// <summary>A first sync, then serve over it with a token file of one line: a remote that needs <paramref name="token"/>.</summary>
    private async Task<ServeProcess> SyncedServeWithTokenAsync(string name, string token)
    {
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync")).ExitCode);
        var tokens = Path.Combine(_upstream.Root, "tokens.txt");
        await File.WriteAllTextAsync(tokens, $"{name} {token}\n");
        return await ServeProcess.StartAsync(Env(), "--token-file", tokens);
    }

    /// <summary><see cref="Env"/> for a second mirror, of its own store and temporary folder.</summary>
    private Dictionary<string, string?> SecondMirrorEnv()
    {
        var env = Env();
        env["HOMEBREW_SYNC_STORE"] = Path.Combine(_upstream.Root, "second-mirror");
        env["TEMP_DIR"] = Path.Combine(_upstream.Root, "second-temp");
        return env;
    }

    private static async Task WriteScriptAsync(string path, string text)
    {
        await File.WriteAllTextAsync(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public async Task Sync_MirrorsTheRepository_SecondRunUploadsNothing_CloneFromServeHasUpstreamsCommitsAndTags()
    {
        var first = await CliHarness.RunAsync(Env(), "sync");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Matches(@"brew\.git \(file://[^)]*\): [1-9][0-9]* pack files uploaded, refs published", first.Error);
        Assert.All(new[] { "brew.git/HEAD", "brew.git/info/refs", "brew.git/objects/info/packs" }, k => Assert.True(File.Exists(_h.PathOf(k)), k));

        var second = await CliHarness.RunAsync(Env(), "sync");
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains(": 0 pack files uploaded, refs published", second.Error);

        await _upstream.CommitAsync("Homebrew 4.6.1", new Dictionary<string, string> { ["Library/Homebrew/brew.rb"] = "# 4.6.1\n" }, tag: "4.6.1");
        var third = await CliHarness.RunAsync(Env(), "sync");
        Assert.True(third.ExitCode == 0, third.Error);
        Assert.Contains(": 2 pack files uploaded, refs published", third.Error);

        await using var serve = await ServeProcess.StartAsync(Env());
        var clone = Path.Combine(_upstream.Root, "clone");
        await GitRepo.RunAsync(_upstream.Root, "clone", "--quiet", new Uri(serve.Url, "/brew.git").AbsoluteUri, clone);
        Assert.Equal(await GitRepo.RunAsync(_upstream.Bare, "rev-parse", "refs/heads/master"), await GitRepo.RunAsync(clone, "rev-parse", "HEAD"));
        Assert.Equal(await GitRepo.RunAsync(_upstream.Bare, "log", "--format=%H %s", "master"), await GitRepo.RunAsync(clone, "log", "--format=%H %s"));
        Assert.Equal("4.6.0\n4.6.1\n", await GitRepo.RunAsync(clone, "tag", "--list"));
        // Read-only, and only what the key grammar names.
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, (await http.PostAsync(new Uri(serve.Url, "/brew.git/info/refs"), new StringContent(""))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync(new Uri(serve.Url, "/brew.git/config"))).StatusCode);
    }

    [Fact]
    public async Task Sync_BrewNamesAPortableRubyTheMirrorLacks_RefsAreHeldBackUntilItIsMirrored()
    {
        var ruby = PortableRubyTests.Ruby("4.0.7", 5);
        await _upstream.CommitAsync("Homebrew 4.7.0: portable Ruby 4.0.7", GitRepo.PortableRubyFiles("4.0.7", ruby.Bottles.ToDictionary(b => b.Key, b => b.Value.Sha256)), tag: "4.7.0");

        var held = await CliHarness.RunAsync(Env(), "sync");

        Assert.Equal(3, held.ExitCode);
        Assert.Contains("refs not published: held back: the brew it would publish names portable Ruby 4.0.7", held.Error);
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));

        _h.Server.SetRegistryImages([_ruby, ruby]);
        var published = await CliHarness.RunAsync(Env(), "sync");

        Assert.True(published.ExitCode == 0, published.Error);
        Assert.Contains("refs published", published.Error);
        // The version brew names is mirrored beside the registry's newest.
        Assert.True(File.Exists(_h.PathOf("manifests/portable-ruby/4.0.7.json")));
        Assert.Contains("refs/tags/4.7.0", await File.ReadAllTextAsync(_h.PathOf("brew.git/info/refs")));
    }

    [Fact]
    public async Task Sync_BrewNamingMorePortableRubyPlatformsThanAreRead_IsHeldBack_NotReadOneGitProcessEach()
    {
        // A remote naming thousands of platforms had each file read by two git processes of its own. Forty here, beside brew's four.
        var files = new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = "4.0.7\n" };
        for (var i = 0; i < 40; i++)
        {
            files[$"Library/Homebrew/vendor/portable-ruby-platform{i}"] = $"ruby_TAG=platform{i}\nruby_SHA={new string('0', 64)}\n";
        }
        await _upstream.CommitAsync("Homebrew 4.7.0: forty platforms", files, tag: "4.7.0");

        var held = await CliHarness.RunAsync(Env(), "sync");

        Assert.Equal(3, held.ExitCode);
        Assert.True(held.Error.Contains("refs not published: held back: the brew it would publish names 44 portable Ruby platforms, more than the 32 this step reads", StringComparison.Ordinal), held.Error);
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));
    }

    [Fact]
    public async Task Sync_BrewNamingAPortableRubyVersionOrTagThatIsNotOne_IsHeldBack_WithoutQuotingIt()
    {
        // The remote's text, lines made to look like the run's own, would have gone whole into the log, the status and Slack.
        var forged = "4.0.7\nrefs published\n" + new string('x', 100_000);
        await _upstream.CommitAsync("Homebrew 4.7.0: a forged version", new Dictionary<string, string> { ["Library/Homebrew/vendor/portable-ruby-version"] = forged }, tag: "4.7.0");

        var held = await CliHarness.RunAsync(Env(), "sync");

        Assert.Equal(3, held.ExitCode);
        Assert.True(held.Error.Contains("refs not published: held back: the brew it would publish names a portable Ruby version that is not one "
            + $"(Library/Homebrew/vendor/portable-ruby-version holds {forged.Length:N0} characters)", StringComparison.Ordinal), held.Error);
        Assert.DoesNotContain("xxxx", held.Error + held.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\nrefs published", held.Error + held.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));

        await _upstream.CommitAsync("Homebrew 4.7.1: a forged tag", new Dictionary<string, string>
        {
            ["Library/Homebrew/vendor/portable-ruby-version"] = "4.0.7\n",
            ["Library/Homebrew/vendor/portable-ruby-arm64_big_sur"] = $"ruby_TAG=arm64_big_sur refs published {new string('y', 5_000)}\nruby_SHA={new string('0', 64)}\n",
        }, tag: "4.7.1");
        held = await CliHarness.RunAsync(Env(), "sync");

        Assert.Equal(3, held.ExitCode);
        Assert.True(held.Error.Contains("refs not published: held back: the brew it would publish names portable Ruby 4.0.7, which the mirror does not hold for ", StringComparison.Ordinal)
            && held.Error.Contains(", a platform whose ruby_TAG is not a tag, ", StringComparison.Ordinal), held.Error);
        Assert.DoesNotContain("yyyy", held.Error + held.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));
    }

    [Fact]
    public async Task Prune_AfterARunThatCouldNotFetchBrew_KeepsThePortableRubyThePublishedBrewNames()
    {
        // The published brew names 4.0.6; the registry moves on to 4.0.7, and the next run cannot reach brew's repository:
        // the brew clients get is still the one naming 4.0.6, so prune must keep it however old.
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync", "--date", "2025-07-21")).ExitCode);
        _h.Server.SetRegistryImages([_ruby, PortableRubyTests.Ruby("4.0.7", 5)]);
        var env = Env();
        env["BREW_GIT_REMOTE_URL"] = new Uri(Path.Combine(_upstream.Root, "gone.git")).AbsoluteUri;
        var unreachable = await CliHarness.RunAsync(env, "sync", "--date", "2025-07-28");
        Assert.True(unreachable.ExitCode == 3, unreachable.Error);

        var prune = await CliHarness.RunAsync(Env(), "prune", "--keep-days", "0");

        Assert.True(prune.ExitCode == 0, prune.Error + prune.Out);
        var hashFile = await File.ReadAllTextAsync(_h.PathOf("bottles_hash.json"));
        Assert.Contains("\"portable-ruby-4.0.6-arm64_big_sur\"", hashFile, StringComparison.Ordinal);
        Assert.Contains("\"portable-ruby-4.0.7-arm64_big_sur\"", hashFile, StringComparison.Ordinal);
        Assert.True(File.Exists(_h.PathOf("2025-07-21/portable-ruby-4.0.6.arm64_big_sur.bottle.tar.gz")));
        Assert.True(File.Exists(_h.PathOf("manifests/portable-ruby/4.0.6.json")));
    }

    [Fact]
    public async Task Prune_RemovesOnlyOldPacksNoLongerListed_KeepsRefsListedPacksAndAnythingElse()
    {
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync")).ExitCode);
        var packDir = _h.PathOf("brew.git/objects/pack");
        var listed = Directory.GetFiles(packDir).Select(Path.GetFileName).ToArray();
        var stale = Path.Combine(packDir, "pack-" + new string('a', 40) + ".pack");
        var young = Path.Combine(packDir, "pack-" + new string('b', 40) + ".pack");
        var stray = _h.PathOf("brew.git/config");
        foreach (var f in new[] { stale, young, stray })
        {
            await File.WriteAllTextAsync(f, "x");
        }
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddDays(-2));
        File.SetLastWriteTimeUtc(stray, DateTime.UtcNow.AddDays(-2));

        // The pack list just published: a client that read the one before may still be fetching what it named.
        var fresh = await CliHarness.RunAsync(Env(), "prune");
        Assert.True(fresh.ExitCode == 0, fresh.Error + fresh.Out);
        Assert.True(File.Exists(stale));

        File.SetLastWriteTimeUtc(_h.PathOf("brew.git/objects/info/packs"), DateTime.UtcNow.AddDays(-2));
        var prune = await CliHarness.RunAsync(Env(), "prune");

        Assert.True(prune.ExitCode == 0, prune.Error + prune.Out);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(young));
        Assert.True(File.Exists(stray));
        Assert.All(listed, f => Assert.True(File.Exists(Path.Combine(packDir, f!)), f));
        Assert.All(new[] { "brew.git/HEAD", "brew.git/info/refs", "brew.git/objects/info/packs" }, k => Assert.True(File.Exists(_h.PathOf(k)), k));
    }

    [Fact]
    public async Task Serve_WithATokenFile_GitClonesWithTheTokenInTheRemote_AndIsRefusedWithout()
    {
        const string Token = "brew-git-token-0123456789";
        await using var serve = await SyncedServeWithTokenAsync("alice", Token);
        var remote = new UriBuilder(new Uri(serve.Url, "/brew.git")) { UserName = "alice", Password = Token }.Uri.AbsoluteUri;

        await GitRepo.RunAsync(_upstream.Root, "clone", "--quiet", remote, Path.Combine(_upstream.Root, "with-token"));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            GitRepo.RunAsync(_upstream.Root, "clone", "--quiet", new Uri(serve.Url, "/brew.git").AbsoluteUri, Path.Combine(_upstream.Root, "without")));

        Assert.Equal((await GitRepo.RunAsync(_upstream.Bare, "rev-parse", "refs/heads/master")).Trim(),
            (await GitRepo.RunAsync(Path.Combine(_upstream.Root, "with-token"), "rev-parse", "HEAD")).Trim());
        Assert.DoesNotContain(Token, serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_FromARemoteWithCredentials_GivesThemToGitOutsideItsCommandLine()
    {
        // The upstream needs a token: a serve of a first mirror, with a token file.
        const string Token = "upstream-git-token-0123456789";
        await using var serve = await SyncedServeWithTokenAsync("mirror", Token);
        // The CLI as its own process; git as it finds it on PATH, and the programs git runs itself (its transport helper
        // git-remote-http, given the URL as an argument), each behind a wrapper that records its command line: what `ps` shows.
        var argv = Path.Combine(_upstream.Root, "git-argv.log");
        var realExecPath = (await GitRepo.RunAsync(_upstream.Root, "--exec-path")).Trim();
        var execPath = Directory.CreateDirectory(Path.Combine(_upstream.Root, "git-core")).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(_upstream.Root, "bin")).FullName;
        Task WrapAsync(string wrapper, string real, string? exports = null) =>
            WriteScriptAsync(wrapper, $"#!/bin/sh\n{exports}printf '%s %s\\n' \"$0\" \"$*\" >> '{argv}'\nexec '{real}' \"$@\"\n");
        foreach (var entry in Directory.EnumerateFileSystemEntries(realExecPath))
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith("git-remote-http", StringComparison.Ordinal))
            {
                await WrapAsync(Path.Combine(execPath, name), Path.Combine(realExecPath, "git-remote-http"));
            }
            else
            {
                File.CreateSymbolicLink(Path.Combine(execPath, name), entry);
            }
        }
        await WrapAsync(Path.Combine(bin, "git"), Path.Combine(realExecPath, "git"), $"export GIT_EXEC_PATH='{execPath}'\n");
        var env = SecondMirrorEnv();
        env["PATH"] = bin + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH");
        env["BREW_GIT_REMOTE_URL"] = new UriBuilder(new Uri(serve.Url, "/brew.git")) { UserName = "mirror", Password = Token }.Uri.AbsoluteUri;

        var sync = await CliProcess.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.Contains("refs published", sync.Error);
        Assert.Contains("refs/tags/4.6.0", await File.ReadAllTextAsync(Path.Combine(_upstream.Root, "second-mirror", "brew.git", "info", "refs")));
        var commandLines = await File.ReadAllTextAsync(argv);
        Assert.Contains("ls-remote", commandLines);
        Assert.Contains("fetch", commandLines);
        Assert.Contains("git-remote-http", commandLines);
        Assert.DoesNotContain(Token, commandLines, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, sync.Out + sync.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_ARemoteThatSendsMoreThanTheLimit_IsStoppedAndItsCacheCleared_TheBottlesStored()
    {
        // About 3 MB of packed objects (random hex compresses to half) against a 1 MiB limit.
        var noise = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * 1024 * 1024));
        await _upstream.CommitAsync("Homebrew 4.6.1: a large file", new Dictionary<string, string> { ["Library/large.txt"] = noise }, tag: "4.6.1");
        var env = Env();
        env["MAX_BREW_GIT_MB"] = "1";

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, sync.ExitCode);
        Assert.Contains("the remote sent more than 1 MiB (MAX_BREW_GIT_MB); git was stopped, its cache cleared; brew.git is not published", sync.Error);
        Assert.False(Directory.Exists(Path.Combine(_temp, "brew-git-cache")));
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));
        Assert.Contains("jq", await File.ReadAllTextAsync(_h.PathOf("bottles_hash.json")));

        env["MAX_BREW_GIT_MB"] = "64";
        var raised = await CliHarness.RunAsync(env, "sync");

        Assert.True(raised.ExitCode == 0, raised.Error);
        Assert.Contains("refs/tags/4.6.1", await File.ReadAllTextAsync(_h.PathOf("brew.git/info/refs")));
    }

    [Fact]
    public async Task Sync_ARemoteSendingSlowlyPastTheLimit_HasGitStoppedLongBeforeItsPackEnds()
    {
        // About 7 MB of pack, served over git's dumb HTTP protocol at 1 MB/s (7 s for the whole pack) against a 1 MiB limit:
        // the watch, not the check after the fetch, must stop git, a fraction of the way in. Each fetch (planning's and the
        // publishing's) is measured on its own, through a small send buffer, so what is counted is what git was sent, not what
        // the kernel would have buffered (4 MiB on loopback).
        var noise = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6 * 1024 * 1024));
        await _upstream.CommitAsync("Homebrew 4.6.1: a large file", new Dictionary<string, string> { ["Library/large.txt"] = noise }, tag: "4.6.1");
        await GitRepo.RunAsync(_upstream.Bare, "repack", "-a", "-d", "-q");
        await GitRepo.RunAsync(_upstream.Bare, "update-server-info");
        var pack = Directory.GetFiles(Path.Combine(_upstream.Bare, "objects", "pack"), "*.pack").Single();
        long mostOfThePackSent = 0;
        await using var remote = await LoopbackHost.StartAsync(async ctx =>
        {
            var file = Path.GetFullPath(Path.Combine(_upstream.Bare, ctx.Request.Path.Value!.TrimStart('/')));
            if (!file.StartsWith(_upstream.Bare + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            {
                ctx.Response.StatusCode = 404;
                return;
            }
            var bytes = await File.ReadAllBytesAsync(file);
            ctx.Response.ContentLength = bytes.Length;
            if (ctx.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionSocketFeature>()?.Socket is { } socket)
            {
                socket.SendBufferSize = 64 * 1024;
            }
            long sent = 0;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                for (var at = 0; at < bytes.Length; at += 16 * 1024)
                {
                    var due = TimeSpan.FromSeconds(at / (1.0 * 1024 * 1024)) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, ctx.RequestAborted);
                    }
                    var part = Math.Min(16 * 1024, bytes.Length - at);
                    await ctx.Response.Body.WriteAsync(bytes.AsMemory(at, part), ctx.RequestAborted);
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    sent += part;
                    if (file == pack)
                    {
                        for (var most = Interlocked.Read(ref mostOfThePackSent); sent > most;)
                        {
                            most = Interlocked.CompareExchange(ref mostOfThePackSent, sent, most) is var seen && seen == most ? sent : seen;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // git was stopped mid-pack.
            }
        });
        var env = Env();
        env["BREW_GIT_REMOTE_URL"] = remote.Url.AbsoluteUri;
        env["MAX_BREW_GIT_MB"] = "1";

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 3, sync.Error);
        Assert.True(sync.Error.Contains("the remote sent more than 1 MiB (MAX_BREW_GIT_MB); git was stopped, its cache cleared; brew.git is not published", StringComparison.Ordinal), sync.Error);
        Assert.False(Directory.Exists(Path.Combine(_temp, "brew-git-cache")));
        Assert.InRange(Interlocked.Read(ref mostOfThePackSent), 1, new FileInfo(pack).Length / 2);
    }

    [Fact]
    public async Task Sync_ARemoteThatFails_IsAskedOncePerRun_NotAgainToPublish()
    {
        // Planning asks the remote for the portable Ruby its brew names, the end of the run publishes it: one refresh serves
        // both, and one that failed is not tried again (a remote that sends too much or hangs would cost that twice).
        var requests = 0;
        await using var remote = await LoopbackHost.StartAsync(ctx =>
        {
            Interlocked.Increment(ref requests);
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        var env = Env();
        env["BREW_GIT_REMOTE_URL"] = new Uri(remote.Url, "/brew.git").AbsoluteUri;

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 3, sync.Error);
        Assert.Contains("brew's git repository could not be fetched, so the portable Ruby it names is not known", sync.Error);
        Assert.Contains("refs not published: git ls-remote failed", sync.Error);
        Assert.Equal(1, Volatile.Read(ref requests));
        Assert.Contains("jq", await File.ReadAllTextAsync(_h.PathOf("bottles_hash.json")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Sync_ACacheOtherUsersMayWriteIn_IsNotRun_AndNothingOfItIsPublished()
    {
        // A shared /tmp: a cache folder made first by someone else, open to all, with a hook git would run on the fetch.
        var cache = Directory.CreateDirectory(Path.Combine(_temp, "brew-git-cache")).FullName;
        File.SetUnixFileMode(_temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(cache, (UnixFileMode)0x1FF);
        var ran = Path.Combine(_upstream.Root, "hook-ran");
        Directory.CreateDirectory(Path.Combine(cache, "hooks"));
        await WriteScriptAsync(Path.Combine(cache, "hooks", "reference-transaction"), $"#!/bin/sh\ntouch '{ran}'\n");

        var sync = await CliHarness.RunAsync(Env(), "sync");

        Assert.True(sync.ExitCode == 3, sync.Error);
        Assert.Contains($"The brew.git cache {cache} may be written by other users (mode 777)", sync.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(ran));
        Assert.False(File.Exists(_h.PathOf("brew.git/info/refs")));
        Assert.Contains("jq", await File.ReadAllTextAsync(_h.PathOf("bottles_hash.json")));
    }

    [Fact]
    public async Task Sync_WithGitVariablesSet_GitIsGivenNoneOfThem()
    {
        // A CI runner's environment, set for something else: config git would add (a hook to run on every fetch), a trace with
        // every request in it (the Authorization header included).
        var ran = Path.Combine(_upstream.Root, "hook-ran");
        var hooks = Directory.CreateDirectory(Path.Combine(_upstream.Root, "their-hooks")).FullName;
        await WriteScriptAsync(Path.Combine(hooks, "reference-transaction"), $"#!/bin/sh\ntouch '{ran}'\n");
        var trace = Path.Combine(_upstream.Root, "git-trace.txt");
        var env = Env();
        env["GIT_CONFIG_COUNT"] = "1";
        env["GIT_CONFIG_KEY_0"] = "core.hooksPath";
        env["GIT_CONFIG_VALUE_0"] = hooks;
        env["GIT_TRACE_CURL"] = trace;
        env["GIT_TRACE"] = trace;

        // A process of its own: git inherits the CLI's environment.
        var sync = await CliProcess.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 0, sync.Error);
        Assert.True(File.Exists(_h.PathOf("brew.git/info/refs")));
        Assert.False(File.Exists(ran), "git ran a hook the caller's GIT_CONFIG_* variables named");
        Assert.False(File.Exists(trace), "git wrote a trace the caller's GIT_TRACE variables named");
    }

    [Fact]
    public async Task Sync_ALinkWhereARefFileGoes_IsLeftAndWarnedOf_TheRunCompletes()
    {
        Assert.Equal(0, (await CliHarness.RunAsync(Env(), "sync")).ExitCode);
        var outside = Path.Combine(_upstream.Root, "outside-HEAD");
        await File.WriteAllTextAsync(outside, "not the store's");
        var head = _h.PathOf("brew.git/HEAD");
        File.Delete(head);
        File.CreateSymbolicLink(head, outside);

        var sync = await CliHarness.RunAsync(Env(), "sync", "--json");

        Assert.True(sync.ExitCode == 3, $"exit {sync.ExitCode}: {sync.Error}");
        Assert.Contains("refs not published: 'brew.git/HEAD' was refused", sync.Error, StringComparison.Ordinal);
        using (var json = System.Text.Json.JsonDocument.Parse(sync.Out))
        {
            Assert.StartsWith("'brew.git/HEAD' was refused", json.RootElement.GetProperty("brew_git_problem").GetString(), StringComparison.Ordinal);
        }
        // Written in order, HEAD last: what was written before it is said.
        Assert.Contains("(already up to date: brew.git/objects/info/packs, brew.git/info/refs)", sync.Error, StringComparison.Ordinal);
        Assert.Equal("not the store's", await File.ReadAllTextAsync(outside));
        Assert.NotNull(new FileInfo(head).LinkTarget);
    }

    [Fact]
    public async Task Sync_ARemoteAskingForCredentialsItWasNotGiven_RunsNoAskpassProgram_AndWarns()
    {
        await using var serve = await SyncedServeWithTokenAsync("mirror", "askpass-token-0123456789");
        // A desktop's askpass program (git would run it for the credentials no helper gave, and wait on it).
        var asked = Path.Combine(_upstream.Root, "askpass-ran");
        var askpass = Path.Combine(_upstream.Root, "askpass.sh");
        await WriteScriptAsync(askpass, $"#!/bin/sh\ntouch '{asked}'\necho wrong\n");
        var env = SecondMirrorEnv();
        env["GIT_ASKPASS"] = askpass;
        env["SSH_ASKPASS"] = askpass;
        env["BREW_GIT_REMOTE_URL"] = new Uri(serve.Url, "/brew.git").AbsoluteUri;

        var sync = await CliProcess.RunAsync(env, "sync");

        Assert.True(sync.ExitCode == 3, sync.Error);
        Assert.Contains("git ls-remote failed", sync.Error);
        Assert.False(File.Exists(asked));
    }

    [Fact]
    public async Task Sync_UnreachableRemoteWithCredentials_WarnsWithoutThem()
    {
        var env = Env();
        env["BREW_GIT_REMOTE_URL"] = "http://brew:s3cr3t-token@127.0.0.1:9/brew.git";

        var sync = await CliHarness.RunAsync(env, "sync");

        Assert.Equal(3, sync.ExitCode);
        Assert.Contains("brew.git (http://", sync.Error);
        Assert.DoesNotContain("s3cr3t-token", sync.Out + sync.Error, StringComparison.Ordinal);
    }
}
