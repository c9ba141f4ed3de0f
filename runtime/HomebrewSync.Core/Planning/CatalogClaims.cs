namespace HomebrewSync.Core.Planning;

/// <summary>
/// The hash-file keys, file names and image-index keys the catalog's entries take, in catalog order: the first entry to
/// need one has it, and a later entry whose bottle or index would take one already taken is left out, so no two transfers
/// ever write one key. Claimed whatever their case: on a file system that ignores case (APFS, macOS's default; NTFS) two
/// names that differ only in case are one file, and the second bottle would overwrite the first while both stayed listed.
/// A sync's plan (<see cref="PlanBuilder"/>) and serve's pull-through (<see cref="Pipeline.PullCatalog"/>) claim alike.
/// </summary>
internal sealed class CatalogClaims
{
    private readonly Dictionary<string, string> _claimed = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Claims a bottle's key and file name for <paramref name="owner"/> (its formula's name and version).</summary>
    /// <returns>Null once claimed; else the owner that took the key or the file name first.</returns>
    public string? TryClaimBottle(string key, string fileName, string owner)
    {
        if ((_claimed.GetValueOrDefault(key) ?? _claimed.GetValueOrDefault(fileName)) is { } first)
        {
            return first;
        }
        _claimed[key] = owner;
        _claimed[fileName] = owner;
        return null;
    }

    /// <summary>Claims a formula version's image index key (two names can share an image: '+' and 'x' both become 'x').</summary>
    /// <returns>Null once claimed; else the owner that took it first.</returns>
    public string? TryClaimIndex(string indexKey, string owner) => _claimed.TryAdd(indexKey, owner) ? null : _claimed[indexKey];
}
