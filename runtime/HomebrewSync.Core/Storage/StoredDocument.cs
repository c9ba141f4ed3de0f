namespace HomebrewSync.Core.Storage;

/// <summary>A document's bytes and when the store last wrote them.</summary>
public sealed record StoredDocument(byte[] Content, DateTimeOffset LastModified);
