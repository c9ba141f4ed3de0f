using System.Security.Cryptography;

namespace HomebrewSync.Adapters.Files;

/// <summary>Whole-file writes that readers never see half done, and the version a compare-and-swap compares.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes beside the file in its open folder, flushes it to disk, renames it over the file and flushes the folder (and the
    /// folder above each folder its open made): after a power cut the file is the old one or the new one, never empty or half
    /// written (a rename can reach the disk before the bytes), and a new folder's file is not lost with the folder's own entry.
    /// A link under <paramref name="name"/> is replaced, never written through.
    /// </summary>
    public static async Task ReplaceAsync(StoreDirectory folder, string name, byte[] content, CancellationToken cancellationToken)
    {
        var temp = $"{name}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = folder.CreateNew(temp, bufferSize: 1))
            {
                await file.WriteAsync(content, cancellationToken);
                // Also where the close would report a failed write-back (a full disk on NFS): thrown here, the old file kept.
                RandomAccess.FlushToDisk(file.SafeFileHandle);
            }
            folder.MoveHere(folder, temp, name);
            folder.Flush();
        }
        finally
        {
            folder.Delete(temp);
        }
    }

    /// <summary>A file's version: the SHA-256 of its bytes.</summary>
    public static string VersionOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
