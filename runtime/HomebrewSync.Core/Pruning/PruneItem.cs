namespace HomebrewSync.Core.Pruning;

/// <summary>One object prune removes (or would remove).</summary>
/// <param name="HashKey">The hash-file entry that named it; null for an object no entry names.</param>
public sealed record PruneItem(string ObjectKey, long Size, string? HashKey, string Reason);
