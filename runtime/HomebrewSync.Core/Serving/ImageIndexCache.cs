using System.Collections.Concurrent;
using System.Globalization;
using HomebrewSync.Core.Registry;
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

    /// <summary>One image index as read from the store, and the headers every answer of it carries, made once: the same as a stored object's.</summary>
    public sealed class Document
    {
        public Document(byte[] content, DateTimeOffset lastModified)
        {
            Content = content;
            LastModified = lastModified;
            (var headers, Modified) = ObjectValidators.Of(OciImageIndex.MediaType, content.Length, lastModified, null);
            Validators = headers;
            ETag = headers["ETag"];
            Whole = new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase)
            {
                ["Content-Length"] = content.Length.ToString(CultureInfo.InvariantCulture),
            };
        }

        public byte[] Content { get; }

        public DateTimeOffset LastModified { get; }

        /// <summary>Type, time, ETag and ranges: a 304's headers. Shared by every answer, never changed.</summary>
        public IReadOnlyDictionary<string, string> Validators { get; }

        /// <summary>The validators and the length: a 200's headers. Shared by every answer, never changed.</summary>
        public IReadOnlyDictionary<string, string> Whole { get; }

        public string ETag { get; }

        /// <summary>The time to the second, as Last-Modified says it.</summary>
        public DateTimeOffset Modified { get; }
    }

    private sealed class Generation(MirrorIndex.Snapshot snapshot)
    {
        public MirrorIndex.Snapshot Snapshot { get; } = snapshot;
        public ConcurrentDictionary<string, Document> Documents { get; } = new(StringComparer.Ordinal);
        public long Bytes;
    }

    private volatile Generation _current = new(MirrorIndex.Snapshot.Empty);

    /// <summary>The document at <paramref name="key"/> as held for <paramref name="snapshot"/>; null when it is not held.</summary>
    public Document? TryGet(MirrorIndex.Snapshot snapshot, string key) => Current(snapshot).Documents.GetValueOrDefault(key);

    /// <summary>
    /// Reads the document <paramref name="head"/> describes and holds it for <paramref name="snapshot"/>; null when it is too large to
    /// hold or was rewritten while it was read (the caller then answers from the store).
    /// </summary>
    public async Task<Document?> ReadAsync(MirrorIndex.Snapshot snapshot, StoredObject head, IStoreReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(reader);
        var generation = Current(snapshot);
        var read = await ReadAsync(head, reader, cancellationToken);
        if (read is not null && Interlocked.Add(ref generation.Bytes, read.Content.Length) <= MaxTotalBytes)
        {
            generation.Documents.TryAdd(head.Key, read);
        }
        return read;
    }

    /// <summary>The documents held for <paramref name="snapshot"/>: none yet when the hash file has changed since.</summary>
    private Generation Current(MirrorIndex.Snapshot snapshot)
    {
        var generation = _current;
        if (!ReferenceEquals(generation.Snapshot, snapshot))
        {
            generation = new Generation(snapshot);
            _current = generation;
        }
        return generation;
    }

    private static async Task<Document?> ReadAsync(StoredObject head, IStoreReader reader, CancellationToken cancellationToken)
    {
        if (head.Size > MaxDocumentBytes)
        {
            return null;
        }
        // Read to its end, one byte further than its size: a document rewritten since (a different size) is not held.
        await using var body = await reader.OpenReadAsync(head.Key, 0, null, cancellationToken);
        var content = new byte[head.Size + 1];
        var read = 0;
        while (read < content.Length && await body.ReadAsync(content.AsMemory(read), cancellationToken) is var n and > 0)
        {
            read += n;
        }
        return read == head.Size ? new Document(content[..read], head.LastModified) : null;
    }
}
