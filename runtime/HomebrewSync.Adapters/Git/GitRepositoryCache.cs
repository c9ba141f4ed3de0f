using System.Diagnostics;
using System.Text;
using HomebrewSync.Adapters.Files;
using HomebrewSync.Contracts;
using HomebrewSync.Core.BrewGit;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Git;

/// <summary>
/// A bare cache of a repository kept by the <c>git</c> executable: arguments as a list (no shell), each command bounded in
/// time and output, no prompts, and the remote's credentials never printed nor on a command line (where any user of the machine
/// can read them: git passes the URL on to its transport helper as an argument). An http(s) URL's user-info is taken out of
/// it and given back to git by a credential helper of this class's own that reads it from git's environment, for that URL's
/// host alone; the user's own credential helpers are not asked, nor told (they would store it). The cache stays between runs, so a fetch
/// brings only what is new and <c>git repack -d</c> packs only that: the packs already uploaded keep their names.
/// The cache holds at most <paramref name="maxBytes"/> (<see cref="EnvVars.MaxBrewGitMb"/>): the fetch is watched, and stopped past
/// it (a remote that sends without end fills no disk), then the cache cleared.
/// </summary>
public sealed class GitRepositoryCache(string git, string directory, TimeSpan commandTimeout, long maxBytes) : IGitRepositoryCache
{
    /// <summary>How often the cache's size is looked at while git fetches.</summary>
    private static readonly TimeSpan SizeCheckInterval = TimeSpan.FromMilliseconds(100);

    private const int MaxOutputBytes = 4 * 1024 * 1024;

    /// <summary>The caller's GIT_* variables git is given: how to reach the remote (a private CA, a client certificate, a proxy, ssh), nothing else.</summary>
    private static readonly HashSet<string> KeptGitVariables = new(StringComparer.Ordinal)
    {
        "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_SSL_CERT", "GIT_SSL_KEY", "GIT_SSL_CERT_PASSWORD_PROTECTED", "GIT_HTTP_PROXY_AUTHMETHOD",
        "GIT_PROXY_SSL_CAINFO", "GIT_PROXY_SSL_CERT", "GIT_PROXY_SSL_KEY", "GIT_PROXY_COMMAND", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT",
    };

    private const string UserVariable = "HOMEBREW_SYNC_GIT_USERNAME";
    private const string PasswordVariable = "HOMEBREW_SYNC_GIT_PASSWORD";

    /// <summary>A credential helper (git runs it with sh) that answers git's "get" with the two variables, whose names alone are in it.</summary>
    private const string CredentialHelper = "!f() { test \"$1\" = get && printf 'username=%s\\npassword=%s\\n' \"$" + UserVariable + "\" \"$" + PasswordVariable + "\"; }; f";

    /// <summary>The remote as given (to hide it in what git prints), the URL git is given, and the credentials taken out of it.</summary>
    private (string Given, string Url, string? Host, string User, string Password)? _remote;

    /// <summary>The git executable on PATH, or null when this host has none (the Lambda runtime).</summary>
    public static string? Locate(string? path)
    {
        foreach (var dir in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "git.exe" : "git");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public async Task<GitCacheState> RefreshAsync(string remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        _remote = Split(remote);
        var url = _remote.Value.Url;
        // git runs the cache's hooks and reads its config: a cache someone else could write in (a folder another user made
        // first under a shared /tmp) would run their code with the remote's credentials in its environment.
        FileStream held;
        try
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(directory));
            var notPrivate = (parent is null ? null : PrivateFolder.Ensure(parent, EnvVars.TempDir)) ?? PrivateFolder.Ensure(directory, "The brew.git cache");
            if (notPrivate is not null)
            {
                throw new GitCommandException(notPrivate);
            }
            // One refresh at a time on this host (two syncs sharing TEMP_DIR): each one's state is then the cache as it left it.
            held = await LockAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The git step's failure (a warning), never the run's.
            throw new GitCommandException($"the brew.git cache {directory} cannot be used: {ex.Message}", ex);
        }
        await using var _ = held;
        if (!File.Exists(Path.Combine(directory, "HEAD")))
        {
            await RunAsync(["init", "--bare", "--quiet", directory], null, cancellationToken);
        }
        var branch = DefaultBranch(await RunAsync(["ls-remote", "--symref", "--", url, "HEAD"], directory, cancellationToken));
        await FetchWithinLimitAsync(["fetch", "--quiet", "--prune", "--no-auto-gc", "--no-write-fetch-head", "--", url, $"+{branch}:{branch}", "+refs/tags/*:refs/tags/*"],
            cancellationToken);
        await RunAsync(["symbolic-ref", "HEAD", branch], directory, cancellationToken);
        // Only loose objects go into a new pack: the packs already there (and uploaded) keep their names.
        await RunAsync(["repack", "-d", "-q"], directory, cancellationToken);
        await RunAsync(["update-server-info"], directory, cancellationToken);
        var packDir = Path.Combine(directory, "objects", "pack");
        var packs = Directory.Exists(packDir)
            ? Directory.EnumerateFiles(packDir, "pack-*").Select(Path.GetFileName).OfType<string>()
                .Where(n => n.EndsWith(".pack", StringComparison.Ordinal) || n.EndsWith(".idx", StringComparison.Ordinal))
                .Select(n => "objects/pack/" + n).Order(StringComparer.Ordinal).ToArray()
            : [];
        var commit = Encoding.ASCII.GetString(await RunAsync(["rev-parse", "--verify", "--quiet", branch + "^{commit}"], directory, cancellationToken)).Trim();
        var refFiles = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in new[] { "objects/info/packs", "info/refs", "HEAD" })
        {
            refFiles[file] = await ReadAsync(file, cancellationToken);
        }
        return new GitCacheState(branch, packs) { Commit = commit, RefFiles = refFiles };
    }

    /// <summary>
    /// The cache's lock (<c>&lt;cache&gt;.lock</c> beside it), held by one refresh at a time; another's is waited for, up to the
    /// time limit of a git command.
    /// </summary>
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + ".lock";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Another run's refresh is several commands, each within the time limit.
        limit.CancelAfter(commandTimeout * RefreshCommands);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (!limit.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(LockRetryInterval, limit.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new GitCommandException($"the brew.git cache {directory} was still being refreshed by another run after {(commandTimeout * RefreshCommands).TotalMinutes:0} min");
                }
            }
        }
    }

    private static readonly TimeSpan LockRetryInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The git commands of one refresh (ls-remote, fetch, symbolic-ref, repack, update-server-info, rev-parse).</summary>
    private const int RefreshCommands = 6;

    /// <summary>
    /// The fetch, its cache's size looked at every <see cref="SizeCheckInterval"/> while it runs and once after: past
    /// <c>maxBytes</c>, git is stopped and the cache removed (it is this class's own folder), a failure of the git step.
    /// </summary>
    private async Task FetchWithinLimitAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exceeded = false;
        var watch = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(SizeCheckInterval);
            while (await timer.WaitForNextTickAsync(watching.Token).ConfigureAwait(false))
            {
                if (SizeOf(directory) > maxBytes)
                {
                    Volatile.Write(ref exceeded, true);
                    await watching.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }, CancellationToken.None);
        GitCommandException? failed = null;
        try
        {
            await RunAsync(args, directory, watching.Token);
        }
        catch (OperationCanceledException) when (Volatile.Read(ref exceeded) && !cancellationToken.IsCancellationRequested)
        {
            // Stopped by the watch: reported below, as when git finished past the limit.
        }
        catch (GitCommandException ex)
        {
            // Its own failure unless it failed past the limit (its disk full, say): then that is what is reported, and the cache cleared.
            failed = ex;
        }
        finally
        {
            await watching.CancelAsync();
            try
            {
                await watch;
            }
            catch (OperationCanceledException)
            {
            }
        }
        // The watch has ended: its flag is read after it, and the size looked at once, whichever way git ended.
        if (!exceeded && SizeOf(directory) <= maxBytes)
        {
            if (failed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
            }
            return;
        }
        var cleared = "its cache cleared";
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Cleared by the next run's fetch, whose watch finds it past the limit at once.
            cleared = $"its cache not cleared yet ({ex.GetType().Name})";
        }
        throw new GitCommandException($"the remote sent more than {maxBytes / (1024 * 1024):N0} MiB ({EnvVars.MaxBrewGitMb}); git was stopped, {cleared}; brew.git is not published");
    }

    /// <summary>
    /// The disk the files under <paramref name="path"/> take (links not followed), each at least a 4 KiB block: a million tiny ref
    /// files count as the 4 GB they take, not as their bytes. Files that go while it is counted count nothing.
    /// </summary>
    private static long SizeOf(string path)
    {
        const long Block = 4096;
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        try
        {
            foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", options))
            {
                total += Math.Max(Block, (file.Length + Block - 1) / Block * Block);
            }
        }
        catch (IOException)
        {
            // A folder git removed while it was counted: what was counted so far (the next look counts the rest).
        }
        return total;
    }

    public async Task<string?> ShowAsync(string revision, string path, CancellationToken cancellationToken)
    {
        // Absent is an empty listing; git failing (a bad revision, a corrupt object, its time limit) is a failure, never "absent":
        // a check that reads a failure as absence would let through what it was there to stop.
        if ((await RunAsync(["ls-tree", "--name-only", revision, "--", path], directory, cancellationToken)).Length == 0)
        {
            return null;
        }
        return Encoding.UTF8.GetString(await RunAsync(["show", $"{revision}:{path}"], directory, cancellationToken));
    }

    public async Task<IReadOnlyList<string>> ListAsync(string revision, string directoryInRepository, CancellationToken cancellationToken)
    {
        var text = Encoding.UTF8.GetString(await RunAsync(["ls-tree", "--name-only", revision, "--", directoryInRepository], directory, cancellationToken));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.LastIndexOf('/') + 1)..]).ToArray();
    }

    public Task<byte[]> ReadAsync(string relativePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        if (relativePath.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(relativePath))
        {
            throw new ArgumentException($"'{relativePath}' is not a path inside the cache", nameof(relativePath));
        }
        // Read whole to be stored as one document: a pack the remote made larger than a store's document can be (one array)
        // is refused by its length, unread, as the git step's own failure (a warning), not one that ends the run.
        var path = Path.Combine(directory, relativePath);
        var length = new FileInfo(path).Length;
        if (length > StoredDocument.MaxBytes)
        {
            throw new GitCommandException($"{relativePath} is {length:N0} bytes, more than a document of the store can be ({StoredDocument.MaxBytes:N0}); brew.git is not published");
        }
        return File.ReadAllBytesAsync(path, cancellationToken);
    }

    /// <summary>
    /// An http(s) URL's user-info taken out (the URL git is given, the host its credential helper answers for, the credentials
    /// unescaped); any other URL as it is (an ssh user name is no secret, and ssh reads no password from a URL).
    /// </summary>
    private static (string Given, string Url, string? Host, string User, string Password) Split(string remote)
    {
        if (!Uri.TryCreate(remote, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length == 0)
        {
            return (remote, remote, null, "", "");
        }
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var (user, password) = colon < 0 ? (uri.UserInfo, "") : (uri.UserInfo[..colon], uri.UserInfo[(colon + 1)..]);
        return (remote, UrlDisplay.Strip(uri).AbsoluteUri, $"{uri.Scheme}://{uri.Authority}", Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
    }

    /// <summary><c>ref: refs/heads/main\tHEAD</c> from <c>ls-remote --symref</c>.</summary>
    private static string DefaultBranch(byte[] lsRemote)
    {
        var line = Encoding.UTF8.GetString(lsRemote).Split('\n').FirstOrDefault(l => l.StartsWith("ref: refs/heads/", StringComparison.Ordinal));
        var branch = line?["ref: ".Length..].Split('\t')[0].Trim();
        // A name git's own rules allow (git check-ref-format): none of the characters a refspec or a pattern reads, no "..".
        return branch is not null && !branch.Contains("..", StringComparison.Ordinal) && !branch.StartsWith('-')
            && !branch.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\')
            ? branch
            : throw new GitCommandException("the remote names no default branch (its HEAD is not a branch)");
    }

    /// <summary>Runs git with no prompt and a time limit; its standard output, or <see cref="GitCommandException"/> with what it said (credentials hidden).</summary>
    private async Task<byte[]> RunAsync(IReadOnlyList<string> args, string? workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(git) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (_remote is { Host: { } host } remote)
        {
            // No secret here: the helper names the variables, which only git and its children see.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("credential.helper=");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"credential.{host}.helper={CredentialHelper}");
            start.Environment[UserVariable] = remote.User;
            start.Environment[PasswordVariable] = remote.Password;
        }
        // A remote that sends slower than a kilobyte a second for a minute is given up on, not waited on for the whole time limit.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("http.lowSpeedLimit=1000");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("http.lowSpeedTime=60");
        if (workingDirectory is not null)
        {
            start.ArgumentList.Add("--git-dir=" + workingDirectory);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        // None of the caller's GIT_* variables but those for reaching the remote through a proxy or a private CA: others name
        // another repository or object store (GIT_DIR, GIT_OBJECT_DIRECTORY), add config (GIT_CONFIG_*), turn off TLS checks
        // (GIT_SSL_NO_VERIFY), or write traces with the credentials in them (GIT_TRACE_CURL).
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("GIT_", StringComparison.Ordinal) && !KeptGitVariables.Contains(k)).ToArray())
        {
            start.Environment.Remove(name);
        }
        // No prompt of any kind: not the terminal's, and no askpass program (an empty GIT_ASKPASS wins over core.askPass and
        // SSH_ASKPASS), which would otherwise be run for credentials no helper gave and hang the command.
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = "";
        start.Environment.Remove("SSH_ASKPASS");
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["LC_ALL"] = "C";
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new GitCommandException($"git could not be started ({ex.Message})", ex);
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(commandTimeout);
        var stdout = ReadBoundedAsync(process.StandardOutput.BaseStream, limit.Token);
        var stderr = ReadBoundedAsync(process.StandardError.BaseStream, limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            var (output, errors) = (await stdout, await stderr);
            if (process.ExitCode != 0)
            {
                throw new GitCommandException($"git {args[0]} failed (exit {process.ExitCode}): {Hide(Encoding.UTF8.GetString(errors.Bytes).Trim())}");
            }
            // Cut output read as the whole would be a wrong answer (a listing that leaves out what it goes on to name).
            return output.Cut
                ? throw new GitCommandException($"git {args[0]} printed more than {MaxOutputBytes / (1024 * 1024)} MiB, more than this step reads")
                : output.Bytes;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await KillAsync(process);
            throw new GitCommandException($"git {args[0]} took longer than {commandTimeout.TotalSeconds:N0} s and was stopped");
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process);
            throw;
        }
    }

    /// <summary>git and what it started, stopped, and waited for (a few seconds at most), so its files are no longer being written.</summary>
    private static async Task KillAsync(Process process)
    {
        process.Kill(entireProcessTree: true);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // Gone or not, the caller goes on: its cache is cleared or warned about.
        }
    }

    /// <summary>What git printed, the remote (as given) shown without its credentials, cut to a few lines.</summary>
    private string Hide(string text)
    {
        if (_remote is { } remote)
        {
            text = text.Replace(remote.Given, UrlDisplay.Redact(remote.Given), StringComparison.Ordinal);
        }
        return text.Length <= 600 ? text : text[..600] + "...";
    }

    /// <summary>What git printed, at most <see cref="MaxOutputBytes"/>, and whether there was more.</summary>
    private static async Task<(byte[] Bytes, bool Cut)> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        var cut = false;
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            // Past the bound the rest is read and dropped, so git never blocks on a full pipe.
            if (buffer.Length + n <= MaxOutputBytes)
            {
                await buffer.WriteAsync(chunk.AsMemory(0, n), cancellationToken);
            }
            else
            {
                cut = true;
            }
        }
        return (buffer.ToArray(), cut);
    }
}
