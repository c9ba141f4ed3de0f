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
        _leases = new FolderLeases(PathOf, _writeLock, this);
    }

    public string Location => _root;

    public string HashFileLocation => HashFilePath;

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z")]
    private static partial Regex DateFolder();

    public string Describe(string key) => PathOf(key);

    public Task PrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(_root);
            if (IsLink(Path.Combine(_root, StagingDir)))
            {
                throw new IOException($"{Path.Combine(_root, StagingDir)} is a symbolic link; the staging folder must be the store's own");
            }
            var staging = Directory.CreateDirectory(Path.Combine(_root, StagingDir));
            var probe = Path.Combine(staging.FullName, $"probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            // Leftovers of a killed run: nothing refers to them.
            var cutoff = _time.GetUtcNow().UtcDateTime - StaleStaging;
            foreach (var stale in staging.EnumerateFiles("*.part", NoLinks).Where(f => f.LastWriteTimeUtc < cutoff))
            {
                stale.Delete();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreAccessException($"The store {_root} is not writable: {ex.Message}", ex);
        }
        return Task.CompletedTask;
    }

    public async Task<HashFileSnapshot?> ReadHashFileAsync(CancellationToken cancellationToken)
    {
        // Through PathOf, as every key: a link as the hash file (to another store's, say) would vouch for what this store holds.
        var path = PathOf(ProductInfo.HashFileName);
        byte[] bytes;
        try
        {
            bytes = await StoreFile.ReadAllBytesAsync(path, ProductInfo.HashFileName, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var hashFile = HashFileSerializer.Read(bytes, path);
        return new HashFileSnapshot(hashFile, AtomicFile.VersionOf(bytes));
    }

    public async Task<string> WriteHashFileAsync(HashFile hashFile, string? expectedVersion, CancellationToken cancellationToken)
    {
        var bytes = await HashFileSerializer.ToBytesAsync(hashFile, cancellationToken);
        Directory.CreateDirectory(_root);
        await using var lockHandle = await _writeLock.AcquireAsync(cancellationToken);
        var path = PathOf(ProductInfo.HashFileName);
        var current = File.Exists(path) ? AtomicFile.VersionOf(await StoreFile.ReadAllBytesAsync(path, ProductInfo.HashFileName, cancellationToken)) : null;
        if (current != expectedVersion)
        {
            throw new HashFileConflictException($"{HashFilePath} changed since it was read (expected version {expectedVersion ?? "none"}, found {current ?? "none"})");
        }
        await AtomicFile.ReplaceAsync(HashFilePath, bytes, cancellationToken);
        return AtomicFile.VersionOf(bytes);
    }

    public async Task<string?> BackupHashFileAsync(string stamp, CancellationToken cancellationToken)
    {
        var path = PathOf(ProductInfo.HashFileName);
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = await StoreFile.ReadAllBytesAsync(path, ProductInfo.HashFileName, cancellationToken);
        // Written beside and renamed into place: a link planted under the backup's name is replaced, never written through.
        await AtomicFile.ReplaceAsync(PathOf($"{ProductInfo.HashFileName}.backup-{stamp}"), bytes, cancellationToken);
        return AtomicFile.VersionOf(bytes);
    }

    public Task<IStagedBottle> StageAsync(string key, long? expectedSize, CancellationToken cancellationToken)
    {
        // Refused now if it already cannot be stored there; checked again when it is moved into place.
        PathOf(key);
        var temp = Path.Combine(StagingFolder(), $"{Guid.NewGuid():N}.part");
        // Deleted at the end only while .staging is still the store's own folder: through a link swapped in for it, the name
        // would lead to someone else's file.
        return Task.FromResult<IStagedBottle>(new StagingFile(temp, (path, _, _) =>
        {
            MoveIntoPlace(path, key);
            return Task.CompletedTask;
        }, () => !IsLink(Path.Combine(_root, StagingDir)), durable: true));
    }

    public async Task CopyAsync(string sourceKey, string destinationKey, BottleMetadata metadata, CancellationToken cancellationToken)
    {
        var source = PathOf(sourceKey);
        var destination = PathOf(destinationKey);
        if (string.Equals(source, destination, StringComparison.Ordinal))
        {
            return;
        }
        var temp = Path.Combine(StagingFolder(), $"{Guid.NewGuid():N}.part");
        // Through the store's own open (File.Copy would wait on a named pipe); the copy is of what was opened.
        using (var handle = StoreFile.OpenRead(source, sourceKey, FileOptions.SequentialScan))
        {
            await using var from = new StoredFileStream(handle, 0, RandomAccess.GetLength(handle));
            await using var to = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            await from.CopyToAsync(to, cancellationToken);
            await to.FlushAsync(cancellationToken);
            RandomAccess.FlushToDisk(to.SafeFileHandle);
        }
        MoveIntoPlace(temp, destinationKey);
    }

    /// <summary>The staging folder, made when missing; a link in its place (bytes written elsewhere) is refused.</summary>
    private string StagingFolder()
    {
        var staging = Path.Combine(_root, StagingDir);
        Directory.CreateDirectory(staging);
        return IsLink(staging) ? throw new UnsafeStoreKeyException(StagingDir, $"{staging} is a symbolic link; links in the store are never followed") : staging;
    }

    /// <summary>
    /// Renames a verified file to its key's path, the path checked again now and once more after its folder is made: a download
    /// takes minutes, and a link made meanwhile where the day's folder goes must not carry the bytes out of the store.
    /// </summary>
    private void MoveIntoPlace(string file, string key)
    {
        // The staging folder too: a link swapped in for it since would hand over a file of someone else's under the staged name.
        StagingFolder();
        var folder = Path.GetDirectoryName(PathOf(key))!;
        var made = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        File.Move(file, PathOf(key), overwrite: true);
        // The rename on disk (and the day's folder, when this made it) before the hash file lists the bottle.
        StoreFile.FlushFolder(folder);
        if (made)
        {
            StoreFile.FlushFolder(_root);
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
        using var handle = StoreFile.OpenRead(PathOf(key), key, FileOptions.SequentialScan);
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
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public async Task<StoredDocument?> GetDocumentAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var path = PathOf(key);
            var bytes = await StoreFile.ReadAllBytesAsync(path, key, cancellationToken);
            return new StoredDocument(bytes, File.GetLastWriteTimeUtc(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnsafeStoreKeyException)
        {
            // A link is not a document of the store's.
            return null;
        }
    }

    public Task PutDocumentAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken) =>
        AtomicFile.ReplaceAsync(PathOf(key), content, cancellationToken);

    public Task DeleteDocumentAsync(string key, CancellationToken cancellationToken)
    {
        StoreKeys.EnsureDeletable(key);
        File.Delete(PathOf(key));
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
            // A name that is not valid UTF-8 reads with U+FFFD in it and cannot be opened by that name: no key of the store's.
            if (info.Name.EndsWith(".tmp", StringComparison.Ordinal) || info.LinkTarget is not null || key.Contains('\uFFFD', StringComparison.Ordinal) || !StoreKeys.IsStoreKey(key))
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
            handle = StoreFile.OpenRead(PathOf(key), key, FileOptions.SequentialScan);
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
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!StoreKeys.IsStoreKey(key))
        {
            throw new ArgumentException($"'{key}' is not a store key", nameof(key));
        }
        var full = Path.GetFullPath(Path.Combine(_root, key));
        if (!full.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{key}' is outside the store", nameof(key));
        }
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

    private static readonly EnumerationOptions NoLinks = new() { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
    private static readonly EnumerationOptions NoLinksRecursive = new() { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true, RecurseSubdirectories = true };

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
