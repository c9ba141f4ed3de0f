using System.Security.Cryptography;

namespace HomebrewSync.Adapters.Files;

/// <summary>Whole-file writes that readers never see half done, and the version a compare-and-swap compares.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Writes beside the file, flushes it to disk, renames it over the file and flushes the folder (and the folder above each
    /// folder this made): after a power cut the file is the old one or the new one, never empty or half written (a rename can
    /// reach the disk before the bytes), and a new folder's file is not lost with the folder's own entry.
    /// </summary>
    public static async Task ReplaceAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        var made = new List<string>();
        for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f))
        {
            made.Add(f);
        }
        if (made.Count > 0)
        {
            Directory.CreateDirectory(folder);
        }
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                // Also where the close would report a failed write-back (a full disk on NFS): thrown here, the old file kept.
                RandomAccess.FlushToDisk(file.SafeFileHandle);
            }
            File.Move(temp, path, overwrite: true);
            StoreFile.FlushFolder(folder);
            foreach (var f in made)
            {
                StoreFile.FlushFolder(Path.GetDirectoryName(f)!);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A file's version: the SHA-256 of its bytes.</summary>
    public static string VersionOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
