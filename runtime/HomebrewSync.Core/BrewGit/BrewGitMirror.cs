using HomebrewSync.Contracts;
using HomebrewSync.Core.Formatting;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.PortableRuby;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.BrewGit;

/// <summary>
/// The mirror of brew's own git repository in the store, under <c>brew.git/</c>, for <c>HOMEBREW_BREW_GIT_REMOTE</c>: packs first,
/// then <c>objects/info/packs</c>, <c>info/refs</c> and <c>HEAD</c>, so a client never sees a ref to an object not yet stored. Only
/// packs the store lacks are uploaded (pack names are their content's hash). The refs are held back while the brew they point at
/// names a portable Ruby the mirror does not hold, or while an API file could not be brought up to date: a client never gets a
/// brew the mirror cannot run or feed.
/// </summary>
internal sealed class BrewGitMirror(IGitRepositoryCache cache, IDocumentStore documents, string remote, bool portableRubyMirrored)
{
    public const string Prefix = "brew.git/";
    private const string VendorDirectory = "Library/Homebrew/vendor/";
    private const string RubyVersionFile = VendorDirectory + "portable-ruby-version";
    private static readonly string[] RefFiles = ["objects/info/packs", "info/refs", "HEAD"];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private GitCacheState? _state;
    private GitCommandException? _failure;

    /// <summary>Where the repository comes from, credentials hidden.</summary>
    public string Remote => UrlDisplay.Redact(remote);

    /// <summary>The portable Ruby version the remote's brew names (its <c>vendor/portable-ruby-version</c>); none when it names none.</summary>
    public async Task<IReadOnlyCollection<string>> NamedPortableRubyAsync(CancellationToken cancellationToken)
    {
        var state = await RefreshedAsync(cancellationToken);
        return await cache.ShowAsync(state.Commit, RubyVersionFile, cancellationToken) is { } v && PortableRubyImage.IsVersion(v.Trim()) ? [v.Trim()] : [];
    }

    /// <summary>Uploads the packs the store lacks, then publishes the refs unless held back.</summary>
    /// <param name="mirror">The hash file after the run: the portable Ruby brew names must be in it.</param>
    /// <param name="apiProblems">API files this run could not bring up to date: brew is held back with them.</param>
    public async Task<BrewGitResult> PublishAsync(HashFile? mirror, IReadOnlyList<string> apiProblems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(apiProblems);
        var state = await RefreshedAsync(cancellationToken);
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var o in documents.ListDocumentsAsync(Prefix + "objects/pack/", cancellationToken))
        {
            stored.Add(o.Key);
        }
        var uploaded = 0;
        // A pack before its index: a client that finds the index finds the pack.
        foreach (var file in state.PackFiles.OrderBy(f => f.EndsWith(".idx", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal))
        {
            var key = Prefix + file;
            if (!StoreKeys.IsBrewGitKey(key) || stored.Contains(key))
            {
                continue;
            }
            await documents.PutDocumentAsync(key, await cache.ReadAsync(file, cancellationToken), ContentType(key), cancellationToken);
            uploaded++;
        }
        var heldBack = apiProblems.Count > 0
            ? $"held back with the API files this run could not bring up to date ({string.Join(", ", apiProblems)})"
            : await MissingRubyAsync(state, mirror, cancellationToken);
        if (heldBack is not null)
        {
            return new BrewGitResult(uploaded, false, heldBack);
        }
        var written = new List<string>();
        foreach (var file in RefFiles)
        {
            // As the refresh left them: another run on this host may have fetched since, naming packs this one did not upload.
            var bytes = state.RefFiles.TryGetValue(file, out var held) ? held : await cache.ReadAsync(file, cancellationToken);
            try
            {
                if (await documents.GetDocumentAsync(Prefix + file, cancellationToken) is not { } current || !current.Content.AsSpan().SequenceEqual(bytes))
                {
                    await documents.PutDocumentAsync(Prefix + file, bytes, ContentType(file), cancellationToken);
                }
            }
            catch (Exception ex) when (ex is UnsafeStoreKeyException or IOException)
            {
                // A link or a folder in its place is left as it is; what was written before it is said, not hidden.
                return new BrewGitResult(uploaded, false, written.Count == 0 ? ex.Message : $"{ex.Message} (already up to date: {string.Join(", ", written.Select(w => Prefix + w))})");
            }
            written.Add(file);
        }
        return new BrewGitResult(uploaded, true, null);
    }

    /// <summary>Content type of a brew.git object as git's smart servers send it (dumb clients take any).</summary>
    public static string ContentType(string key) =>
        key.EndsWith(".pack", StringComparison.Ordinal) ? "application/x-git-packed-objects"
        : key.EndsWith(".idx", StringComparison.Ordinal) ? "application/x-git-packed-objects-toc"
        : "text/plain; charset=utf-8";

    /// <summary>The most portable Ruby platform files (<c>vendor/portable-ruby-*</c>) read of a brew; Homebrew's has a few.</summary>
    public const int MaxRubyPlatforms = 32;

    /// <summary>Why the brew at the default branch cannot be published yet: a portable Ruby bottle it names that the mirror lacks; null when none.</summary>
    private async Task<string?> MissingRubyAsync(GitCacheState state, HashFile? mirror, CancellationToken cancellationToken)
    {
        if (!portableRubyMirrored || await cache.ShowAsync(state.Commit, RubyVersionFile, cancellationToken) is not { } text)
        {
            return null;
        }
        var version = text.Trim();
        if (!PortableRubyImage.IsVersion(version))
        {
            // Not quoted: the remote's text, up to megabytes of it and any lines it likes, is not the run's log or Slack's.
            return $"held back: the brew it would publish names a portable Ruby version that is not one ({RubyVersionFile} holds {Humanize.Count(version.Length)} characters)";
        }
        var missing = new List<string>();
        var platforms = (await cache.ListAsync(state.Commit, VendorDirectory, cancellationToken))
            .Where(name => name.StartsWith("portable-ruby-", StringComparison.Ordinal) && name != "portable-ruby-version")
            .ToArray();
        if (platforms.Length > MaxRubyPlatforms)
        {
            // brew names a handful; a remote naming thousands would have each read by its own git process.
            return $"held back: the brew it would publish names {platforms.Length:N0} portable Ruby platforms, more than the {MaxRubyPlatforms} this step reads";
        }
        foreach (var name in platforms)
        {
            if (await cache.ShowAsync(state.Commit, VendorDirectory + name, cancellationToken) is not { } platform)
            {
                continue;
            }
            var (tag, sha) = (Field(platform, "ruby_TAG"), Field(platform, "ruby_SHA"));
            if (tag is not null && !StoreKeys.IsTag(tag))
            {
                missing.Add("a platform whose ruby_TAG is not a tag");
            }
            else if (tag is not null && (mirror is null || !mirror.TryGet($"{PortableRubyImage.Name}-{version}-{tag}", out var entry) || (sha is not null && entry.Sha256 != sha)))
            {
                missing.Add(tag);
            }
        }
        return missing.Count == 0 ? null : $"held back: the brew it would publish names portable Ruby {version}, which the mirror does not hold for {string.Join(", ", missing)}";
    }

    private static string? Field(string text, string name) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..].Trim('"', ' ');

    /// <summary>
    /// The cache, refreshed once per run (planning learns the Ruby it names, the end publishes it). A refresh that failed is not
    /// tried again in the same run: a remote that sent too much, or hung until the time limit, costs that once, not twice.
    /// </summary>
    private async Task<GitCacheState> RefreshedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_failure is { } failed)
            {
                throw new GitCommandException(failed.Message, failed);
            }
            return _state ??= await cache.RefreshAsync(remote, cancellationToken);
        }
        catch (GitCommandException ex) when (_failure is null)
        {
            _failure = ex;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }
}
