using System.Collections.Concurrent;
using HomebrewSync.Core.Storage;

namespace HomebrewSync.Core.Serving;

/// <summary>
/// The image indexes served, held in memory for the hash file they were read under: brew asks for one before every bottle,
/// each is a few KB, and reading it from the store every time cost more than the rest of the request. Bounded (an index over
/// <see cref="MaxDocumentBytes"/> is never held; past <see cref="MaxTotalBytes"/> no more are added) and dropped whole when the
/// hash file changes, so what is held is only ever what the current hash file vouches for, as read from the store.
/// </summary>
internal sealed class ImageIndexCache
{
    public const int MaxDocumentBytes = 64 * 1024;
    public const long MaxTotalBytes = 64L * 1024 * 1024;

    /// <summary>One image index as read from the store.</summary>
    public sealed record Document(byte[] Content, DateTimeOffset LastModified);

    private sealed class Generation(MirrorIndex.Snapshot snapshot)
    {
        public MirrorIndex.Snapshot Snapshot { get; } = snapshot;
        public ConcurrentDictionary<string, Document> Documents { get; } = new(StringComparer.Ordinal);
        public long Bytes;
    }

    private volatile Generation _current = new(MirrorIndex.Snapshot.Empty);

    /// <summary>The document at <paramref name="key"/> as held for <paramref name="snapshot"/>, or read from the store (null: absent, or too large to hold).</summary>
    public async Task<Document?> GetAsync(MirrorIndex.Snapshot snapshot, string key, IStoreReader reader, CancellationToken cancellationToken)
    {
        var generation = _current;
        if (!ReferenceEquals(generation.Snapshot, snapshot))
        {
            generation = new Generation(snapshot);
            _current = generation;
        }
        if (generation.Documents.TryGetValue(key, out var held))
        {
            return held;
        }
        var read = await ReadAsync(key, reader, cancellationToken);
        if (read is not null && Interlocked.Add(ref generation.Bytes, read.Content.Length) <= MaxTotalBytes)
        {
            generation.Documents.TryAdd(key, read);
        }
        return read;
    }

    private static async Task<Document?> ReadAsync(string key, IStoreReader reader, CancellationToken cancellationToken)
    {
        var head = await reader.HeadAsync(key, cancellationToken);
        if (head is null || head.Size > MaxDocumentBytes)
        {
            return null;
        }
        // Read to its end, one byte further than its size: a document rewritten since (a different size) is not held.
        await using var body = await reader.OpenReadAsync(key, 0, null, cancellationToken);
        var content = new byte[head.Size + 1];
        var read = 0;
        while (read < content.Length && await body.ReadAsync(content.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }
        return read == head.Size ? new Document(content[..read], head.LastModified) : null;
    }
}
