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
    public static (int Files, long Bytes) Delete(string folder, DateTime before)
    {
        if (!Directory.Exists(folder))
        {
            return (0, 0);
        }
        var (files, bytes) = (0, 0L);
        foreach (var stale in new DirectoryInfo(folder).EnumerateFiles("*.part", NoLinks).Where(f => f.LastWriteTimeUtc < before))
        {
            var size = stale.Length;
            stale.Delete();
            files++;
            bytes += size;
        }
        return (files, bytes);
    }
}
