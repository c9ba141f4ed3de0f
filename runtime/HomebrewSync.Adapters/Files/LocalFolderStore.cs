using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HomebrewSync.Contracts;
using HomebrewSync.Core.HashFiles;
using HomebrewSync.Core.Storage;
using Microsoft.Win32.SafeHandles;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// A mirror in a local folder: <c>&lt;root&gt;/YYYY-MM-DD/&lt;file&gt;</c>, <c>&lt;root&gt;/bottles_hash.json</c> and documents
/// (<c>plans/</c>, <c>manifests/</c>, <c>api/</c>). Bottles are staged under <c>.staging/</c> on the same file
/// system and renamed into place, so a final path only ever holds verified bytes; the hash file and documents
/// are replaced the same way. Every key is checked to stay inside the root, and no path through a symbolic link is
/// ever read, written, listed or deleted: a link in the store is not the store's.
/// </summary>
public sealed partial class LocalFolderStore : IStore
{
    private const string StagingDir = ".staging";
    private static readonly TimeSpan StaleStaging = TimeSpan.FromHours(6);
    private readonly string _root;
    private readonly string _rootWithSeparator;
    private readonly TimeProvider _time;
    private readonly HashFileLock _writeLock;
    private readonly FolderLeases _leases;

    public LocalFolderStore(string root, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.GetFullPath(root);
        _rootWithSeparator = Path.EndsInDirectorySeparator(_root) ? _root : _root + Path.DirectorySeparatorChar;
        _time = time;
        _writeLock = new HashFileLock(_root, time);
        _leases = new FolderLeases((key, create) => FolderOf(key, create), _writeLock, this);
    }

    public string Location => _root;

    public string HashFileLocation => HashFilePath;

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z")]
    private static partial Regex DateFolder();

    public string Describe(string key) => PathOf(key);

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_root);
            // Opened, not followed if it is a link; the probe and the sweep are done in the folder opened.
            using var staging = StagingFolder();
            var probe = $"probe-{Guid.NewGuid():N}";
            await staging.CreateNew(probe, 1).DisposeAsync();
            staging.Delete(probe);
            // Leftovers of a killed run; another run's download under way is younger.
            StagingLeftovers.Delete(staging, _time.GetUtcNow().UtcDateTime - StaleStaging);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or UnsafeStoreKeyException)
        {
            throw new StoreAccessException($"The store {_root} is not writable: {ex.Message}", ex);
        }
    }

    public async Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken)
    {
        // Opened as every key is: a link as the hash file (to another store's, say) would vouch for what this store holds.
        var bytes = await ReadKeyAsync(ProductInfo.HashFileName, cancellationToken);
        if (bytes is null)
        {
            return null;
        }
        var hashFile = HashFileSerializer.Read(bytes, HashFilePath);
        return new HashFileSnapshot(hashFile, AtomicFile.VersionOf(bytes));
    }

    public async Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken)
    {
        var bytes = await HashFileSerializer.ToBytesAsync(hashFile, cancellationToken);
        Directory.CreateDirectory(_root);
        await using var lockHandle = await _writeLock.AcquireAsync(cancellationToken);
        var current = await ReadKeyAsync(ProductInfo.HashFileName, cancellationToken) is { } held ? AtomicFile.VersionOf(held) : null;
        if (current != expectedVersion)
        {
            throw new HashFileConflictException($"{HashFilePath} changed since it was read (expected version {expectedVersion ?? "none"}, found {current ?? "none"})");
        }
        await ReplaceKeyAsync(ProductInfo.HashFileName, bytes, cancellationToken);
        return AtomicFile.VersionOf(bytes);
    }

    public async Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken)
    {
        if (await ReadKeyAsync(ProductInfo.HashFileName, cancellationToken) is not { } bytes)
        {
            return null;
        }
        // Written beside and renamed into place: a link planted under the backup's name is replaced, never written through.
        await ReplaceKeyAsync($"{ProductInfo.HashFileName}.backup-{stamp}", bytes, cancellationToken);
        return AtomicFile.VersionOf(bytes);
    }

    public Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
    {
        // Refused now if it already cannot be stored there; checked again when it is moved into place.
        PathOf(key);
        // The staging folder stays open while the bottle is: the file is renamed from it and deleted in it, whatever a link
        // swapped in for .staging meanwhile would lead to.
        StoreDirectory? staging = StagingFolder();
        try
        {
            var folder = staging;
            var name = $"{Guid.NewGuid():N}.part";
            var staged = new StagingFile(folder.CreateNew(name, 1 << 16), (_, _, replace, _) => Task.FromResult(MoveIntoPlace(folder, name, key, replace)), () =>
            {
                using (folder)
                {
                    folder.Delete(name);
                }
            }, durable: true, expectedSize);
            staging = null;
            return Task.FromResult<IStagedBottle>(staged);
        }
        finally
        {
            staging?.Dispose();
        }
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        if (string.Equals(PathOf(sourceKey), PathOf(destinationKey), StringComparison.Ordinal))
        {
            return;
        }
        using var staging = StagingFolder();
        var temp = $"{Guid.NewGuid():N}.part";
        try
        {
            // Through the store's own open (File.Copy would wait on a named pipe); the copy is of what was opened.
            using (var handle = OpenKey(sourceKey, FileOptions.SequentialScan))
            {
                await using var from = new StoredFileStream(handle, 0, RandomAccess.GetLength(handle));
                await using var to = staging.CreateNew(temp, 1 << 16);
                await from.CopyToAsync(to, cancellationToken);
                await to.FlushAsync(cancellationToken);
                RandomAccess.FlushToDisk(to.SafeFileHandle);
            }
            MoveIntoPlace(staging, temp, destinationKey, replace: true);
        }
        finally
        {
            staging.Delete(temp);
        }
    }

    /// <summary>The staging folder, made when missing, opened; a link in its place (bytes written elsewhere) is refused.</summary>
    private StoreDirectory StagingFolder() => StoreDirectory.Open(_root, StagingDir, StagingDir, create: true);

    /// <summary>
    /// Moves a verified file from the open staging folder to its key (a rename, or a link where nothing may be replaced), the key's path checked again now and its folder opened
    /// (made when missing) with no link followed: a download takes minutes, and a link made meanwhile where the day's folder
    /// goes must not carry the bytes out of the store.
    /// </summary>
    /// <returns>Whether the file is at the key now: false when <paramref name="replace"/> is not given and something is there (the file then stays staged).</returns>
    private bool MoveIntoPlace(StoreDirectory staging, string file, string key, bool replace)
    {
        var (folder, name) = FolderOf(key, create: true);
        using (folder)
        {
            // Without replace: a second name given only where there is none (link(2)), the staged one removed with the staging.
            // A file system without hard links gets the rename, which replaces.
            if (replace || folder.TryLinkHere(staging, file, name) is not { } linked)
            {
                folder.MoveHere(staging, file, name);
            }
            else if (!linked)
            {
                return false;
            }
            // The new name on disk (and the day's folder, when this made it) before the hash file lists the bottle.
            folder.Flush();
            return true;
        }
    }

    public async Task<bool> HoldsVerifiedAsync(string key, string sha256, CancellationToken cancellationToken)
    {
        if (!File.Exists(PathOf(key)))
        {
            return false;
        }
        // A plain folder keeps no checksum beside the file, so the bytes are hashed again.
        return string.Equals(await ComputeSha256Async(key, cancellationToken), sha256, StringComparison.Ordinal);
    }

    public Task<StoredBottle?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new StoredBottle(key, info.Length, null, info.LastWriteTimeUtc) : null);
    }

    // A plain folder keeps no metadata beside the files.
    public Task<BottleMetadata?> GetMetadataAsync(string key, CancellationToken cancellationToken) => Task.FromResult<BottleMetadata?>(null);

    public async Task<string> ComputeSha256Async(string key, CancellationToken cancellationToken)
    {
        using var handle = OpenKey(key, FileOptions.SequentialScan);
        await using var stream = new StoredFileStream(handle, 0, RandomAccess.GetLength(handle));
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexStringLower(hash);
    }

    public async IAsyncEnumerable<StoredBottle> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_root))
        {
            yield break;
        }
        // Links (a date folder or a file) are skipped, never followed: what they point at is not the store's.
        foreach (var dir in Directory.EnumerateDirectories(_root, "*", NoLinks).Order(StringComparer.Ordinal))
        {
            var folder = Path.GetFileName(dir);
            if (!DateFolder().IsMatch(folder) || IsLink(dir))
            {
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(dir, "*.tar.gz", NoLinks).Order(StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var info = new FileInfo(file);
                var key = $"{folder}/{info.Name}";
                if (info.LinkTarget is null && StoreKeys.IsBottleKey(key))
                {
                    yield return new StoredBottle(key, info.Length, null, info.LastWriteTimeUtc);
                }
            }
        }
        await Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        DeleteKey(key);
        return Task.CompletedTask;
    }

    public async Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var (folder, name) = FolderOf(key, toRead: true);
            using (folder)
            {
                using var handle = folder.OpenRead(name, key);
                var bytes = await StoreFile.ReadAllBytesAsync(handle, Path.Combine(folder.FolderPath, name), cancellationToken);
                return new StoredDocument(bytes, File.GetLastWriteTimeUtc(handle));
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnsafeStoreKeyException)
        {
            // A link is not a document of the store's.
            return null;
        }
    }

    public Task PutDocumentAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken) =>
        ReplaceKeyAsync(key, content, cancellationToken);

    public Task DeleteDocumentAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        DeleteKey(key);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredObject> ListDocumentsAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dir = PathOf(prefix.TrimEnd('/'));
        if (!Directory.Exists(dir))
        {
            yield break;
        }
        foreach (var file in Directory.EnumerateFiles(dir, "*", NoLinksRecursive).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            // Gone since the folder was read (a lease its holder has just given up): not listed. Exists reads the file's state
            // once, and the length below is that state's, so a file removed after this look cannot fail the listing either.
            // A name that is not valid UTF-8 reads with U+FFFD in it and cannot be opened by that name: no key of the store's.
            if (!info.Exists || info.Name.EndsWith(".tmp", StringComparison.Ordinal) || info.LinkTarget is not null || key.Contains('\uFFFD', StringComparison.Ordinal)
                || !StoreKeys.IsStoreKey(key))
            {
                continue;
            }
            yield return new StoredObject(key, info.Length, info.LastWriteTimeUtc);
        }
        await Task.CompletedTask;
    }

    public Task<StoredObject?> HeadAsync(string key, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = PathOf(key);
        }
        catch (UnsafeStoreKeyException)
        {
            // Served as absent: a link is not an object of the store's.
            return Task.FromResult<StoredObject?>(null);
        }
        var info = new FileInfo(path);
        return Task.FromResult(info.Exists ? new StoredObject(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<Stream> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        // No buffer of its own: the caller copies in large reads, straight into its destination.
        SafeFileHandle? handle = null;
        try
        {
            handle = OpenKey(key, FileOptions.SequentialScan);
            var size = RandomAccess.GetLength(handle);
            var start = Math.Min(offset, size);
            var stream = new StoredFileStream(handle, start, Math.Min(length ?? long.MaxValue, size - start));
            handle = null;
            return Task.FromResult<Stream>(stream);
        }
        finally
        {
            handle?.Dispose();
        }
    }

    // Files are read through this process: there is no link to hand out.
    public Task<Uri?> GetDownloadLinkAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken) => Task.FromResult<Uri?>(null);

    public ILeaseStore Leases => _leases;

    private string HashFilePath => Path.Combine(_root, ProductInfo.HashFileName);

    /// <summary>Maps a key to a path inside the root; any key that would land elsewhere is refused.</summary>
    internal string PathOf(string key)
    {
        var full = InsideRoot(key);
        // Every existing step below the root must be the store's own folder or file, never a link to elsewhere.
        var current = _root;
        foreach (var segment in full[_rootWithSeparator.Length..].Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, segment);
            if (IsLink(current))
            {
                throw new UnsafeStoreKeyException(key, $"{current} is a symbolic link; links in the store are never followed");
            }
        }
        return full;
    }

    /// <summary>The key's path, refused unless the key is a store key that stays inside the root.</summary>
    private string InsideRoot(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!StoreKeys.IsStoreKey(key))
        {
            throw new ArgumentException($"'{key}' is not a store key", nameof(key));
        }
        var full = Path.GetFullPath(Path.Combine(_root, key));
        return full.StartsWith(_rootWithSeparator, StringComparison.Ordinal) ? full : throw new ArgumentException($"'{key}' is outside the store", nameof(key));
    }

    /// <summary>
    /// The key's folder, opened beneath the root with no link followed (made when <paramref name="create"/>), and the key's
    /// file name in it: whatever is done by that name is done in the store's own folder.
    /// </summary>
    /// <param name="toRead">
    /// Whether the file is only to be opened for reading: where the kernel refuses links (<see cref="StoreDirectory.RefusesLinks"/>)
    /// its open is the look (a link at any part is refused, named). Otherwise each part is looked at first, so that a link as
    /// the file itself is refused rather than replaced or deleted.
    /// </param>
    internal (StoreDirectory Folder, string Name) FolderOf(string key, bool create = false, bool toRead = false)
    {
        _ = toRead && StoreDirectory.RefusesLinks ? InsideRoot(key) : PathOf(key);
        var slash = key.LastIndexOf('/');
        return (StoreDirectory.Open(_root, slash < 0 ? "" : key[..slash], key, create), key[(slash + 1)..]);
    }

    private SafeFileHandle OpenKey(string key, FileOptions options = FileOptions.None)
    {
        var (folder, name) = FolderOf(key, toRead: true);
        using (folder)
        {
            return folder.OpenRead(name, key, options);
        }
    }

    /// <summary>A file of the store's whole (refused past a document's limit), or null when there is none.</summary>
    private async Task<byte[]?> ReadKeyAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var handle = OpenKey(key);
            return await StoreFile.ReadAllBytesAsync(handle, Path.Combine(_root, key), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async Task ReplaceKeyAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        var (folder, name) = FolderOf(key, create: true);
        using (folder)
        {
            await AtomicFile.ReplaceAsync(folder, name, content, cancellationToken);
        }
    }

    /// <summary>Deletes a key's file; nothing when it, or its folder, is not there.</summary>
    private void DeleteKey(string key)
    {
        StoreDirectory folder;
        string name;
        try
        {
            (folder, name) = FolderOf(key);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        using (folder)
        {
            folder.Delete(name);
        }
    }

    private static readonly EnumerationOptions NoLinks = new() { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
    private static readonly EnumerationOptions NoLinksRecursive = new() { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, RecurseSubdirectories = true };

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
