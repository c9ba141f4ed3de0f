using System.Security.Cryptography;

namespace HomebrewSync.Adapters.Files;

/// <summary>Whole-file writes that readers never see half done, and the version a compare-and-swap compares.</summary>
internal static class AtomicFile
{
    /// <summary>Writes beside the file, then renames over it.</summary>
    public static async Task ReplaceAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await File.WriteAllBytesAsync(temp, content, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A file's version: the SHA-256 of its bytes.</summary>
    public static string VersionOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
