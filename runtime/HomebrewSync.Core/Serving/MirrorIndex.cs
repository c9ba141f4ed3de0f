using System.Runtime.ExceptionServices;
using HomebrewSync.Contracts;
using HomebrewSync.Core.Catalog;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Serving;

/// <summary>
/// The hash file as the endpoint looks things up: by bottle file name (<c>HOMEBREW_BOTTLE_DOMAIN</c>) and by
/// sha256 (<c>HOMEBREW_ARTIFACT_DOMAIN</c>), and the formula versions of each image (whose image indexes are served). Only what it lists is served. Re-read when the hash file changes,
/// checked at most every <see cref="ServeOptions.Refresh"/>.
/// </summary>
internal sealed class MirrorIndex
{
    private readonly IHashFileStore _hashFile;
    private readonly IStoreReader _reader;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refresh;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Snapshot _current = Snapshot.Empty;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;
    private volatile bool _stale;

    /// <summary>The hash file as it was when it could not be read, and why; null once it has been read.</summary>
    private volatile Failure? _failed;

    private sealed record Failure(StoredObject Head, Exception Error);

    public MirrorIndex(IHashFileStore hashFile, IStoreReader reader, TimeProvider time, TimeSpan refresh)
    {
        _hashFile = hashFile;
        _reader = reader;
        _time = time;
        _refresh = refresh;
    }

    /// <param name="VersionsByImage">Registry image name (<c>openssl/3</c>) to the formula versions the hash file lists for it.</param>
    public sealed record Snapshot(IReadOnlyDictionary<string, HashEntry> ByFileName, IReadOnlyDictionary<string, HashEntry> BySha256,
        IReadOnlyDictionary<string, string[]> VersionsByImage, StoredObject? HashFile, DateTimeOffset? LoadedAt)
    {
        public static readonly Snapshot Empty = new(new Dictionary<string, HashEntry>(), new Dictionary<string, HashEntry>(), new Dictionary<string, string[]>(), null, null);

        /// <summary>Whether <paramref name="reference"/> (<c>&lt;version&gt;</c> or <c>&lt;version&gt;-&lt;rebuild&gt;</c>) is a listed version of <paramref name="image"/>.</summary>
        public bool ListsVersion(string image, string reference)
        {
            if (!VersionsByImage.TryGetValue(image, out var versions))
            {
                return false;
            }
            foreach (var v in versions)
            {
                if (reference.StartsWith(v, StringComparison.Ordinal) && (reference.Length == v.Length || reference[v.Length] == '-'))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// The index, re-read first when the refresh interval has passed and the hash file changed. A hash file that cannot be read
    /// (corrupt, refused) fails every request, as before, but is read again only once it has changed: its failure is remembered
    /// with the size and time it had, so a client asking in a loop costs a HEAD per refresh interval, not a read and a parse each.
    /// </summary>
    public async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        if (!_stale && _time.GetUtcNow() - _checkedAt < _refresh)
        {
            return Current();
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_stale && _time.GetUtcNow() - _checkedAt < _refresh)
            {
                return Current();
            }
            _stale = false;
            var head = await _reader.HeadAsync(ProductInfo.HashFileName, cancellationToken);
            if (head is null)
            {
                (_current, _failed) = (Snapshot.Empty, null);
            }
            else if (_failed is { } failed ? !Same(failed.Head, head) : _current.HashFile is not { } seen || !Same(seen, head))
            {
                try
                {
                    var snapshot = await _hashFile.ReadHashFileAsync(cancellationToken);
                    (_current, _failed) = (snapshot is null ? Snapshot.Empty : Build(snapshot.HashFile, head, _time.GetUtcNow()), null);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _failed = new Failure(head, ex);
                }
            }
            _checkedAt = _time.GetUtcNow();
            return Current();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The index as last read, or the failure of the last read, thrown again (its type and message as they were).</summary>
    private Snapshot Current()
    {
        if (_failed is { } failed)
        {
            ExceptionDispatchInfo.Throw(failed.Error);
        }
        return _current;
    }

    private static bool Same(StoredObject a, StoredObject b) => a.Size == b.Size && a.LastModified == b.LastModified;

    /// <summary>The hash file changed here (a pull recorded a bottle): the next request looks at it again, refresh interval or not.</summary>
    public void Invalidate() => _stale = true;

    private static Snapshot Build(HashFile hashFile, StoredObject head, DateTimeOffset now)
    {
        var byName = new Dictionary<string, HashEntry>(StringComparer.Ordinal);
        var bySha = new Dictionary<string, HashEntry>(StringComparer.Ordinal);
        var byImage = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (_, e) in hashFile.Ordered)
        {
            var slash = e.S3Key.LastIndexOf('/');
            byName[slash < 0 ? e.S3Key : e.S3Key[(slash + 1)..]] = e;
            bySha.TryAdd(e.Sha256, e);
            var image = BottleNaming.ImageName(e.FormulaName);
            if (!byImage.TryGetValue(image, out var versions))
            {
                byImage[image] = versions = new HashSet<string>(StringComparer.Ordinal);
            }
            versions.Add(e.FormulaVersion);
        }
        return new Snapshot(byName, bySha, byImage.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal), head, now);
    }
}
