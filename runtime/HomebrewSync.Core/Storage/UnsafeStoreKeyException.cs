namespace HomebrewSync.Core.Storage;

/// <summary>A key the store refuses to act on: outside the mirror's key grammar, or a link, or a path that leaves the store.</summary>
public sealed class UnsafeStoreKeyException : Exception
{
    public UnsafeStoreKeyException(string key, string reason)
        : base($"'{Formatting.Humanize.Clip(key)}' was refused: {reason}")
    {
        Key = key;
        Reason = reason;
    }

    public string Key { get; }
    public string Reason { get; }
}
