using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// The local store's lease files under <c>leases/</c>: created by a hard link of a written file (atomic, and refused where one
/// exists), replaced by compare-and-swap under the store's write lock.
/// </summary>
/// <param name="folderOf">The store's open folder of a key and its name there (the folder made when asked), checked to stay inside the root and off links.</param>
/// <param name="documents">The store, listing <c>leases/</c> as any other folder of documents.</param>
internal sealed class FolderLeases(Func<string, bool, (StoreDirectory Folder, string Name)> folderOf, HashFileLock writeLock, IDocumentStore documents) : ILeaseStore
{
    public async Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        var (folder, name) = LeaseFolder(key, create: true);
        using (folder)
        {
            var temp = $"{name}.{Guid.NewGuid():N}.tmp";
            var path = Path.Combine(folder.FolderPath, name);
            try
            {
                await using (var file = folder.CreateNew(temp, bufferSize: 1))
                {
                    await file.WriteAsync(content, cancellationToken);
                }
                // A hard link is made whole or refused where the name exists: two commands creating the lease at once get one each
                // way. .NET's no-overwrite move is a look, then a rename that replaces: both could take it. Where no hard link can
                // be made, that move is what there is.
                switch (folder.TryLinkNew(temp, name))
                {
                    case false:
                        return null;
                    case null:
                        File.Move(Path.Combine(folder.FolderPath, temp), path, overwrite: false);
                        break;
                }
                return AtomicFile.VersionOf(content);
            }
            catch (IOException) when (File.Exists(path))
            {
                return null;
            }
            finally
            {
                folder.Delete(temp);
            }
        }
    }

    public async Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken)
    {
        // Compare and swap under the store's write lock, as the hash file is written.
        await using var lockHandle = await writeLock.AcquireAsync(cancellationToken);
        if (await ReadAsync(key, cancellationToken) is not { } current || AtomicFile.VersionOf(current) != expectedVersion)
        {
            return null;
        }
        var (folder, name) = LeaseFolder(key, create: true);
        using (folder)
        {
            await AtomicFile.ReplaceAsync(folder, name, content, cancellationToken);
        }
        return AtomicFile.VersionOf(content);
    }

    public async Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken) =>
        await ReadAsync(key, cancellationToken) is { } bytes ? (bytes, AtomicFile.VersionOf(bytes)) : null;

    public IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken) =>
        documents.ListDocumentsAsync(StoreCoordinator.Prefix, cancellationToken).Select(o => o.Key);

    /// <summary>
    /// Read, compared, then deleted. Not under the store's write lock: a command that wrote nothing leaves nothing behind, the
    /// lock's file included, and a lease is replaced only once it has expired (or by its holder), so a replacement between the
    /// look and the delete needs this command paused past its own lease's end in that moment.
    /// </summary>
    public async Task<bool> DeleteLeaseAsync(string key, string expectedVersion, CancellationToken cancellationToken)
    {
        if (await ReadAsync(key, cancellationToken) is not { } current || AtomicFile.VersionOf(current) != expectedVersion)
        {
            return false;
        }
        var (folder, name) = LeaseFolder(key, create: false);
        using (folder)
        {
            folder.Delete(name);
        }
        return true;
    }

    /// <summary>The lease's bytes (refused past a lease's limit), or null when there is none.</summary>
    private async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var (folder, name) = LeaseFolder(key, create: false);
            using (folder)
            {
                using var handle = folder.OpenRead(name, key);
                return await StoreFile.ReadAllBytesAsync(handle, Path.Combine(folder.FolderPath, name), cancellationToken, lease: true);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private (StoreDirectory Folder, string Name) LeaseFolder(string key, bool create) =>
        StoreCoordinator.IsLeaseKey(key) ? folderOf(key, create) : throw new UnsafeStoreKeyException(key, "not a lease key");
}
