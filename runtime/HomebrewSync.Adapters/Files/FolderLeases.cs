using HomebrewSync.Core.Coordination;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Adapters.Files;

/// <summary>
/// The local store's lease files under <c>leases/</c>: created by a hard link of a written file (atomic, and refused where one
/// exists), replaced by compare-and-swap under the store's write lock.
/// </summary>
/// <param name="pathOf">The store's path of a key, checked to stay inside the root and off links.</param>
/// <param name="documents">The store, listing <c>leases/</c> as any other folder of documents.</param>
internal sealed class FolderLeases(Func<string, string> pathOf, HashFileLock writeLock, IDocumentStore documents) : ILeaseStore
{
    public async Task<string?> TryCreateLeaseAsync(string key, byte[] content, CancellationToken cancellationToken)
    {
        var path = LeasePath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, content, cancellationToken);
            // A hard link is made whole or refused where the name exists: two commands creating the lease at once get one each
            // way. .NET's no-overwrite move is a look, then a rename that replaces: both could take it. Where no hard link can
            // be made, that move is what there is.
            switch (StoreFile.TryLinkNew(temp, path))
            {
                case false:
                    return null;
                case null:
                    File.Move(temp, path, overwrite: false);
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
            File.Delete(temp);
        }
    }

    public async Task<string?> TryReplaceLeaseAsync(string key, byte[] content, string expectedVersion, CancellationToken cancellationToken)
    {
        var path = LeasePath(key);
        // Compare and swap under the store's write lock, as the hash file is written.
        await using var lockHandle = await writeLock.AcquireAsync(cancellationToken);
        byte[] current;
        try
        {
            current = await StoreFile.ReadAllBytesAsync(path, key, cancellationToken, lease: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (AtomicFile.VersionOf(current) != expectedVersion)
        {
            return null;
        }
        await AtomicFile.ReplaceAsync(path, content, cancellationToken);
        return AtomicFile.VersionOf(content);
    }

    public async Task<(byte[] Content, string Version)?> ReadLeaseAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await StoreFile.ReadAllBytesAsync(LeasePath(key), key, cancellationToken, lease: true);
            return (bytes, AtomicFile.VersionOf(bytes));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public IAsyncEnumerable<string> ListLeasesAsync(CancellationToken cancellationToken) =>
        documents.ListDocumentsAsync(StoreCoordinator.Prefix, cancellationToken).Select(o => o.Key);

    public Task DeleteLeaseAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(LeasePath(key));
        return Task.CompletedTask;
    }

    private string LeasePath(string key) => StoreCoordinator.IsLeaseKey(key) ? pathOf(key) : throw new UnsafeStoreKeyException(key, "not a lease key");
}
