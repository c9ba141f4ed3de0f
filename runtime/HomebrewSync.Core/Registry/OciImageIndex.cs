using System.Globalization;
using System.Text.Json;

namespace HomebrewSync.Core.Registry;

/// <summary>One entry of an image index: a bottle's digest, size and <c>org.opencontainers.image.ref.name</c>.</summary>
internal sealed record ImageIndexEntry(string Sha256, long? Size, string? RefName);

/// <summary>
/// The registry's OCI image index of one formula version, as brew reads it: entries annotated with
/// <c>sh.brew.bottle.digest</c>, <c>sh.brew.bottle.size</c> and <c>org.opencontainers.image.ref.name</c>.
/// </summary>
internal sealed record OciImageIndex(IReadOnlyList<ImageIndexEntry> Entries)
{
    public const string MediaType = IBottleRegistry.ImageIndexMediaType;

    public bool Lists(string sha256) => Entries.Any(e => string.Equals(e.Sha256, sha256, StringComparison.Ordinal));

    /// <exception cref="JsonException">Not a JSON document, or a string in it that is not text.</exception>
    public static OciImageIndex Parse(ReadOnlySpan<byte> document)
    {
        try
        {
            return ParseJson(document);
        }
        catch (InvalidOperationException ex)
        {
            // The reader lets bytes that are not UTF-8 (or an escaped lone surrogate) through a string; reading it as text throws.
            throw new JsonException($"not an image index: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The most bottles one index may list: a formula version's index lists one per platform (about twenty). A document that lists
    /// more is refused, so what a registry's answer can cost past its own bytes is a few hundred KB, however it is laid out.
    /// </summary>
    public const int MaxEntries = 1024;

    /// <summary>
    /// Read as a stream of tokens, keeping only the three annotations of each entry: a tree of the whole document (JsonDocument)
    /// costs about 12 bytes per token, and a document of empty objects within MAX_IMAGE_INDEX_MB would cost ten times its size,
    /// at every sizing request in flight. Where a name is repeated, the last one counts, as it does in a tree.
    /// </summary>
    private static OciImageIndex ParseJson(ReadOnlySpan<byte> document)
    {
        var reader = new Utf8JsonReader(document);
        var entries = new List<ImageIndexEntry>();
        if (!reader.Read())
        {
            throw new JsonException("not an image index: the document is empty");
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new OciImageIndex(entries);
        }
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isManifests = reader.ValueTextEquals("manifests"u8);
            Next(ref reader);
            if (!isManifests || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }
            // A later "manifests" replaces an earlier one.
            entries.Clear();
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (ReadEntry(ref reader) is { } entry)
                {
                    if (entries.Count == MaxEntries)
                    {
                        throw new JsonException($"not an image index: it lists more than {MaxEntries:N0} bottles");
                    }
                    entries.Add(entry);
                }
            }
        }
        return new OciImageIndex(entries);
    }

    /// <summary>One element of <c>manifests</c> (the reader on its first token, left on its last): an entry when its annotations name a digest.</summary>
    private static ImageIndexEntry? ReadEntry(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        (string? Digest, string? Size, string? RefName)? annotations = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isAnnotations = reader.ValueTextEquals("annotations"u8);
            Next(ref reader);
            if (!isAnnotations)
            {
                reader.Skip();
                continue;
            }
            // A later "annotations" replaces an earlier one; one that is not an object leaves none.
            annotations = reader.TokenType == JsonTokenType.StartObject ? ReadAnnotations(ref reader) : null;
            reader.Skip();
        }
        if (annotations is not { Digest: { } hex } a)
        {
            return null;
        }
        long? size = a.Size is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
        return new ImageIndexEntry(hex.StartsWith("sha256:", StringComparison.Ordinal) ? hex["sha256:".Length..] : hex, size, a.RefName);
    }

    /// <summary>The annotations brew reads, each only when a string (the reader on the object's start, left on its end).</summary>
    private static (string? Digest, string? Size, string? RefName) ReadAnnotations(ref Utf8JsonReader reader)
    {
        string? digest = null, size = null, refName = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            ref var field = ref digest;
            var wanted = true;
            if (reader.ValueTextEquals("sh.brew.bottle.digest"u8))
            {
                field = ref digest;
            }
            else if (reader.ValueTextEquals("sh.brew.bottle.size"u8))
            {
                field = ref size;
            }
            else if (reader.ValueTextEquals("org.opencontainers.image.ref.name"u8))
            {
                field = ref refName;
            }
            else
            {
                wanted = false;
            }
            Next(ref reader);
            if (wanted)
            {
                field = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            reader.Skip();
        }
        return (digest, size, refName);
    }

    /// <exception cref="JsonException">The document ends within a value.</exception>
    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("not an image index: the document ends early");
}
