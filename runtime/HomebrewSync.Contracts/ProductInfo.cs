namespace HomebrewSync.Contracts;

public static class ProductInfo
{
    /// <summary>Written as <c>sync_version</c> in the hash file and as object metadata.</summary>
    public const string SyncVersion = "1.0.0";

    /// <summary>The hash file's name at the store (bucket or prefix) root.</summary>
    public const string HashFileName = "bottles_hash.json";
}
