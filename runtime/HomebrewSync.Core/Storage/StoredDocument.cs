namespace HomebrewSync.Core.Storage;

/// <summary>A document's bytes and when the store last wrote them.</summary>
public sealed record StoredDocument(byte[] Content, DateTimeOffset LastModified)
{
    /// <summary>
    /// The largest document a store reads whole (the hash file, a plan, an API file): what one array holds. Every store
    /// refuses a larger one naming it, before reading any of it.
    /// </summary>
    public static readonly long MaxBytes = Array.MaxLength;

    /// <summary>The largest lease a store reads: a lease is a few hundred bytes, and one far larger is not a lease.</summary>
    public const long MaxLeaseBytes = 64 * 1024;

    /// <summary>Why <paramref name="size"/> bytes at <paramref name="location"/> (a lease, or another document) are not read, or null when they may be.</summary>
    public static string? TooLarge(string location, long size, bool lease)
    {
        var (limit, what) = lease ? (MaxLeaseBytes, "lease") : (MaxBytes, "document of the store");
        return size > limit ? $"{location} is {size:N0} bytes, more than any {what} can be ({limit:N0}); it is not the store's: move it away" : null;
    }
}
