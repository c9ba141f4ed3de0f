namespace HomebrewSync.Core.Storage;

/// <summary>A stored bottle; <see cref="Sha256"/> is what the store recorded at upload, when it records one.</summary>
public sealed record StoredBottle(string Key, long Size, string? Sha256, DateTimeOffset? LastModified = null);
