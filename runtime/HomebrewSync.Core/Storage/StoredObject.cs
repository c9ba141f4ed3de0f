namespace HomebrewSync.Core.Storage;

/// <summary>Any object of the store, as a listing or a HEAD sees it.</summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified);
