namespace HomebrewSync.Adapters.Files;

/// <summary>
/// Staged downloads (<c>*.part</c>) a killed run left in a staging folder: nothing refers to them once their run is gone, and
/// they hold the space the next run stages in.
/// </summary>
public static class StagingLeftovers
{
    private static readonly EnumerationOptions NoLinks = new() { AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };

    /// <summary>
    /// Deletes the <c>*.part</c> files directly in <paramref name="folder"/> last written before <paramref name="before"/> (links
    /// and folders are left alone); nothing when the folder is missing.
    /// </summary>
    /// <returns>How many were deleted and their bytes.</returns>
    public static (int Files, long Bytes) Delete(string folder, DateTime before) =>
        Directory.Exists(folder) ? Delete(new DirectoryInfo(folder).GetFiles("*.part", NoLinks), before, name => File.Delete(Path.Combine(folder, name))) : (0, 0);

    /// <summary>The same, in a folder of the store's held open: listed and deleted through it.</summary>
    internal static (int Files, long Bytes) Delete(StoreDirectory folder, DateTime before) => Delete(folder.Files("*.part"), before, folder.Delete);

    private static (int Files, long Bytes) Delete(IEnumerable<FileInfo> files, DateTime before, Action<string> delete)
    {
        var (count, bytes) = (0, 0L);
        foreach (var stale in files.Where(f => f.LastWriteTimeUtc < before))
        {
            delete(stale.Name);
            count++;
            bytes += stale.Length;
        }
        return (count, bytes);
    }
}
